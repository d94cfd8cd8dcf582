using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Serverless.Functions.Identity;
using Serverless.Functions.Storage;

namespace Serverless.Functions.Operations;

// Operations: PK = operationId, RK = "" → one row per operation: what it does (Kind, Target, Input), whose it is
// (TenantId, CreatedBy), where it is (Status, the Steps already done) and how it ended (Result or Error).
// Every change carries the row's ETag, so two deliveries of one message cannot both move it.

public static class OperationStatus
{
    public const string Pending = "pending";
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";

    public static bool IsFinished(string status) => status is Succeeded or Failed;
}

public sealed class OperationEntity : TableRow
{
    public string Id => PartitionKey;
    public string Kind { get; set; } = "";
    public string TenantId { get; set; } = "";
    public string CreatedBy { get; set; } = "";
    public string Target { get; set; } = "";
    public string? Input { get; set; }
    public string Status { get; set; } = OperationStatus.Pending;

    /// <summary>JSON array of the names of the steps already done: the checkpoint a redelivery resumes from.</summary>
    public string Steps { get; set; } = "[]";

    public int Attempts { get; set; }
    public string? Result { get; set; }
    public string? Error { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Updated { get; set; }
    public DateTimeOffset? Completed { get; set; }

    public HashSet<string> CompletedSteps() => JsonSerializer.Deserialize(Steps, AppJson.Default.HashSetString) ?? [];
}

public sealed class OperationStore(StorageAccount storage)
{
    private readonly TableClient table = storage.Table(StorageLayout.Tables.Operations);

    public async Task<OperationEntity?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        if (!Ids.IsValid(id))
        {
            return null;
        }
        var found = await table.GetEntityIfExistsAsync<OperationEntity>(id, "", cancellationToken: cancellationToken);
        return found.HasValue ? found.Value : null;
    }

    public Task AddAsync(OperationEntity operation, CancellationToken cancellationToken = default) =>
        table.AddEntityAsync(operation, cancellationToken);

    /// <summary>Replaces the row if nobody changed it since it was read; updates the entity's ETag.</summary>
    public async Task UpdateAsync(OperationEntity operation, CancellationToken cancellationToken = default)
    {
        var response = await table.UpdateEntityAsync(operation, operation.ETag, TableUpdateMode.Replace, cancellationToken);
        operation.ETag = response.Headers.ETag ?? operation.ETag;
    }

    public async IAsyncEnumerable<OperationEntity> FinishedBeforeAsync(DateTimeOffset cutoff,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var row in table.QueryAsync<OperationEntity>(TableClient.CreateQueryFilter($"Completed lt {cutoff}"), cancellationToken: cancellationToken))
        {
            yield return row;
        }
    }

    public async IAsyncEnumerable<OperationEntity> UnfinishedSinceBeforeAsync(DateTimeOffset cutoff,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter(
            $"(Status eq {OperationStatus.Pending} or Status eq {OperationStatus.Running}) and Updated lt {cutoff}");
        await foreach (var row in table.QueryAsync<OperationEntity>(filter, cancellationToken: cancellationToken))
        {
            yield return row;
        }
    }

    public async Task DeleteAsync(OperationEntity operation, CancellationToken cancellationToken = default)
    {
        try
        {
            await table.DeleteEntityAsync(operation.PartitionKey, operation.RowKey, operation.ETag, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            // Gone already, or changed since it was read: either way it is not ours to delete now.
        }
    }
}
