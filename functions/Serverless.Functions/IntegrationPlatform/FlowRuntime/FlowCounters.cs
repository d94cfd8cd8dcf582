using System.Collections.Concurrent;
using Azure.Data.Tables;
using Serverless.Functions.Storage;

namespace Serverless.Functions.IntegrationPlatform.FlowRuntime;

// FlowCounters: PK = flowId, RK = "{stepId}|{instanceId}" → this process's running totals for the step. Each process
//               writes only its own rows (a new instance id per start), so counting takes no lock and no ETag race;
//               the stats are the sums over the rows. Within a process one flush runs at a time, so a row's writes
//               go in the order its totals grew.

public sealed class FlowCounterEntity : TableRow
{
    public string StepId { get; set; } = "";
    public long Enqueued { get; set; }
    public long In { get; set; }
    public long Out { get; set; }
    public long Errors { get; set; }
    public long Finished { get; set; }
    public long ReboundsScheduled { get; set; }
    public long ReboundsStarted { get; set; }
}

/// <summary>What <c>GET /v2/stats/queues/{flowId}</c> shows for one step: queue state plus the message counts of §4.7.</summary>
public sealed record StepStats(string StepId, long Total, long Ready, long Unacked, long Rebounds, long In, long Out, long Errors);

/// <summary>
/// Counts each step's messages in memory and writes the totals every second, so a message costs no storage call for
/// its statistics. A process killed between two writes loses at most a second of counts: the statistics are a
/// dashboard's, and the messages themselves are never lost with them.
/// </summary>
public sealed class FlowCounters(StorageAccount storage, ILogger<FlowCounters> logger) : BackgroundService
{
    public enum Kind { Enqueued, In, Out, Errors, Finished, ReboundsScheduled, ReboundsStarted }

    private static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1);
    private readonly string instance = Guid.NewGuid().ToString("N")[..12];
    private readonly TableClient table = storage.Table(StorageLayout.Tables.FlowCounters);
    private readonly ConcurrentDictionary<(string Flow, string Step), long[]> totals = new();
    private readonly ConcurrentDictionary<(string Flow, string Step), byte> dirty = new();
    private readonly SemaphoreSlim flushing = new(1, 1);

    public void Add(string flowId, string stepId, Kind kind, long count = 1)
    {
        var row = totals.GetOrAdd((flowId, stepId), _ => new long[7]);
        Interlocked.Add(ref row[(int)kind], count);
        dirty[(flowId, stepId)] = 0;
    }

    public async Task<IReadOnlyList<StepStats>> ReadAsync(string flowId, IEnumerable<string> stepIds, CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken); // this process's latest counts, so a caller sees what it just did
        var rows = await table.ListAsync<FlowCounterEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {flowId}"), cancellationToken);
        return stepIds.Select(step =>
        {
            var mine = rows.Where(r => r.StepId == step).ToList();
            long Sum(Func<FlowCounterEntity, long> of) => mine.Sum(of);
            var rebounds = Math.Max(0, Sum(r => r.ReboundsScheduled) - Sum(r => r.ReboundsStarted));
            var ready = Math.Max(0, Sum(r => r.Enqueued) - Sum(r => r.In) + Sum(r => r.ReboundsStarted));
            var unacked = Math.Max(0, Sum(r => r.In) - Sum(r => r.Finished));
            return new StepStats(step, ready + unacked + rebounds, ready, unacked, rebounds, Sum(r => r.In), Sum(r => r.Out), Sum(r => r.Errors));
        }).ToList();
    }

    public async Task DeleteAllAsync(string flowId, CancellationToken cancellationToken)
    {
        foreach (var key in totals.Keys.Where(k => k.Flow == flowId))
        {
            totals.TryRemove(key, out _);
            dirty.TryRemove(key, out _);
        }
        foreach (var row in await table.ListAsync<FlowCounterEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {flowId}"), cancellationToken))
        {
            await table.DeleteIfExistsAsync(row.PartitionKey, row.RowKey, cancellationToken);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(FlushInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await FlushAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Writing flow counters failed; the next tick writes them");
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAsync(CancellationToken.None);
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        // Two flushes at once (the timer's and a reader's) could write an older snapshot of a row after a newer one,
        // and with the row's dirty mark already taken nothing would write the newer again: counts lost until the step
        // next counted. One at a time, each row's writes go in the order its totals grew.
        await flushing.WaitAsync(cancellationToken);
        try
        {
            await FlushDirtyAsync(cancellationToken);
        }
        finally
        {
            flushing.Release();
        }
    }

    /// <summary>Each flow's changed rows in one table transaction (one partition, at most 100 rows).</summary>
    private async Task FlushDirtyAsync(CancellationToken cancellationToken)
    {
        var changed = new List<FlowCounterEntity>();
        foreach (var key in dirty.Keys)
        {
            dirty.TryRemove(key, out _);
            if (!totals.TryGetValue(key, out var row))
            {
                continue;
            }
            changed.Add(new FlowCounterEntity
            {
                PartitionKey = key.Flow,
                RowKey = $"{key.Step}|{instance}",
                StepId = key.Step,
                Enqueued = Interlocked.Read(ref row[0]),
                In = Interlocked.Read(ref row[1]),
                Out = Interlocked.Read(ref row[2]),
                Errors = Interlocked.Read(ref row[3]),
                Finished = Interlocked.Read(ref row[4]),
                ReboundsScheduled = Interlocked.Read(ref row[5]),
                ReboundsStarted = Interlocked.Read(ref row[6]),
            });
        }
        foreach (var flow in changed.GroupBy(r => r.PartitionKey))
        {
            foreach (var chunk in flow.Chunk(100))
            {
                await table.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, r)), cancellationToken);
            }
        }
    }
}
