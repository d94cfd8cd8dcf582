using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Errors;
using Serverless.Functions.Hosting;
using Serverless.Functions.Identity;
using Serverless.Functions.IntegrationPlatform.AuthClients;
using Serverless.Functions.IntegrationPlatform.JsonApi;
using Serverless.Functions.Tenancy;

namespace Serverless.Functions.IntegrationPlatform.AuthSecrets;

/// <summary>
/// Auth Secrets (AS-1..AS-6), under /v2/workspaces/{id}/secrets and so part of the
/// Workspaces function. Each endpoint needs its workspaces.auth_secret.* permission in the workspace. A secret uses a
/// client of its workspace, contract or tenant.
/// </summary>
public static class AuthSecretsApi
{
    public const string Type = "auth-secret";

    /// <summary>Mapped by <see cref="Workspaces.WorkspacesApi"/> onto its own group: the secrets live under a workspace.</summary>
    public static RouteGroupBuilder MapAuthSecretsApi(this RouteGroupBuilder group)
    {
        group.MapGet("/{workspaceId}/secrets", ListSecrets);
        group.MapPost("/{workspaceId}/secrets", CreateSecret);
        group.MapPost("/{workspaceId}/secrets/{id}/refresh", RefreshSecret);
        group.MapGet("/{workspaceId}/secrets/{id}", GetSecret);
        group.MapPatch("/{workspaceId}/secrets/{id}", UpdateSecret);
        group.MapDelete("/{workspaceId}/secrets/{id}", DeleteSecret);
        return group;
    }

    public sealed record SecretAttributes(string Name, string State, JsonObject Credentials)
    {
        [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
        public string? Error { get; init; }
    }

    public sealed record SecretInput(string? Name, string? State, string? Error, JsonObject? Credentials);

    /// <summary>AS-1, filtered by <c>filter[user]</c> and <c>filter[auth_client]</c>.</summary>
    [EndpointId("AS-1")]
    public static async Task<JsonHttpResult<Document>> ListSecrets(string workspaceId, HttpRequest request, Caller caller,
        AccessControl access, AuthSecretStore secrets, CancellationToken cancellationToken)
    {
        var workspace = (await access.WorkspaceAsync(caller, workspaceId, cancellationToken)).Require(Permissions.WorkspacesAuthSecretGet).Workspace;
        var user = request.Query["filter[user]"].FirstOrDefault();
        var client = request.Query["filter[auth_client]"].FirstOrDefault();
        var found = (await secrets.OfWorkspaceAsync(workspace.TenantId, workspace.Id, cancellationToken))
            .Where(s => (user is null || s.UserId == user) && (client is null || s.AuthClientId == client))
            .OrderBy(s => s.Id, StringComparer.Ordinal);
        return JsonApiResults.Ok(new Document(found.Select(s => Resource(s, secrets)).ToList()));
    }

    /// <summary>AS-2.</summary>
    [EndpointId("AS-2")]
    public static async Task<JsonHttpResult<Document>> CreateSecret(string workspaceId, HttpRequest request, Caller caller,
        AccessControl access, AuthSecretStore secrets, AuthClientStore clients, TimeProvider time, CancellationToken cancellationToken)
    {
        var workspace = (await access.WorkspaceAsync(caller, workspaceId, cancellationToken))
            .Require(Permissions.WorkspacesAuthSecretCreate).RequireWritable().Workspace;
        var input = await JsonApiBody.ReadAsync<SecretInput>(request, Type, cancellationToken);
        var rules = new AttributeRules();
        var name = rules.Required(input.Attributes.Name, "name");
        var state = rules.OneOf(rules.Required(input.Attributes.State, "state", 10), "state", [AuthSecretEntity.Ready, AuthSecretEntity.Error]);
        rules.Check(input.Attributes.Credentials is not null, "credentials", "'credentials' is required.");
        rules.ThrowIfAny();
        // The seed's request key is auth_client; its responses say auth-client.
        var clientId = JsonApiBody.RelationshipId(input.Relationships, "auth_client", AuthClientsApi.Type, required: true)!;
        var client = await clients.GetAsync(caller.TenantId, clientId, cancellationToken);
        if (client is null || !client.VisibleIn(workspace))
        {
            throw new ApiException(ApiError.InvalidField("/data/relationships/auth_client", $"No auth client with id '{clientId}' serves this workspace."));
        }
        var (credentials, expiresAt) = CheckCredentials(client, clients, input.Attributes.Credentials!, time);
        var secret = new AuthSecretEntity
        {
            PartitionKey = caller.TenantId,
            RowKey = Ids.New(time),
            WorkspaceId = workspace.Id,
            AuthClientId = client.Id,
            UserId = caller.UserId,
            Name = name,
            State = state!,
            ErrorMessage = input.Attributes.Error,
            Credentials = secrets.SealCredentials(credentials),
            ExpiresAt = expiresAt,
            Created = time.GetUtcNow(),
        };
        await secrets.AddAsync(secret, cancellationToken);
        return JsonApiResults.Created(request.HttpContext.Response, Document.Of(Resource(secret, secrets)), SelfLink(secret));
    }

    /// <summary>AS-3: a refresh-token grant now. The seed's example wraps the answer in an array; its prose returns the secret, as this does.</summary>
    [EndpointId("AS-3")]
    public static async Task<JsonHttpResult<Document>> RefreshSecret(string workspaceId, string id, Caller caller, AccessControl access,
        AuthSecretStore secrets, SecretRefresher refresher, CancellationToken cancellationToken)
    {
        var secret = await FindAsync(workspaceId, id, Permissions.WorkspacesAuthSecretRefresh, write: true, caller, access, secrets, cancellationToken);
        return JsonApiResults.Ok(Document.Of(Resource(await refresher.RefreshAsync(secret, cancellationToken), secrets)));
    }

    /// <summary>AS-4: a secret of another workspace is not found here.</summary>
    [EndpointId("AS-4")]
    public static async Task<JsonHttpResult<Document>> GetSecret(string workspaceId, string id, Caller caller, AccessControl access,
        AuthSecretStore secrets, CancellationToken cancellationToken) =>
        JsonApiResults.Ok(Document.Of(Resource(await FindAsync(workspaceId, id, Permissions.WorkspacesAuthSecretGet, write: false, caller, access, secrets,
            cancellationToken), secrets)));

    /// <summary>AS-5: name and credentials (same rules as creating); state and error too, as the seed's example sends them.</summary>
    [EndpointId("AS-5")]
    public static async Task<JsonHttpResult<Document>> UpdateSecret(string workspaceId, string id, HttpRequest request, Caller caller,
        AccessControl access, AuthSecretStore secrets, AuthClientStore clients, TimeProvider time, CancellationToken cancellationToken)
    {
        var secret = await FindAsync(workspaceId, id, Permissions.WorkspacesAuthSecretEdit, write: true, caller, access, secrets, cancellationToken);
        var input = await JsonApiBody.ReadAsync<SecretInput>(request, Type, cancellationToken);
        JsonApiBody.CheckId(input.Id, id);
        var rules = new AttributeRules();
        var name = input.Attributes.Name is null ? null : rules.Required(input.Attributes.Name, "name");
        var state = rules.OneOf(input.Attributes.State, "state", [AuthSecretEntity.Ready, AuthSecretEntity.Error]);
        rules.ThrowIfAny();
        string? sealedCredentials = null;
        DateTimeOffset? expiresAt = null;
        if (input.Attributes.Credentials is { } changed)
        {
            var client = await clients.GetAsync(secret.PartitionKey, secret.AuthClientId, cancellationToken)
                ?? throw new ApiException(ApiError.ForStatus(StatusCodes.Status409Conflict, "The secret's auth client no longer exists."));
            (var credentials, expiresAt) = CheckCredentials(client, clients, changed, time);
            sealedCredentials = secrets.SealCredentials(credentials);
        }
        var updated = await secrets.MutateAsync(secret.PartitionKey, secret.Id, s =>
        {
            s.Name = name ?? s.Name;
            s.State = state ?? s.State;
            s.ErrorMessage = input.Attributes.Error ?? (state == AuthSecretEntity.Ready ? null : s.ErrorMessage);
            s.Credentials = sealedCredentials ?? s.Credentials;
            s.ExpiresAt = sealedCredentials is null ? s.ExpiresAt : expiresAt;
            return true;
        }, cancellationToken) ?? throw new ApiException(ApiError.NotFound("auth secret", id, "AUTH-SECRET_ID"));
        return JsonApiResults.Ok(Document.Of(Resource(updated, secrets)));
    }

    /// <summary>AS-6.</summary>
    [EndpointId("AS-6")]
    public static async Task<NoContent> DeleteSecret(string workspaceId, string id, Caller caller, AccessControl access,
        AuthSecretStore secrets, CancellationToken cancellationToken)
    {
        var secret = await FindAsync(workspaceId, id, Permissions.WorkspacesAuthSecretDelete, write: true, caller, access, secrets, cancellationToken);
        await secrets.DeleteAsync(secret.PartitionKey, secret.Id, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<AuthSecretEntity> FindAsync(string workspaceId, string id, string permission, bool write, Caller caller,
        AccessControl access, AuthSecretStore secrets, CancellationToken cancellationToken)
    {
        var workspace = (await access.WorkspaceAsync(caller, workspaceId, cancellationToken)).Require(permission);
        if (write)
        {
            workspace.RequireWritable();
        }
        var secret = await secrets.GetAsync(caller.TenantId, id, cancellationToken);
        return secret is not null && secret.WorkspaceId == workspace.Workspace.Id
            ? secret
            : throw new ApiException(ApiError.NotFound("auth secret", id, "AUTH-SECRET_ID"));
    }

    /// <summary>
    /// For an oauth2 client the credentials need an access_token, and expires_in defaults to the client's
    /// token_expires_in; the seed's "only access_token and refresh_token" contradicts its own table, so
    /// expires_in and additional_params are accepted too. Other clients take any object.
    /// </summary>
    private static (JsonObject Credentials, DateTimeOffset? ExpiresAt) CheckCredentials(AuthClientEntity client, AuthClientStore clients, JsonObject credentials,
        TimeProvider time)
    {
        if (client.Type != AuthClientsApi.OAuth2)
        {
            return (credentials, null);
        }
        var rules = new AttributeRules();
        rules.Check(credentials["access_token"] is JsonValue a && a.ToString().Length > 0, "credentials/access_token", "'access_token' is required for an oauth2 secret.");
        var unknown = credentials.Select(c => c.Key).Where(k => k is not ("access_token" or "refresh_token" or "expires_in" or "additional_params"));
        foreach (var key in unknown)
        {
            rules.Check(false, $"credentials/{key}", $"An oauth2 secret's credentials hold access_token, refresh_token, expires_in and additional_params, not '{key}'.");
        }
        rules.Check(credentials["expires_in"] is null || SecretRefresher.Seconds(credentials["expires_in"]) is not null, "credentials/expires_in",
            "'expires_in' must be a whole number of seconds.");
        rules.ThrowIfAny();
        var expiresIn = SecretRefresher.Seconds(credentials["expires_in"]) ?? SecretRefresher.Seconds(clients.OpenCredentials(client)["token_expires_in"]) ?? 3600;
        credentials["expires_in"] = expiresIn;
        return (credentials, time.GetUtcNow().AddSeconds(expiresIn));
    }

    private static string SelfLink(AuthSecretEntity secret) => $"/v2/workspaces/{secret.WorkspaceId}/secrets/{secret.Id}";

    private static Resource Resource(AuthSecretEntity secret, AuthSecretStore secrets) =>
        new(secret.Id, Type, new SecretAttributes(secret.Name, secret.State, secrets.OpenCredentials(secret)) { Error = secret.ErrorMessage })
        {
            Links = new ResourceLinks(SelfLink(secret)),
            Relationships = new Dictionary<string, Relationship>
            {
                ["workspace"] = new() { Data = new ResourceIdentifier(secret.WorkspaceId, "workspace"), Links = new RelationshipLinks { Self = $"/v2/workspaces/{secret.WorkspaceId}" } },
                ["user"] = new() { Data = new ResourceIdentifier(secret.UserId, "user"), Links = new RelationshipLinks { Self = $"/v2/users/{secret.UserId}" } },
                [AuthClientsApi.Type] = new()
                {
                    Data = new ResourceIdentifier(secret.AuthClientId, AuthClientsApi.Type),
                    Links = new RelationshipLinks { Self = $"/v2/auth-clients/{secret.AuthClientId}" },
                },
            },
        };
}
