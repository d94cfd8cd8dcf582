using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Serverless.Functions.Storage;
using Serverless.Functions.Tenancy;

namespace Serverless.Functions.IntegrationPlatform.DataSamples;

// DataSamples: PK = tenantId, RK = sampleId → the sample's workspace, component, revision, owner and method. Its result
// is in Result when it fits a table property comfortably; a larger one is the blob "data-samples/{tenantId}/{id}.json"
// (ResultInBlob), since a string property holds at most 32 K characters.
public sealed class DataSampleEntity : TableRow
{
    public string Id => RowKey;
    public string WorkspaceId { get; set; } = "";
    public string ComponentId { get; set; } = "";
    public string Revision { get; set; } = "";
    public string UserId { get; set; } = "";
    public string Method { get; set; } = "";
    public string? Result { get; set; }
    public bool ResultInBlob { get; set; }
    public DateTimeOffset Created { get; set; }
}

public sealed class DataSampleStore(StorageAccount storage) : TenantScopedStore<DataSampleEntity>(storage.Table(StorageLayout.Tables.DataSamples))
{
    private const int InlineLimit = 16 * 1024;
    private readonly Azure.Storage.Blobs.BlobContainerClient blobs = storage.Container(StorageLayout.Containers.DataSamples);

    /// <summary>The blob first, then the row that points at it: a crash between leaves an orphan blob, never a row without its result.</summary>
    public async Task AddAsync(DataSampleEntity sample, JsonNode result, CancellationToken cancellationToken)
    {
        await PlaceResultAsync(sample, result, cancellationToken);
        await AddAsync(sample, cancellationToken);
    }

    public async Task<DataSampleEntity?> UpdateAsync(DataSampleEntity sample, string? method, JsonNode? result, CancellationToken cancellationToken)
    {
        var placed = new DataSampleEntity { PartitionKey = sample.PartitionKey, RowKey = sample.RowKey };
        if (result is not null)
        {
            await PlaceResultAsync(placed, result, cancellationToken);
        }
        return await MutateAsync(sample.PartitionKey, sample.Id, s =>
        {
            s.Method = method ?? s.Method;
            if (result is not null)
            {
                (s.Result, s.ResultInBlob) = (placed.Result, placed.ResultInBlob);
            }
            return true;
        }, cancellationToken);
    }

    public async Task<JsonNode?> ResultAsync(DataSampleEntity sample, CancellationToken cancellationToken)
    {
        if (!sample.ResultInBlob)
        {
            return sample.Result is null ? null : JsonSerializer.Deserialize(sample.Result, AppJson.Default.JsonNode);
        }
        var content = await blobs.GetBlobClient(BlobName(sample)).DownloadContentAsync(cancellationToken);
        return content.Value.Content.ToObjectFromJson(AppJson.Default.JsonNode);
    }

    private async Task PlaceResultAsync(DataSampleEntity sample, JsonNode result, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.Serialize(result, AppJson.Default.JsonNode);
        if (json.Length <= InlineLimit)
        {
            (sample.Result, sample.ResultInBlob) = (json, false);
            return;
        }
        await blobs.GetBlobClient(BlobName(sample)).UploadAsync(BinaryData.FromString(json), overwrite: true, cancellationToken);
        (sample.Result, sample.ResultInBlob) = (null, true);
    }

    private static string BlobName(DataSampleEntity sample) => $"{sample.PartitionKey}/{sample.RowKey}.json";

    public Task<IReadOnlyList<DataSampleEntity>> OfWorkspaceAsync(string tenantId, string workspaceId, CancellationToken cancellationToken = default) =>
        QueryAsync(TableClient.CreateQueryFilter($"PartitionKey eq {tenantId} and WorkspaceId eq {workspaceId}"), cancellationToken);
}
