using System.Collections.Concurrent;
using System.Globalization;
using Azure.Data.Tables;
using Serverless.Functions.Storage;

namespace Serverless.Functions.IntegrationPlatform.FlowRuntime;

// FlowLogs: PK = "{yyyyMMdd}|{workspaceId}", RK = "{ticks to the end of time:D19}|{id}" → one log record (§4.7 fields).
//           A day's partition of a workspace reads newest first; retention drops whole days (14 of them are kept).
//           Records of one partition are written together, up to 100 in one table transaction.

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

    /// <summary>A table transaction holds at most 100 entities of one partition.</summary>
    private const int MaxBatch = 100;

    private readonly TableClient table = storage.Table(StorageLayout.Tables.FlowLogs);
    private readonly ConcurrentDictionary<string, PendingWrites> pending = new();

    /// <summary>
    /// Completes once the record is stored. Records of one partition given while a write of it is under way go
    /// together in the next one (a table transaction), so many steps logging at once cost few storage calls, and a
    /// lone record costs no wait.
    /// </summary>
    public Task AddAsync(FlowLogEntity record, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        record.Time = now;
        record.ContainerId = ContainerId;
        record.Message = record.Message.Length > MaxMessageLength ? record.Message[..MaxMessageLength] + "…" : record.Message;
        record.PartitionKey = Partition(now, record.WorkspaceId);
        record.RowKey = $"{DateTimeOffset.MaxValue.Ticks - now.Ticks:D19}|{Guid.NewGuid():N}";
        EntitySize.EnsureFits(record);
        var writes = pending.GetOrAdd(record.PartitionKey, _ => new PendingWrites());
        var stored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bool start;
        lock (writes)
        {
            writes.Waiting.Add((record, stored));
            start = !writes.Writing;
            writes.Writing = true;
        }
        if (start)
        {
            _ = WriteAsync(record.PartitionKey, writes);
        }
        return stored.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Writes what waits in one partition, a transaction at a time, until nothing does.</summary>
    private async Task WriteAsync(string partition, PendingWrites writes)
    {
        while (true)
        {
            List<(FlowLogEntity Record, TaskCompletionSource Stored)> batch;
            lock (writes)
            {
                if (writes.Waiting.Count == 0)
                {
                    writes.Writing = false;
                    pending.TryRemove(new KeyValuePair<string, PendingWrites>(partition, writes));
                    return;
                }
                batch = writes.Waiting.GetRange(0, Math.Min(MaxBatch, writes.Waiting.Count));
                writes.Waiting.RemoveRange(0, batch.Count);
            }
            try
            {
                if (batch.Count == 1)
                {
                    await table.AddEntityAsync(batch[0].Record, CancellationToken.None);
                }
                else
                {
                    await table.SubmitTransactionAsync(batch.Select(b => new TableTransactionAction(TableTransactionActionType.Add, b.Record)), CancellationToken.None);
                }
                batch.ForEach(b => b.Stored.TrySetResult());
            }
            catch (Exception ex)
            {
                batch.ForEach(b => b.Stored.TrySetException(ex));
            }
        }
    }

    private sealed class PendingWrites
    {
        public List<(FlowLogEntity Record, TaskCompletionSource Stored)> Waiting { get; } = [];

        public bool Writing { get; set; }
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
