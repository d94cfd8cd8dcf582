using System.Text.Json;
using System.Text.Json.Nodes;
using Serverless.Functions.Storage;
using Serverless.Functions.Tenancy;

namespace Serverless.Functions.IntegrationPlatform.AuthClients;

// AuthClients: PK = tenantId, RK = clientId → the client, its scope (ScopeKind "tenant" | "contract" | "workspace",
// ScopeId, and for a workspace client its ContractId), its allowed Components (JSON array of ids), and its
// credentials sealed by SecretBox (purpose "auth-client-credentials"): client secrets never sit in plaintext.

public sealed class AuthClientEntity : TableRow
{
    public const string Tenant = "tenant";
    public const string Contract = "contract";
    public const string Workspace = "workspace";

    public string Id => RowKey;
    public string ScopeKind { get; set; } = Tenant;
    public string ScopeId { get; set; } = "";
    public string? ContractId { get; set; }
    public string Type { get; set; } = "";
    public string Name { get; set; } = "";
    public string Credentials { get; set; } = "";
    public string Components { get; set; } = "[]";
    public DateTimeOffset Created { get; set; }

    public IReadOnlyList<string> ComponentIds() => JsonSerializer.Deserialize(Components, AppJson.Default.ListString) ?? [];

    /// <summary>Whether a secret in this workspace may use the client: clients of its workspace, contract and tenant.</summary>
    public bool VisibleIn(WorkspaceEntity workspace) => ScopeKind switch
    {
        Tenant => true,
        Contract => ScopeId == workspace.ContractId,
        _ => ScopeId == workspace.Id,
    };
}

public sealed class AuthClientStore(StorageAccount storage, SecretBox secrets)
    : TenantScopedStore<AuthClientEntity>(storage.Table(StorageLayout.Tables.AuthClients))
{
    private const string Purpose = "auth-client-credentials";

    public Task<IReadOnlyList<AuthClientEntity>> OfTenantAsync(string tenantId, CancellationToken cancellationToken = default) =>
        QueryAsync(Azure.Data.Tables.TableClient.CreateQueryFilter($"PartitionKey eq {tenantId}"), cancellationToken);

    public JsonObject OpenCredentials(AuthClientEntity client) => JsonNode.Parse(secrets.Open(client.Credentials, Purpose))!.AsObject();

    public string SealCredentials(JsonObject credentials) => secrets.Seal(credentials.ToJsonString(), Purpose);
}
