using Azure.Data.Tables;
using Serverless.Functions.Storage;

namespace Serverless.Functions.IntegrationPlatform.Components;

// ComponentEnv: PK = tenantId, RK = componentId → Vars, the JSON object of the tenant's variables for the component.
public sealed class ComponentEnvEntity : TableRow
{
    public string Vars { get; set; } = "{}";
}

public sealed class ComponentEnvStore(StorageAccount storage)
{
    private readonly TableClient table = storage.Table(StorageLayout.Tables.ComponentEnv);

    public async Task<IReadOnlyDictionary<string, string>> GetAsync(string tenantId, string componentId, CancellationToken cancellationToken = default)
    {
        var found = await table.GetEntityIfExistsAsync<ComponentEnvEntity>(tenantId, componentId, cancellationToken: cancellationToken);
        return found.HasValue
            ? System.Text.Json.JsonSerializer.Deserialize(found.Value!.Vars, AppJson.Default.SortedDictionaryStringString) ?? []
            : new SortedDictionary<string, string>();
    }

    /// <summary>A full replacement (CO-13), so a plain upsert: the last PUT wins.</summary>
    public Task SetAsync(string tenantId, string componentId, IReadOnlyDictionary<string, string> vars, CancellationToken cancellationToken = default) =>
        table.UpsertEntityAsync(EntitySize.EnsureFits(new ComponentEnvEntity { PartitionKey = tenantId, RowKey = componentId, Vars = System.Text.Json.JsonSerializer.Serialize(vars, AppJson.Default.IReadOnlyDictionaryStringString) }),
            TableUpdateMode.Replace, cancellationToken);
}
