using System.Security.Cryptography;
using Azure.Data.Tables;
using Serverless.Functions.Storage;

namespace Serverless.Functions.StatusPage;

// StatusPageVersions: PK = pageId, RK = "" → Stamp, a random value rewritten after every write that changes what the
// page shows. One partition per page, so pages do not share a partition's throughput; a page never written has no row.

public sealed class StatusPageVersion : TableRow
{
    public string Stamp { get; set; } = "";
}

/// <summary>
/// The version of each page's public view, which keys the output cache (<see cref="StatusPageCache"/>): every app
/// instance reads it from storage, so a write through one is seen by the next read through any other
/// (docs/decisions/0027-status-page-output-cache.md). The stores bump it after their own writes, never the handlers.
/// </summary>
public sealed class StatusPageVersions(StorageAccount storage)
{
    private readonly TableClient table = storage.Table(StorageLayout.Tables.StatusPageVersions);

    /// <summary>The page's version now: one point read; empty for a page never written.</summary>
    public async Task<string> CurrentAsync(string pageId, CancellationToken cancellationToken = default)
    {
        var row = await table.GetEntityIfExistsAsync<StatusPageVersion>(pageId, "", [nameof(StatusPageVersion.Stamp)], cancellationToken);
        return row.HasValue ? row.Value!.Stamp : "";
    }

    /// <summary>
    /// Gives the page a new version, after the write it follows has been stored. Unconditional, so concurrent writers
    /// never retry on it; any two bumps leave different stamps, and a deleted page's last bump outlives it.
    /// </summary>
    public Task BumpAsync(string pageId, CancellationToken cancellationToken = default) =>
        table.UpsertEntityAsync(new StatusPageVersion
        {
            PartitionKey = pageId, RowKey = "", Stamp = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)),
        }, TableUpdateMode.Replace, cancellationToken);
}
