using System.Text.Json;
using Azure.Data.Tables;
using Serverless.Functions.Storage;
using Serverless.Functions.Tenancy;

namespace Serverless.Functions.IntegrationPlatform.Teams;

public sealed class TeamEntity : TableRow
{
    public string Id => RowKey;
    public string Name { get; set; } = "";
    public string ContractId { get; set; } = "";
    public string Members { get; set; } = "[]";
    public DateTimeOffset Created { get; set; }

    public IReadOnlyList<string> MemberIds() => JsonSerializer.Deserialize(Members, AppJson.Default.ListString) ?? [];
}

public sealed class TeamStore(StorageAccount storage) : TenantScopedStore<TeamEntity>(storage.Table(StorageLayout.Tables.Teams))
{
    public Task<IReadOnlyList<TeamEntity>> OfContractAsync(string tenantId, string contractId, CancellationToken cancellationToken = default) =>
        QueryAsync(TableClient.CreateQueryFilter($"PartitionKey eq {tenantId} and ContractId eq {contractId}"), cancellationToken);
}
