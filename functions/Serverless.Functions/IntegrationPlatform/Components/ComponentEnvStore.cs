using Azure.Data.Tables;
using Serverless.Functions.Storage;

namespace Serverless.Functions.IntegrationPlatform.Components;

// ComponentEnv: PK = tenantId, RK = componentId → Vars, the JSON object of the tenant's variables for the component,
// sealed by SecretBox (purpose "component-env"): variables hold tokens as often as settings, so never plaintext at rest.
public sealed class ComponentEnvEntity : TableRow
{
    public string Vars { get; set; } = "{}";
}

public sealed class ComponentEnvStore(StorageAccount storage, SecretBox secrets)
{
    public const string VarsPurpose = "component-env";

    private readonly TableClient table = storage.Table(StorageLayout.Tables.ComponentEnv);

    public async Task<IReadOnlyDictionary<string, string>> GetAsync(string tenantId, string componentId, CancellationToken cancellationToken = default)
    {
        var found = await table.GetEntityIfExistsAsync<ComponentEnvEntity>(tenantId, componentId, cancellationToken: cancellationToken);
        if (!found.HasValue)
        {
            return new SortedDictionary<string, string>();
        }
        // A row written before variables were sealed is plain JSON; the next PUT seals it.
        var vars = found.Value!.Vars.StartsWith('{') ? found.Value.Vars : secrets.Open(found.Value.Vars, VarsPurpose);
        return System.Text.Json.JsonSerializer.Deserialize(vars, AppJson.Default.SortedDictionaryStringString) ?? [];
    }

    /// <summary>A full replacement (CO-13), so a plain upsert: the last PUT wins.</summary>
    public Task SetAsync(string tenantId, string componentId, IReadOnlyDictionary<string, string> vars, CancellationToken cancellationToken = default) =>
        table.UpsertEntityAsync(EntitySize.EnsureFits(new ComponentEnvEntity
        {
            PartitionKey = tenantId,
            RowKey = componentId,
            Vars = secrets.Seal(System.Text.Json.JsonSerializer.Serialize(vars, AppJson.Default.IReadOnlyDictionaryStringString), VarsPurpose),
        }), TableUpdateMode.Replace, cancellationToken);
}
