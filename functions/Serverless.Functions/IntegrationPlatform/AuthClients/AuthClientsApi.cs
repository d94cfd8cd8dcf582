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

namespace Serverless.Functions.IntegrationPlatform.AuthClients;

/// <summary>
/// Auth Clients (AC-1..AC-5). A client lives in a tenant, a contract or a
/// workspace and serves secrets in every workspace below. Reading needs <c>{scope}.auth_clients.get</c> for the scope
/// asked about (<c>workspace_id</c>, <c>contract_id</c> or <c>tenant_id</c>), and the <c>credentials</c> are shown only to
/// holders of the permission of the client's own scope. Creating, changing and deleting need
/// <c>{scope}.auth_clients.create</c> in the client's scope. No role grants the <c>global.*</c> permissions, so there are
/// no global clients (docs/decisions/0008-auth-clients-and-secrets.md).
/// </summary>
public static class AuthClientsApi
{
    public const string Type = "auth-client";
    public const string OAuth2 = "oauth2";
    private static readonly string[] OAuth2Required = ["client_id", "client_secret", "refresh_token_uri", "token_uri", "auth_uri"];

    public static RouteGroupBuilder MapAuthClientsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapIntegrationGroup("AuthClients", "/v2/auth-clients");
        group.MapGet("/", ListClients);
        group.MapPost("/", CreateClient);
        group.MapGet("/{id}", GetClient);
        group.MapPatch("/{id}", UpdateClient);
        group.MapDelete("/{id}", DeleteClient);
        return group;
    }

    public sealed record ClientAttributes(string Type, string Name)
    {
        [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
        public JsonObject? Credentials { get; init; }
    }

    public sealed record ClientInput(string? Name, string? Type, JsonObject? Credentials);

    /// <summary>The scope a request asks about, with what the caller may do there.</summary>
    private sealed record Viewpoint(Func<AuthClientEntity, bool> Visible, Func<AuthClientEntity, bool> SeesCredentials);

    /// <summary>AC-1.</summary>
    [EndpointId("AC-1")]
    public static async Task<JsonHttpResult<Document>> ListClients(HttpRequest request, Caller caller, AccessControl access,
        AuthClientStore clients, CancellationToken cancellationToken)
    {
        var viewpoint = await ViewpointAsync(request, caller, access, cancellationToken);
        var component = request.Query["filter[component]"].FirstOrDefault();
        var visible = viewpoint is null
            ? []
            : (await clients.OfTenantAsync(caller.TenantId, cancellationToken))
                .Where(viewpoint.Visible)
                .Where(c => component is null || c.ComponentIds().Contains(component))
                .OrderBy(c => c.Id, StringComparer.Ordinal)
                .Select(c => Resource(c, clients, viewpoint.SeesCredentials(c)))
                .ToList();
        return JsonApiResults.Ok(new Document(visible));
    }

    /// <summary>AC-3: a client of a tenant, contract or workspace is read with the scope parameter that reaches it.</summary>
    [EndpointId("AC-3")]
    public static async Task<JsonHttpResult<Document>> GetClient(string id, HttpRequest request, Caller caller, AccessControl access,
        AuthClientStore clients, CancellationToken cancellationToken)
    {
        var viewpoint = await ViewpointAsync(request, caller, access, cancellationToken)
            ?? throw new ApiException(ApiError.InvalidParameter("workspace_id",
                "A tenant's, contract's or workspace's client is read with the workspace_id, contract_id or tenant_id it belongs to."));
        var client = await clients.GetAsync(caller.TenantId, id, cancellationToken);
        return client is not null && viewpoint.Visible(client)
            ? JsonApiResults.Ok(Document.Of(Resource(client, clients, viewpoint.SeesCredentials(client))))
            : throw new ApiException(ApiError.NotFound(Type, id, "AUTH-CLIENT_ID"));
    }

    /// <summary>AC-2.</summary>
    [EndpointId("AC-2")]
    public static async Task<JsonHttpResult<Document>> CreateClient(HttpRequest request, Caller caller, AccessControl access,
        AuthClientStore clients, ComponentCatalog catalog, TimeProvider time, CancellationToken cancellationToken)
    {
        var input = await JsonApiBody.ReadAsync<ClientInput>(request, Type, cancellationToken);
        var rules = new AttributeRules();
        var name = rules.Required(input.Attributes.Name, "name");
        var type = rules.Required(input.Attributes.Type, "type", 50);
        rules.Check(input.Attributes.Credentials is not null, "credentials", "'credentials' is required (it may be {} unless the type is oauth2).");
        rules.ThrowIfAny();
        var credentials = CheckCredentials(type, input.Attributes.Credentials!, creating: true);
        var components = CheckComponents(input.Relationships, catalog, required: true)!;
        var client = new AuthClientEntity
        {
            PartitionKey = caller.TenantId,
            RowKey = Ids.New(time),
            Type = type,
            Name = name,
            Credentials = clients.SealCredentials(credentials),
            Components = JsonSerializer.Serialize(components, AppJson.Default.ListString),
            Created = time.GetUtcNow(),
        };
        await ScopeForCreateAsync(client, input.Relationships, caller, access, cancellationToken);
        await clients.AddAsync(client, cancellationToken);
        return JsonApiResults.Created(request.HttpContext.Response, Document.Of(Resource(client, clients, showCredentials: true)), $"/v2/auth-clients/{client.Id}");
    }

    /// <summary>AC-4: the name, the secret and token lifetime of the credentials, and the components.</summary>
    [EndpointId("AC-4")]
    public static async Task<JsonHttpResult<Document>> UpdateClient(string id, HttpRequest request, Caller caller, AccessControl access,
        AuthClientStore clients, ComponentCatalog catalog, CancellationToken cancellationToken)
    {
        var client = await FindForChangeAsync(id, caller, access, clients, cancellationToken);
        var input = await JsonApiBody.ReadAsync<ClientInput>(request, Type, cancellationToken);
        JsonApiBody.CheckId(input.Id, id);
        var rules = new AttributeRules();
        var name = input.Attributes.Name is null ? null : rules.Required(input.Attributes.Name, "name");
        rules.Check(input.Attributes.Type is null || input.Attributes.Type == client.Type, "type", "A client's type cannot change.");
        rules.ThrowIfAny();
        JsonObject? credentials = null;
        if (input.Attributes.Credentials is { } changes)
        {
            credentials = clients.OpenCredentials(client);
            if (client.Type == OAuth2)
            {
                // For oauth2 only the secret and the token lifetime change; the endpoints identify the client.
                var unknown = changes.Select(c => c.Key).FirstOrDefault(k => k is not ("client_secret" or "token_expires_in"));
                if (unknown is not null)
                {
                    throw new ApiException(ApiError.InvalidField($"/data/attributes/credentials/{unknown}", $"An oauth2 client's '{unknown}' cannot change."));
                }
                foreach (var (key, value) in changes)
                {
                    credentials[key] = value?.DeepClone();
                }
            }
            else
            {
                credentials = changes;
            }
            credentials = CheckCredentials(client.Type, credentials, creating: false);
        }
        var components = CheckComponents(input.Relationships, catalog, required: false);
        var updated = await clients.MutateAsync(caller.TenantId, id, c =>
        {
            c.Name = name ?? c.Name;
            c.Credentials = credentials is null ? c.Credentials : clients.SealCredentials(credentials);
            c.Components = components is null ? c.Components : JsonSerializer.Serialize(components, AppJson.Default.ListString);
            return true;
        }, cancellationToken) ?? throw new ApiException(ApiError.NotFound(Type, id, "AUTH-CLIENT_ID"));
        return JsonApiResults.Ok(Document.Of(Resource(updated, clients, showCredentials: true)));
    }

    /// <summary>AC-5: refused (409) while a secret uses the client.</summary>
    [EndpointId("AC-5")]
    public static async Task<NoContent> DeleteClient(string id, Caller caller, AccessControl access, AuthClientStore clients,
        AuthSecrets.AuthSecretStore secrets, CancellationToken cancellationToken)
    {
        var client = await FindForChangeAsync(id, caller, access, clients, cancellationToken);
        if ((await secrets.OfClientAsync(caller.TenantId, client.Id, cancellationToken)).Count > 0)
        {
            throw new ApiException(ApiError.ForStatus(StatusCodes.Status409Conflict, "Secrets use this client: delete them first.") with { Code = "client_in_use" });
        }
        await clients.DeleteAsync(caller.TenantId, client.Id, cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>For AC-2's scope relationship: the permission <c>{scope}.auth_clients.create</c> there.</summary>
    private static async Task ScopeForCreateAsync(AuthClientEntity client, JsonElement? relationships, Caller caller, AccessControl access,
        CancellationToken cancellationToken)
    {
        var workspaceId = JsonApiBody.RelationshipId(relationships, "workspace", "workspace", required: false);
        var contractId = JsonApiBody.RelationshipId(relationships, "contract", "contract", required: false);
        var tenantId = JsonApiBody.RelationshipId(relationships, "tenant", "tenant", required: false);
        if (new[] { workspaceId, contractId, tenantId }.Count(s => s is not null) > 1)
        {
            throw new ApiException(ApiError.InvalidField("/data/relationships", "Give at most one scope: tenant, contract or workspace."));
        }
        if (workspaceId is not null)
        {
            var workspace = (await access.WorkspaceAsync(caller, workspaceId, cancellationToken)).Require(Permissions.WorkspacesAuthClientsCreate).RequireWritable().Workspace;
            (client.ScopeKind, client.ScopeId, client.ContractId) = (AuthClientEntity.Workspace, workspace.Id, workspace.ContractId);
        }
        else if (contractId is not null)
        {
            var contract = (await access.ContractAsync(caller, contractId, cancellationToken)).Require(Permissions.ContractsAuthClientsCreate).RequireWritable().Contract;
            (client.ScopeKind, client.ScopeId) = (AuthClientEntity.Contract, contract.Id);
        }
        else if (tenantId is not null)
        {
            if (tenantId != caller.TenantId)
            {
                throw new ApiException(ApiError.NotFound("tenant", tenantId, "tenant"));
            }
            caller.Require(Permissions.TenantsAuthClientsCreate);
            (client.ScopeKind, client.ScopeId) = (AuthClientEntity.Tenant, tenantId);
        }
        else
        {
            throw new ApiException(ApiError.Forbidden("Creating a global client needs the global.auth_clients.create permission, which no role of a tenant holds."));
        }
    }

    /// <summary>The client, if the caller holds <c>{scope}.auth_clients.create</c> in its scope (404 if they cannot see it there).</summary>
    private static async Task<AuthClientEntity> FindForChangeAsync(string id, Caller caller, AccessControl access, AuthClientStore clients,
        CancellationToken cancellationToken)
    {
        var client = await clients.GetAsync(caller.TenantId, id, cancellationToken) ?? throw new ApiException(ApiError.NotFound(Type, id, "AUTH-CLIENT_ID"));
        try
        {
            switch (client.ScopeKind)
            {
                case AuthClientEntity.Workspace:
                    (await access.WorkspaceAsync(caller, client.ScopeId, cancellationToken)).Require(Permissions.WorkspacesAuthClientsCreate).RequireWritable();
                    break;
                case AuthClientEntity.Contract:
                    (await access.ContractAsync(caller, client.ScopeId, cancellationToken)).Require(Permissions.ContractsAuthClientsCreate).RequireWritable();
                    break;
                default:
                    caller.Require(Permissions.TenantsAuthClientsCreate);
                    break;
            }
        }
        catch (ApiException ex) when (ex.Status == StatusCodes.Status404NotFound)
        {
            throw new ApiException(ApiError.NotFound(Type, id, "AUTH-CLIENT_ID"));
        }
        return client;
    }

    /// <summary>
    /// What the scope parameter lets the caller see: from a workspace, its own, its contract's and the tenant's
    /// clients; from a contract, its own and the tenant's; from the tenant, the tenant's. Null without a parameter
    /// (global clients only, and there are none).
    /// </summary>
    private static async Task<Viewpoint?> ViewpointAsync(HttpRequest request, Caller caller, AccessControl access, CancellationToken cancellationToken)
    {
        var given = new[] { "workspace_id", "contract_id", "tenant_id" }.Where(p => request.Query.ContainsKey(p)).ToList();
        if (given.Count > 1)
        {
            throw new ApiException(ApiError.InvalidParameter(given[1], "Give at most one of workspace_id, contract_id and tenant_id."));
        }
        var tenantSees = caller.HasTenantPermission(Permissions.TenantsAuthClientsGet);
        switch (given.FirstOrDefault())
        {
            case "workspace_id":
                var ws = (await access.WorkspaceAsync(caller, request.Query["workspace_id"].ToString(), cancellationToken)).Require(Permissions.WorkspacesAuthClientsGet);
                var contractSees = ws.Permissions.Contains(Permissions.ContractsAuthClientsGet);
                return new Viewpoint(c => c.VisibleIn(ws.Workspace),
                    c => c.ScopeKind switch { AuthClientEntity.Workspace => true, AuthClientEntity.Contract => contractSees, _ => tenantSees });
            case "contract_id":
                var contract = (await access.ContractAsync(caller, request.Query["contract_id"].ToString(), cancellationToken)).Require(Permissions.ContractsAuthClientsGet);
                return new Viewpoint(c => c.ScopeKind == AuthClientEntity.Tenant || (c.ScopeKind == AuthClientEntity.Contract && c.ScopeId == contract.Contract.Id),
                    c => c.ScopeKind == AuthClientEntity.Contract || tenantSees);
            case "tenant_id":
                if (request.Query["tenant_id"] != caller.TenantId)
                {
                    throw new ApiException(ApiError.NotFound("tenant", request.Query["tenant_id"].ToString(), "tenant_id"));
                }
                caller.Require(Permissions.TenantsAuthClientsGet);
                return new Viewpoint(c => c.ScopeKind == AuthClientEntity.Tenant, _ => true);
            default:
                return null;
        }
    }

    /// <summary>oauth2 clients need their five endpoints and secrets; token_expires_in defaults to 3600 seconds.</summary>
    private static JsonObject CheckCredentials(string type, JsonObject credentials, bool creating)
    {
        if (type != OAuth2)
        {
            return credentials;
        }
        var rules = new AttributeRules();
        foreach (var key in OAuth2Required)
        {
            rules.Check(credentials[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.ToString().Length > 0, $"credentials/{key}",
                $"'{key}' is required for an oauth2 client.");
        }
        foreach (var uri in new[] { "token_uri", "refresh_token_uri", "auth_uri" })
        {
            rules.Check(credentials[uri] is null || OutboundHttp.IsHttpUrl(credentials[uri]!.ToString()), $"credentials/{uri}", $"'{uri}' must be an absolute http(s) URL.");
        }
        var expires = credentials["token_expires_in"];
        rules.Check(expires is null || (expires is JsonValue e && e.TryGetValue<int>(out var seconds) && seconds > 0), "credentials/token_expires_in",
            "'token_expires_in' must be a whole number of seconds.");
        rules.ThrowIfAny();
        if (creating && expires is null)
        {
            credentials["token_expires_in"] = 3600;
        }
        return credentials;
    }

    private static List<string>? CheckComponents(JsonElement? relationships, ComponentCatalog catalog, bool required)
    {
        if (relationships is not { } rel || !rel.TryGetProperty("components", out var components))
        {
            return required ? throw new ApiException(ApiError.InvalidField("/data/relationships/components", "The 'components' relationship is required.")) : null;
        }
        if (!components.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
        {
            throw new ApiException(ApiError.InvalidField("/data/relationships/components", "'components' must be {\"data\": [{\"id\", \"type\": \"component\"}, ...]}."));
        }
        var ids = new List<string>();
        var index = 0;
        foreach (var item in data.EnumerateArray())
        {
            var id = item.ValueKind == JsonValueKind.Object && item.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString() : null;
            var component = id is null ? null : catalog.Find(id);
            if (component is null || !(item.TryGetProperty("type", out var t) && t.GetString() == ComponentsApi.Type))
            {
                throw new ApiException(ApiError.InvalidField($"/data/relationships/components/data/{index}", $"No component with id '{id}' exists."));
            }
            ids.Add(component.Id);
            index++;
        }
        return ids;
    }

    private static Resource Resource(AuthClientEntity client, AuthClientStore clients, bool showCredentials)
    {
        var scopePath = client.ScopeKind switch
        {
            AuthClientEntity.Workspace => $"/v2/workspaces/{client.ScopeId}",
            AuthClientEntity.Contract => $"/v2/contracts/{client.ScopeId}",
            _ => $"/v2/tenants/{client.ScopeId}",
        };
        return new Resource(client.Id, Type, new ClientAttributes(client.Type, client.Name) { Credentials = showCredentials ? clients.OpenCredentials(client) : null })
        {
            Links = new ResourceLinks($"/v2/auth-clients/{client.Id}"),
            Relationships = new Dictionary<string, Relationship>
            {
                ["components"] = new() { Data = client.ComponentIds().Select(id => new ResourceIdentifier(id, ComponentsApi.Type)).ToList() },
                [client.ScopeKind] = new() { Data = new ResourceIdentifier(client.ScopeId, client.ScopeKind), Links = new RelationshipLinks { Self = scopePath } },
            },
        };
    }
}
