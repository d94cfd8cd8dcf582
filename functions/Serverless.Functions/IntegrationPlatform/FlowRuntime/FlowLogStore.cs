using System.Globalization;
using Azure.Data.Tables;
using Serverless.Functions.Storage;

namespace Serverless.Functions.IntegrationPlatform.FlowRuntime;

// FlowLogs: PK = "{yyyyMMdd}|{workspaceId}", RK = "{ticks to the end of time:D19}|{id}" → one log record (§4.7 fields).
//           A day's partition of a workspace reads newest first; retention drops whole days (14 of them are kept).

public sealed class FlowLogEntity : TableRow
{
    public string WorkspaceId { get; set; } = "";
    public string FlowId { get; set; } = "";
    public string UserId { get; set; } = "";
    public string ComponentId { get; set; } = "";
    public string ContainerId { get; set; } = "";
    public string StepId { get; set; } = "";
    public string ExecId { get; set; } = "";
    public string Method { get; set; } = "";
    public string ComponentName { get; set; } = "";
    public DateTimeOffset Time { get; set; }
    public int Level { get; set; }
    public string Message { get; set; } = "";
}

/// <summary>One record of <c>GET /v2/logs</c>, with the field names of the seed.</summary>
public sealed record FlowLogRecord(string Id, string WorkspaceId, string FlowId, string UserId, string ComponentId, string ContainerId,
    string StepId, string ExecId, string Method, string ApiUsername, string ComponentName, DateTimeOffset Timestamp, int Level, string Message);

public sealed record FlowLogQuery(string WorkspaceId, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<string> FlowIds,
    IReadOnlyList<int> Levels, string? Search, int Offset, int Limit);

public sealed class FlowLogStore(StorageAccount storage, TimeProvider time)
{
    public static readonly TimeSpan Retention = TimeSpan.FromDays(14);

    /// <summary>A log line is text for people; past this it is cut, so one chatty step cannot fill a row.</summary>
    public const int MaxMessageLength = 8 * 1024;

    /// <summary>Names this process in <c>container_id</c>, as elastic.io names the container that ran the step.</summary>
    public static readonly string ContainerId = Environment.MachineName.ToLowerInvariant() + "-" + Environment.ProcessId;

    private readonly TableClient table = storage.Table(StorageLayout.Tables.FlowLogs);

    public Task AddAsync(FlowLogEntity record, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        record.Time = now;
        record.ContainerId = ContainerId;
        record.Message = record.Message.Length > MaxMessageLength ? record.Message[..MaxMessageLength] + "…" : record.Message;
        record.PartitionKey = Partition(now, record.WorkspaceId);
        record.RowKey = $"{DateTimeOffset.MaxValue.Ticks - now.Ticks:D19}|{Guid.NewGuid():N}";
        return table.AddEntityAsync(EntitySize.EnsureFits(record), cancellationToken);
    }

    /// <summary>Newest first; <c>total</c> counts every match, and <c>hits</c> is the page asked for.</summary>
    public async Task<(int Total, IReadOnlyList<FlowLogRecord> Hits)> QueryAsync(FlowLogQuery query, CancellationToken cancellationToken)
    {
        var matches = new List<FlowLogEntity>();
        var oldest = time.GetUtcNow() - Retention;
        var from = query.From < oldest ? oldest : query.From;
        for (var day = query.To.UtcDateTime.Date; day >= from.UtcDateTime.Date; day = day.AddDays(-1))
        {
            var partition = Partition(new DateTimeOffset(day, TimeSpan.Zero), query.WorkspaceId);
            var upper = $"{DateTimeOffset.MaxValue.Ticks - query.From.Ticks:D19}|~";
            var lower = $"{DateTimeOffset.MaxValue.Ticks - query.To.Ticks:D19}|";
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {lower} and RowKey le {upper}");
            if (query.FlowIds.Count > 0)
            {
                filter += " and (" + string.Join(" or ", query.FlowIds.Select(f => TableClient.CreateQueryFilter($"FlowId eq {f}"))) + ")";
            }
            if (query.Levels.Count > 0)
            {
                filter += " and (" + string.Join(" or ", query.Levels.Select(l => TableClient.CreateQueryFilter($"Level eq {l}"))) + ")";
            }
            foreach (var row in await table.ListAsync<FlowLogEntity>(filter, cancellationToken))
            {
                if (query.Search is not { Length: > 0 } search || row.Message.Contains(search, StringComparison.OrdinalIgnoreCase))
                {
                    matches.Add(row);
                }
            }
        }
        var hits = matches.Skip(query.Offset).Take(query.Limit).Select(r => new FlowLogRecord(
            r.RowKey[(r.RowKey.IndexOf('|') + 1)..], r.WorkspaceId, r.FlowId, r.UserId, r.ComponentId, r.ContainerId, r.StepId, r.ExecId,
            r.Method, $"task-{r.FlowId}", r.ComponentName, r.Time, r.Level, r.Message)).ToList();
        return (matches.Count, hits);
    }

    /// <summary>Drops every day past the retention; each run deletes only what the last one left, so it stays cheap.</summary>
    public async Task<int> DeleteExpiredAsync(CancellationToken cancellationToken)
    {
        var cutoff = (time.GetUtcNow() - Retention).UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var deleted = 0;
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey lt {cutoff}"), select: ["PartitionKey", "RowKey"],
            cancellationToken: cancellationToken))
        {
            await table.DeleteIfExistsAsync(row.PartitionKey, row.RowKey, cancellationToken);
            deleted++;
        }
        return deleted;
    }

    private static string Partition(DateTimeOffset at, string workspaceId) =>
        at.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture) + "|" + workspaceId;
}
