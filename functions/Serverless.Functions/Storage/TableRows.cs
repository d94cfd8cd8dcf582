using Azure;
using Azure.Data.Tables;

namespace Serverless.Functions.Storage;

/// <summary>The four members every table entity has; each store's entity adds its own columns.</summary>
public abstract class TableRow : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
}

/// <summary>
/// A row that counts the writes its store has made to it. Writes go in with the ETag they read, so no two can start
/// from the same revision: after N racing writes a row has moved N revisions, and fewer would mean one was lost.
/// </summary>
public interface IRevisioned
{
    long Revision { get; set; }
}

public static class TableClientExtensions
{
    /// <summary>Every row the filter matches, across all pages of the query.</summary>
    public static async Task<IReadOnlyList<T>> ListAsync<T>(this TableClient table, string filter, CancellationToken cancellationToken = default)
        where T : class, ITableEntity
    {
        var rows = new List<T>();
        await foreach (var row in table.QueryAsync<T>(filter, cancellationToken: cancellationToken))
        {
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>Deletes unconditionally; a row already gone is the outcome wanted, so deleting is idempotent.</summary>
    public static async Task DeleteIfExistsAsync(this TableClient table, string partitionKey, string rowKey, CancellationToken cancellationToken = default)
    {
        try
        {
            await table.DeleteEntityAsync(partitionKey, rowKey, ETag.All, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
        }
    }
}
