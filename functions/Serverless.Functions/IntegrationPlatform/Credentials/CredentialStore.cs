using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Serverless.Functions.Storage;
using Serverless.Functions.Tenancy;

namespace Serverless.Functions.IntegrationPlatform.Credentials;

// Credentials: PK = tenantId, RK = credentialId → the credential, with its WorkspaceId, ComponentId and owner (UserId).
// Keys holds the credential's values sealed by SecretBox (purpose "credential-keys"): never plaintext at rest.

public sealed class CredentialEntity : TableRow
{
    public string Id => RowKey;
    public string WorkspaceId { get; set; } = "";
    public string ComponentId { get; set; } = "";
    public string UserId { get; set; } = "";
    public string Name { get; set; } = "";
    public string Keys { get; set; } = "";
    public string? VpnAgentId { get; set; }
    public DateTimeOffset Created { get; set; }
}

public sealed class CredentialStore(StorageAccount storage, SecretBox secrets)
    : TenantScopedStore<CredentialEntity>(storage.Table(StorageLayout.Tables.Credentials))
{
    public const string KeysPurpose = "credential-keys";

    public Task<IReadOnlyList<CredentialEntity>> OfWorkspaceAsync(string tenantId, string workspaceId, CancellationToken cancellationToken = default) =>
        QueryAsync(TableClient.CreateQueryFilter($"PartitionKey eq {tenantId} and WorkspaceId eq {workspaceId}"), cancellationToken);

    public JsonObject OpenKeys(CredentialEntity credential) => JsonNode.Parse(secrets.Open(credential.Keys, KeysPurpose))!.AsObject();

    public string SealKeys(JsonObject keys) => secrets.Seal(keys.ToJsonString(), KeysPurpose);
}
