using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Errors;
using Serverless.Functions.Hosting;
using Serverless.Functions.Identity;
using Serverless.Functions.IntegrationPlatform.Components;
using Serverless.Functions.IntegrationPlatform.JsonApi;
using Serverless.Functions.Operations;
using Serverless.Functions.Runtime.Components;
using Serverless.Functions.Storage;
using Serverless.Functions.Tenancy;

namespace Serverless.Functions.IntegrationPlatform.Executions;

/// <summary>
/// Scheduled Executions (SE-1..SE-3): each answers 202 and runs the component's method as an
/// operation; poll and result are ExecutionsApi's. The method's input holds credential values, so it is sealed
/// before it is stored with the operation.
/// </summary>
public static class ScheduledExecutionsApi
{
    /// <summary>Mapped by <see cref="ComponentsApi"/> onto its own group: executions run a component's version.</summary>
    public static RouteGroupBuilder MapScheduledExecutionsApi(this RouteGroupBuilder components)
    {
        components.MapPost("/{id}/versions/{revision}/verify-credential", VerifyCredential);
        components.MapPost("/{id}/versions/{revision}/dynamic-metadata", DynamicMetadata);
        components.MapPost("/{id}/versions/{revision}/select-model", SelectModel);
        return components;
    }

    public sealed record ExecutionInput(JsonObject? Fields, string? Module, string? Method);

    /// <summary>SE-1: <c>verifyCredentials(fields)</c>; needs workspaces.credential.edit in the workspace.</summary>
    [EndpointId("SE-1")]
    public static Task<JsonHttpResult<Document>> VerifyCredential(string id, string revision, HttpContext context, Caller caller,
        AccessControl access, ComponentCatalog catalog, OperationsEngine operations, SecretBox secrets, Credentials.CredentialStore credentials,
        CancellationToken cancellationToken) =>
        StartAsync(ComponentMethod.Verify, id, revision, context, caller, access, catalog, operations, secrets, credentials, cancellationToken);

    /// <summary>SE-2: <c>getMetaModel</c> of <c>attributes.module</c>; needs workspaces.flow.edit.</summary>
    [EndpointId("SE-2")]
    public static Task<JsonHttpResult<Document>> DynamicMetadata(string id, string revision, HttpContext context, Caller caller,
        AccessControl access, ComponentCatalog catalog, OperationsEngine operations, SecretBox secrets, Credentials.CredentialStore credentials,
        CancellationToken cancellationToken) =>
        StartAsync(ComponentMethod.DynamicMetadata, id, revision, context, caller, access, catalog, operations, secrets, credentials, cancellationToken);

    /// <summary>SE-3: the select-model method <c>attributes.method</c> of <c>attributes.module</c>; needs workspaces.flow.edit.</summary>
    [EndpointId("SE-3")]
    public static Task<JsonHttpResult<Document>> SelectModel(string id, string revision, HttpContext context, Caller caller,
        AccessControl access, ComponentCatalog catalog, OperationsEngine operations, SecretBox secrets, Credentials.CredentialStore credentials,
        CancellationToken cancellationToken) =>
        StartAsync(ComponentMethod.SelectModel, id, revision, context, caller, access, catalog, operations, secrets, credentials, cancellationToken);

    private static async Task<JsonObject> CredentialKeysAsync(string credentialId, string workspaceId, BuiltInComponent component, Caller caller,
        AccessControl access, Credentials.CredentialStore credentials, CancellationToken cancellationToken)
    {
        Credentials.CredentialEntity credential;
        try
        {
            (credential, _) = await Credentials.CredentialsApi.FindAsync(credentialId, caller, access, credentials, write: false, cancellationToken);
        }
        catch (ApiException)
        {
            throw new ApiException(ApiError.InvalidField("/data/relationships/credential", $"No credential with id '{credentialId}' exists."));
        }
        if (credential.WorkspaceId != workspaceId || credential.ComponentId != component.Id)
        {
            throw new ApiException(ApiError.InvalidField("/data/relationships/credential",
                $"Credential {credentialId} is not a credential of {component.RepoName} in workspace {workspaceId}."));
        }
        return credentials.OpenKeys(credential);
    }

    private static async Task<JsonHttpResult<Document>> StartAsync(ComponentMethod method, string id, string revision, HttpContext context,
        Caller caller, AccessControl access, ComponentCatalog catalog, OperationsEngine operations, SecretBox secrets,
        Credentials.CredentialStore credentials, CancellationToken cancellationToken)
    {
        var component = ComponentsApi.FindRevision(catalog, id, revision);
        var input = await JsonApiBody.ReadAsync<ExecutionInput>(context.Request, method.RequestType, cancellationToken);
        var rules = new AttributeRules();
        rules.Check(input.Attributes.Fields is not null, "fields", "'fields' is required: an object (it may be empty).");
        if (method != ComponentMethod.Verify)
        {
            rules.Check(input.Attributes.Module is not null && component.HasFunction(input.Attributes.Module), "module",
                $"'module' must name a trigger or action of {component.RepoName}.");
        }
        if (method == ComponentMethod.SelectModel)
        {
            rules.Required(input.Attributes.Method, "method");
        }
        rules.ThrowIfAny();
        var workspaceId = JsonApiBody.RelationshipId(input.Relationships, "workspace", "workspace", required: true)!;
        (await access.WorkspaceAsync(caller, workspaceId, cancellationToken)).Require(method.Permission);
        var fields = input.Attributes.Fields!;
        if (JsonApiBody.RelationshipId(input.Relationships, "credential", Credentials.CredentialsApi.Type, required: false) is { } credentialId)
        {
            // cfg = the credential's keys, then the step fields sent with the request.
            fields = await CredentialKeysAsync(credentialId, workspaceId, component, caller, access, credentials, cancellationToken);
            foreach (var (name, value) in input.Attributes.Fields!)
            {
                fields[name] = value?.DeepClone();
            }
        }
        var payload = new ComponentMethodInput(method.Name, component.Id, input.Attributes.Module, input.Attributes.Method, fields);
        var sealedInput = secrets.Seal(JsonSerializer.Serialize(payload, AppJson.Default.ComponentMethodInput), ComponentMethodExecution.Purpose);
        var operation = await operations.StartAsync(ComponentMethodExecution.KindName, caller, workspaceId, sealedInput, cancellationToken: cancellationToken);
        return ExecutionsApi.Accepted(context, operation);
    }
}
