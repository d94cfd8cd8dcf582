using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Serverless.Functions.Storage;
using Serverless.Functions.Tenancy;

namespace Serverless.Functions.IntegrationPlatform.AuthSecrets;

// AuthSecrets: PK = tenantId, RK = secretId → the secret, with its WorkspaceId, AuthClientId, owner (UserId), State and
// ExpiresAt (when its access token runs out, for the refresh job). Credentials are sealed by SecretBox (purpose
// "auth-secret-credentials"): tokens never sit in plaintext.

public sealed class AuthSecretEntity : TableRow
{
    public const string Ready = "ready";
    public const string Error = "error";

    public string Id => RowKey;
    public string WorkspaceId { get; set; } = "";
    public string AuthClientId { get; set; } = "";
    public string UserId { get; set; } = "";
    public string Name { get; set; } = "";
    public string State { get; set; } = Ready;
    public string? ErrorMessage { get; set; }
    public string Credentials { get; set; } = "";
    public DateTimeOffset? ExpiresAt { get; set; }
    public DateTimeOffset Created { get; set; }
}

public sealed class AuthSecretStore(StorageAccount storage, SecretBox secrets)
    : TenantScopedStore<AuthSecretEntity>(storage.Table(StorageLayout.Tables.AuthSecrets))
{
    private const string Purpose = "auth-secret-credentials";

    public Task<IReadOnlyList<AuthSecretEntity>> OfWorkspaceAsync(string tenantId, string workspaceId, CancellationToken cancellationToken = default) =>
        QueryAsync(TableClient.CreateQueryFilter($"PartitionKey eq {tenantId} and WorkspaceId eq {workspaceId}"), cancellationToken);

    public Task<IReadOnlyList<AuthSecretEntity>> OfClientAsync(string tenantId, string clientId, CancellationToken cancellationToken = default) =>
        QueryAsync(TableClient.CreateQueryFilter($"PartitionKey eq {tenantId} and AuthClientId eq {clientId}"), cancellationToken);

    /// <summary>Every tenant's ready secrets whose access token runs out before <paramref name="cutoff"/>.</summary>
    public Task<IReadOnlyList<AuthSecretEntity>> ExpiringBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default) =>
        QueryAsync(TableClient.CreateQueryFilter($"State eq {AuthSecretEntity.Ready} and ExpiresAt lt {cutoff}"), cancellationToken);

    public JsonObject OpenCredentials(AuthSecretEntity secret) => JsonNode.Parse(secrets.Open(secret.Credentials, Purpose))!.AsObject();

    public string SealCredentials(JsonObject credentials) => secrets.Seal(credentials.ToJsonString(), Purpose);
}
