using System.Text.Json;
using Azure.Data.Tables;
using Serverless.Functions.Storage;
using Serverless.Functions.Tenancy;

namespace Serverless.Functions.IntegrationPlatform.Components;

// Teams:        PK = tenantId, RK = teamId → the team's Name, its ContractId and its Members (JSON array of user ids).
// ComponentRepos: PK = tenantId, RK = componentId → a contract's own component repository: Name, TeamId, ContractId,
//               Access ("team", or "tenant" once raised; never back), WhitelistedContractIds (JSON array), Icon.

public sealed class ComponentRepoEntity : TableRow
{
    public const string TeamAccess = "team";
    public const string TenantAccess = "tenant";

    public string Id => RowKey;
    public string Name { get; set; } = "";
    public string TeamId { get; set; } = "";
    public string TeamName { get; set; } = "";
    public string ContractId { get; set; } = "";
    public string Access { get; set; } = TeamAccess;
    public string WhitelistedContractIds { get; set; } = "[]";
    public string? Icon { get; set; }
    public DateTimeOffset Created { get; set; }

    public IReadOnlyList<string> Whitelist() => JsonSerializer.Deserialize(WhitelistedContractIds, AppJson.Default.ListString) ?? [];

    /// <summary>Its own contract's members see a repository; other contracts see it once its access is tenant.</summary>
    public bool AvailableTo(string contractId) => ContractId == contractId || Access == TenantAccess;
}

public sealed class ComponentRepoStore(StorageAccount storage) : TenantScopedStore<ComponentRepoEntity>(storage.Table(StorageLayout.Tables.ComponentRepos))
{
    public Task<IReadOnlyList<ComponentRepoEntity>> OfTenantAsync(string tenantId, CancellationToken cancellationToken = default) =>
        QueryAsync(TableClient.CreateQueryFilter($"PartitionKey eq {tenantId}"), cancellationToken);
}
