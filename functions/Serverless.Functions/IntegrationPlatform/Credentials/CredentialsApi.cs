using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Errors;
using Serverless.Functions.Hosting;
using Serverless.Functions.Identity;
using Serverless.Functions.IntegrationPlatform.Components;
using Serverless.Functions.IntegrationPlatform.JsonApi;
using Serverless.Functions.Runtime.Components;
using Serverless.Functions.Tenancy;

namespace Serverless.Functions.IntegrationPlatform.Credentials;

/// <summary>
/// Credentials (CR-1..CR-5). The seed names no permission for the reads: members
/// of the workspace read its credentials, keys included, as the seed's examples show them; changes need
/// workspaces.credential.edit. The keys are free-form; verification checks them against the component.
/// </summary>
public static class CredentialsApi
{
    public const string Type = "credential";

    public static RouteGroupBuilder MapCredentialsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapIntegrationGroup("Credentials", "/v2/credentials");
        group.MapGet("/", ListCredentials);
        group.MapGet("/{id}", GetCredential);
        group.MapPost("/", CreateCredential);
        group.MapPatch("/{id}", UpdateCredential);
        group.MapDelete("/{id}", DeleteCredential);
        return group;
    }

    public sealed record CredentialAttributes(string Name, JsonObject Keys);

    public sealed record CredentialInput(string? Name, JsonObject? Keys);

    /// <summary>CR-1: a workspace's credentials, optionally of one component.</summary>
    [EndpointId("CR-1")]
    public static async Task<JsonHttpResult<Document>> ListCredentials(HttpRequest request, Caller caller, AccessControl access,
        CredentialStore credentials, CancellationToken cancellationToken)
    {
        var workspaceId = request.Query["workspace_id"].FirstOrDefault()
            ?? throw new ApiException(ApiError.InvalidParameter("workspace_id", "'workspace_id' is required."));
        var workspace = (await access.ContentsReaderAsync(caller, workspaceId, cancellationToken)
            ?? throw new ApiException(ApiError.NotFound("workspace", workspaceId, "WORKSPACE_ID"))).Workspace;
        var component = request.Query["filter[component]"].FirstOrDefault();
        var found = (await credentials.OfWorkspaceAsync(workspace.TenantId, workspace.Id, cancellationToken))
            .Where(c => component is null || c.ComponentId == component)
            .OrderBy(c => c.Id, StringComparer.Ordinal);
        return JsonApiResults.Ok(new Document(found.Select(c => Resource(c, credentials)).ToList())
        {
            Links = new CollectionLinks(request.Path + request.QueryString),
        });
    }

    /// <summary>CR-2.</summary>
    [EndpointId("CR-2")]
    public static async Task<JsonHttpResult<Document>> GetCredential(string id, Caller caller, AccessControl access,
        CredentialStore credentials, CancellationToken cancellationToken)
    {
        var (credential, _) = await FindAsync(id, caller, access, credentials, write: false, cancellationToken);
        return JsonApiResults.Ok(Document.Of(Resource(credential, credentials)));
    }

    /// <summary>CR-3: needs workspaces.credential.edit in the workspace; the name is made up when omitted.</summary>
    [EndpointId("CR-3")]
    public static async Task<JsonHttpResult<Document>> CreateCredential(HttpRequest request, Caller caller, AccessControl access,
        CredentialStore credentials, ComponentCatalog catalog, TimeProvider time, CancellationToken cancellationToken)
    {
        var input = await JsonApiBody.ReadAsync<CredentialInput>(request, Type, cancellationToken);
        var componentId = JsonApiBody.RelationshipId(input.Relationships, "component", ComponentsApi.Type, required: true)!;
        var workspaceId = JsonApiBody.RelationshipId(input.Relationships, "workspace", "workspace", required: true)!;
        var component = catalog.Find(componentId)
            ?? throw new ApiException(ApiError.InvalidField("/data/relationships/component", $"No component with id '{componentId}' exists."));
        var workspace = (await access.WorkspaceAsync(caller, workspaceId, cancellationToken))
            .Require(Permissions.WorkspacesCredentialEdit).RequireWritable().Workspace;
        var keys = CheckKeys(input.Attributes.Keys ?? []);
        var rules = new AttributeRules();
        var name = rules.MaxLength(input.Attributes.Name, "name") is { Length: > 0 } given ? given : $"{component.Descriptor["title"]} credential";
        rules.ThrowIfAny();
        var credential = new CredentialEntity
        {
            PartitionKey = caller.TenantId,
            RowKey = Ids.New(time),
            WorkspaceId = workspace.Id,
            ComponentId = component.Id,
            UserId = caller.UserId,
            Name = name,
            Keys = credentials.SealKeys(keys),
            VpnAgentId = JsonApiBody.RelationshipId(input.Relationships, "vpn_agent", "vpn-agent", required: false),
            Created = time.GetUtcNow(),
        };
        await credentials.AddAsync(credential, cancellationToken);
        return JsonApiResults.Created(request.HttpContext.Response, Document.Of(Resource(credential, credentials)), $"/v2/credentials/{credential.Id}");
    }

    /// <summary>CR-4: the name and the vpn agent change when given; <c>keys</c>, when given, replace the old keys entirely.</summary>
    [EndpointId("CR-4")]
    public static async Task<JsonHttpResult<Document>> UpdateCredential(string id, HttpRequest request, Caller caller, AccessControl access,
        CredentialStore credentials, CancellationToken cancellationToken)
    {
        var (credential, _) = await FindAsync(id, caller, access, credentials, write: true, cancellationToken);
        var input = await JsonApiBody.ReadAsync<CredentialInput>(request, Type, cancellationToken);
        if (input.Id is null)
        {
            throw new ApiException(ApiError.InvalidField("/data/id", "'data.id' is required and must be the credential's id."));
        }
        JsonApiBody.CheckId(input.Id, id);
        var rules = new AttributeRules();
        var name = input.Attributes.Name is null ? null : rules.Required(input.Attributes.Name, "name");
        rules.ThrowIfAny();
        var keys = input.Attributes.Keys is null ? null : credentials.SealKeys(CheckKeys(input.Attributes.Keys));
        var vpnAgent = JsonApiBody.RelationshipId(input.Relationships, "vpn_agent", "vpn-agent", required: false);
        var updated = await credentials.MutateAsync(caller.TenantId, credential.Id, c =>
        {
            c.Name = name ?? c.Name;
            c.Keys = keys ?? c.Keys;
            c.VpnAgentId = vpnAgent ?? c.VpnAgentId;
            return true;
        }, cancellationToken) ?? throw new ApiException(ApiError.NotFound(Type, id, "CREDENTIAL_ID"));
        return JsonApiResults.Ok(Document.Of(Resource(updated, credentials)));
    }

    /// <summary>CR-5.</summary>
    [EndpointId("CR-5")]
    public static async Task<NoContent> DeleteCredential(string id, Caller caller, AccessControl access, CredentialStore credentials,
        CancellationToken cancellationToken)
    {
        var (credential, _) = await FindAsync(id, caller, access, credentials, write: true, cancellationToken);
        await credentials.DeleteAsync(caller.TenantId, credential.Id, cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>The credential, if the caller may see it (a member of its workspace) and, to change it, holds workspaces.credential.edit.</summary>
    internal static async Task<(CredentialEntity Credential, WorkspaceAccess Workspace)> FindAsync(string id, Caller caller, AccessControl access,
        CredentialStore credentials, bool write, CancellationToken cancellationToken)
    {
        var credential = await credentials.GetAsync(caller.TenantId, id, cancellationToken)
            ?? throw new ApiException(ApiError.NotFound(Type, id, "CREDENTIAL_ID"));
        var workspace = await access.ContentsReaderAsync(caller, credential.WorkspaceId, cancellationToken)
            ?? throw new ApiException(ApiError.NotFound(Type, id, "CREDENTIAL_ID"));
        return (credential, write ? workspace.Require(Permissions.WorkspacesCredentialEdit).RequireWritable() : workspace);
    }

    /// <summary>Keys the sealed column can hold; base64 and the seal's overhead must stay under a table property's 64 KiB.</summary>
    private const int MaxKeysLength = 16 * 1024;

    /// <summary>
    /// Keys are free-form, as the seed's own example (host, username, password) is for a component that declares no
    /// such fields; whether they fit the component is what <c>verify-credential</c> finds out. Only their shape is
    /// checked here: named values that are strings, numbers, booleans or objects, small enough to seal.
    /// </summary>
    private static JsonObject CheckKeys(JsonObject keys)
    {
        var rules = new AttributeRules();
        foreach (var (name, value) in keys)
        {
            rules.Check(name.Length is > 0 and <= 100, "keys", "Each key needs a name of 1 to 100 characters.");
            rules.Check(value?.GetValueKind() is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False or JsonValueKind.Object,
                $"keys/{name}", $"'{name}' must be a string, a number, a boolean or an object.");
        }
        // The components call these addresses; anything but http(s) is refused here rather than at the first call.
        foreach (var name in new[] { "url", "baseUrl" })
        {
            rules.Check(keys[name] is null || OutboundHttp.IsHttpUrl(keys[name]!.ToString()), $"keys/{name}", $"'{name}' must be an absolute http(s) URL.");
        }
        rules.Check(keys.ToJsonString().Length <= MaxKeysLength, "keys", $"'keys' must be at most {MaxKeysLength} characters of JSON.");
        rules.ThrowIfAny();
        return keys;
    }

    private static Resource Resource(CredentialEntity credential, CredentialStore credentials)
    {
        var relationships = new Dictionary<string, Relationship>
        {
            ["user"] = Link(credential.UserId, "user", $"/v2/users/{credential.UserId}"),
            ["component"] = Link(credential.ComponentId, ComponentsApi.Type, $"/v2/components/{credential.ComponentId}"),
            ["workspace"] = Link(credential.WorkspaceId, "workspace", $"/v2/workspaces/{credential.WorkspaceId}"),
        };
        if (credential.VpnAgentId is not null)
        {
            relationships["vpn_agent"] = Link(credential.VpnAgentId, "vpn-agent", $"/v2/agents/vpn/{credential.VpnAgentId}");
        }
        return new Resource(credential.Id, Type, new CredentialAttributes(credential.Name, credentials.OpenKeys(credential)))
        {
            Links = new ResourceLinks($"/v2/credentials/{credential.Id}"),
            Relationships = relationships,
        };
    }

    private static Relationship Link(string id, string type, string self) =>
        new() { Data = new ResourceIdentifier(id, type), Links = new RelationshipLinks { Self = self } };
}
