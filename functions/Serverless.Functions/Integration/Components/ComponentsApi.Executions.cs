using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Errors;
using Serverless.Functions.Identity;
using Serverless.Functions.Integration.JsonApi;
using Serverless.Functions.Operations;
using Serverless.Functions.Runtime.Components;
using Serverless.Functions.Tenancy;

namespace Serverless.Functions.Integration.Components;

/// <summary>
/// Scheduled Executions (seed 002; spec §3.13, SE-1..SE-3): each answers 202 and runs the component's method as an
/// operation; poll and result are OperationsApi's. The method's input holds credential values, so it is sealed
/// before it is stored with the operation.
/// </summary>
public static partial class ComponentsApi
{
    public sealed record ExecutionInput(JsonObject? Fields, string? Module, string? Method);

    /// <summary>SE-1: <c>verifyCredentials(fields)</c>; needs workspaces.credential.edit in the workspace.</summary>
    public static Task<JsonHttpResult<Document>> VerifyCredential(string id, string revision, HttpContext context, ClaimsPrincipal principal,
        AccessControl access, ComponentCatalog catalog, OperationsEngine operations, SecretBox secrets, Credentials.CredentialStore credentials,
        CancellationToken cancellationToken) =>
        StartAsync(ComponentMethod.Verify, id, revision, context, principal, access, catalog, operations, secrets, credentials, cancellationToken);

    /// <summary>SE-2: <c>getMetaModel</c> of <c>attributes.module</c>; needs workspaces.flow.edit.</summary>
    public static Task<JsonHttpResult<Document>> DynamicMetadata(string id, string revision, HttpContext context, ClaimsPrincipal principal,
        AccessControl access, ComponentCatalog catalog, OperationsEngine operations, SecretBox secrets, Credentials.CredentialStore credentials,
        CancellationToken cancellationToken) =>
        StartAsync(ComponentMethod.DynamicMetadata, id, revision, context, principal, access, catalog, operations, secrets, credentials, cancellationToken);

    /// <summary>SE-3: the select-model method <c>attributes.method</c> of <c>attributes.module</c>; needs workspaces.flow.edit.</summary>
    public static Task<JsonHttpResult<Document>> SelectModel(string id, string revision, HttpContext context, ClaimsPrincipal principal,
        AccessControl access, ComponentCatalog catalog, OperationsEngine operations, SecretBox secrets, Credentials.CredentialStore credentials,
        CancellationToken cancellationToken) =>
        StartAsync(ComponentMethod.SelectModel, id, revision, context, principal, access, catalog, operations, secrets, credentials, cancellationToken);

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
        ClaimsPrincipal principal, AccessControl access, ComponentCatalog catalog, OperationsEngine operations, SecretBox secrets,
        Credentials.CredentialStore credentials, CancellationToken cancellationToken)
    {
        var caller = Caller.From(principal);
        var component = FindRevision(catalog, id, revision);
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
            // cfg = the credential's keys, then the step fields sent with the request (component-model §2.9).
            fields = await CredentialKeysAsync(credentialId, workspaceId, component, caller, access, credentials, cancellationToken);
            foreach (var (name, value) in input.Attributes.Fields!)
            {
                fields[name] = value?.DeepClone();
            }
        }
        var payload = new ComponentMethodInput(method.Name, component.Id, input.Attributes.Module, input.Attributes.Method, fields);
        var sealedInput = secrets.Seal(JsonSerializer.Serialize(payload), ComponentMethodExecution.Purpose);
        var operation = await operations.StartAsync(ComponentMethodExecution.KindName, caller, workspaceId, sealedInput, cancellationToken: cancellationToken);
        return OperationsApi.Accepted(context, operation);
    }
}

/// <summary>The three methods a scheduled execution can run, with the body type and permission of each.</summary>
public sealed record ComponentMethod(string Name, string RequestType, string Permission)
{
    public static readonly ComponentMethod Verify = new("verifyCredentials", "verify-credential", Permissions.WorkspacesCredentialEdit);
    public static readonly ComponentMethod DynamicMetadata = new("getMetaModel", "dynamic-metadata", Permissions.WorkspacesFlowEdit);
    public static readonly ComponentMethod SelectModel = new("selectModel", "select-model", Permissions.WorkspacesFlowEdit);
}

public sealed record ComponentMethodInput(string Method, string ComponentId, string? Module, string? SelectMethod, JsonObject Fields);

/// <summary>
/// Runs one component method. A <see cref="ComponentException"/> is the method's answer, not a fault: it becomes
/// <c>{status: "error", data: {message}}</c> (or <c>{verified: false, reason}</c> for verification) and is not retried.
/// Results are stored as <c>{status, data}</c> (component-model §2.9).
/// </summary>
public sealed class ComponentMethodExecution(ComponentCatalog catalog, SecretBox secrets) : IOperationHandler
{
    public const string KindName = "component.method";
    public const string Purpose = "operation-input";

    public string Kind => KindName;

    public async Task<object?> RunAsync(OperationContext context, CancellationToken cancellationToken)
    {
        var input = JsonSerializer.Deserialize<ComponentMethodInput>(secrets.Open(context.Input!, Purpose))!;
        var component = catalog.Find(input.ComponentId) ?? throw new InvalidOperationException($"Component {input.ComponentId} is gone.");
        // A minute, as the platform allows a sample retrieval, so one slow system cannot hold a worker.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(1));
        try
        {
            JsonNode data = input.Method switch
            {
                "verifyCredentials" => await VerifyAsync(component, input.Fields, timeout.Token),
                "getMetaModel" => await component.GetMetaModelAsync(input.Module!, input.Fields, timeout.Token),
                _ => await component.SelectModelAsync(input.Module!, input.SelectMethod!, input.Fields, timeout.Token),
            };
            return new { status = "success", data };
        }
        catch (ComponentException ex)
        {
            return new { status = "error", data = new { message = ex.Message } };
        }
    }

    private static async Task<JsonNode> VerifyAsync(BuiltInComponent component, JsonObject fields, CancellationToken cancellationToken)
    {
        try
        {
            await component.VerifyCredentialsAsync(fields, cancellationToken);
            return new JsonObject { ["verified"] = true };
        }
        catch (ComponentException ex)
        {
            return new JsonObject { ["verified"] = false, ["reason"] = ex.Message };
        }
    }
}
