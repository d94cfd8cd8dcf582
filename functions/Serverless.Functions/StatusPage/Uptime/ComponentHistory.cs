using System.Runtime.Serialization;
using Azure;
using Azure.Data.Tables;
using Serverless.Functions.Storage;

namespace Serverless.Functions.StatusPage.Uptime;

// StatusUptime: PK = "{pageId}-{componentId:D10}", one partition per component, holding
//   RK = "state"                         → the component's status now, since when, and whether a maintenance window set it;
//   RK = "change-{ticks:D19}-{random}"   → one status change: from, to, when, who (user id), cause (api, incident:{id},
//                                          maintenance:{id});
//   RK = "day-{yyyy-MM-dd}"              → the UTC day's seconds at each status (maintenance apart), and its worst status.
// A change closes the interval since the previous one into the day rows it covers, in the same transaction as the change
// row and the new state, so a page view reads at most 90 day rows and the state, never the raw changes.

/// <summary>Where a component's status is now, and since when.</summary>
public sealed class ComponentState : TableRow
{
    public const string Key = "state";
    public int Status { get; set; }
    public DateTimeOffset Since { get; set; }

    /// <summary>Whether a maintenance window in progress set the status: that time is not downtime.</summary>
    public bool Maintenance { get; set; }
}

/// <summary>One recorded status change.</summary>
public sealed class ComponentChange : TableRow
{
    public int From { get; set; }
    public int To { get; set; }
    public DateTimeOffset At { get; set; }
    public string? By { get; set; }
    public string Cause { get; set; } = "";
    public bool Maintenance { get; set; }
}

/// <summary>One UTC day of a component: the seconds it spent at each status, and maintenance apart.</summary>
public sealed class ComponentDay : TableRow
{
    public const string Prefix = "day-";
    public long Operational { get; set; }
    public long PerformanceIssues { get; set; }
    public long PartialOutage { get; set; }
    public long MajorOutage { get; set; }
    public long Maintenance { get; set; }

    /// <summary>The worst status outside maintenance that day (0 when none was seen).</summary>
    public int Worst { get; set; }

    [IgnoreDataMember]
    public DateOnly Date => DateOnly.ParseExact(RowKey[Prefix.Length..], "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    public static string KeyOf(DateOnly date) => Prefix + date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Adds <paramref name="seconds"/> at <paramref name="status"/> (or of maintenance) to the day.</summary>
    public void Add(int status, bool maintenance, long seconds)
    {
        if (maintenance)
        {
            Maintenance += seconds;
            return;
        }
        switch ((ComponentStatus)status)
        {
            case ComponentStatus.PerformanceIssues: PerformanceIssues += seconds; break;
            case ComponentStatus.PartialOutage: PartialOutage += seconds; break;
            case ComponentStatus.MajorOutage: MajorOutage += seconds; break;
            default: Operational += seconds; break; // Unknown counts as up: nobody said otherwise
        }
        Worst = Math.Max(Worst, status is >= 1 and <= 4 ? status : (int)ComponentStatus.Operational);
    }
}

/// <summary>Why a component's status changed, for its history.</summary>
public sealed record StatusCause(string Cause, string? By, bool Maintenance = false)
{
    public static StatusCause Api(string? userId) => new("api", userId);

    public static StatusCause Incident(int incidentId, string? userId) => new($"incident:{incidentId}", userId);

    /// <summary>A window starting sets its status as maintenance; a window completing ends the maintenance.</summary>
    public static StatusCause MaintenanceWindow(int scheduleId, bool starting) => new($"maintenance:{scheduleId}", null, starting);
}

/// <summary>The uptime history of components (docs/decisions/0017-uptime-history.md).</summary>
public sealed class ComponentHistory(StorageAccount storage, StatusPageVersions versions)
{
    /// <summary>How far back the bars look; older day rows stay as a record but are never read for a page.</summary>
    public const int Days = 90;

    private readonly TableClient table = storage.Table(StorageLayout.Tables.StatusUptime);

    private static string Partition(string pageId, int componentId) => $"{pageId}-{componentId:D10}";

    /// <summary>
    /// Records that the component's status is <paramref name="to"/> from <paramref name="at"/>: the time since the
    /// previous change goes into its days, with the change row and the new state, in one transaction. Recording the
    /// status it already has (and the same maintenance flag) changes nothing. With <paramref name="currentStatus"/>, the
    /// status recorded is the component's as read after the state, so of racing writers' records the last to commit
    /// holds the status the component really has, whatever order they commit in.
    /// </summary>
    public async Task RecordAsync(string pageId, int componentId, int to, DateTimeOffset at, StatusCause cause, CancellationToken cancellationToken = default,
        Func<CancellationToken, Task<int?>>? currentStatus = null)
    {
        var recorded = await OptimisticConcurrency.RetryAsync(async () =>
        {
            var partition = Partition(pageId, componentId);
            var found = await table.GetEntityIfExistsAsync<ComponentState>(partition, ComponentState.Key, cancellationToken: cancellationToken);
            if (currentStatus is not null && await currentStatus(cancellationToken) is { } status)
            {
                to = status;
            }
            var maintenance = cause.Cause.StartsWith("maintenance:", StringComparison.Ordinal) ? cause.Maintenance : found.HasValue && found.Value!.Maintenance;
            var actions = new List<TableTransactionAction>();
            if (found.HasValue)
            {
                var state = found.Value!;
                if (state.Status == to && state.Maintenance == maintenance)
                {
                    return false;
                }
                // Clocks and callers may give a time before the last change: the interval is then empty.
                var from = state.Since;
                var until = at < from ? from : at;
                var days = new Dictionary<DateOnly, (DateTimeOffset Start, DateTimeOffset End)>();
                // Days older than the bars are never read; cap the loop so a component silent for years costs nothing.
                var floor = until.UtcDateTime.Date.AddDays(-(Days + 1));
                var cursor = from.UtcDateTime < floor ? new DateTimeOffset(floor, TimeSpan.Zero) : from;
                while (cursor < until)
                {
                    var dayEnd = new DateTimeOffset(cursor.UtcDateTime.Date.AddDays(1), TimeSpan.Zero);
                    var end = dayEnd < until ? dayEnd : until;
                    days[DateOnly.FromDateTime(cursor.UtcDateTime)] = (cursor, end);
                    cursor = end;
                }
                foreach (var (date, (start, end)) in days)
                {
                    var key = ComponentDay.KeyOf(date);
                    var existing = await table.GetEntityIfExistsAsync<ComponentDay>(partition, key, cancellationToken: cancellationToken);
                    var day = existing.HasValue ? existing.Value! : new ComponentDay { PartitionKey = partition, RowKey = key };
                    day.Add(state.Status, state.Maintenance, (long)(end - start).TotalSeconds);
                    actions.Add(existing.HasValue ? new(TableTransactionActionType.UpdateReplace, day, day.ETag) : new(TableTransactionActionType.Add, day));
                }
                actions.Add(new(TableTransactionActionType.Add, Change(partition, state.Status, to, until, cause, maintenance)));
                state.Status = to;
                state.Since = until;
                state.Maintenance = maintenance;
                actions.Add(new(TableTransactionActionType.UpdateReplace, state, state.ETag));
            }
            else
            {
                actions.Add(new(TableTransactionActionType.Add, new ComponentState
                {
                    PartitionKey = partition, RowKey = ComponentState.Key, Status = to, Since = at, Maintenance = maintenance,
                }));
                actions.Add(new(TableTransactionActionType.Add, Change(partition, 0, to, at, cause, maintenance)));
            }
            await table.SubmitTransactionAsync(actions, cancellationToken);
            return true;
        });
        if (recorded)
        {
            // The bars read these rows: the page's cached views are out of date.
            await versions.BumpAsync(pageId, cancellationToken);
        }
    }

    private static ComponentChange Change(string partition, int from, int to, DateTimeOffset at, StatusCause cause, bool maintenance) => new()
    {
        PartitionKey = partition,
        RowKey = $"change-{at.UtcTicks:D19}-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3))}",
        From = from, To = to, At = at, By = cause.By, Cause = cause.Cause, Maintenance = maintenance,
    };

    /// <summary>The component's state and its day rows from <paramref name="first"/> on: at most <see cref="Days"/> + 1 rows.</summary>
    public async Task<(ComponentState? State, IReadOnlyList<ComponentDay> Days)> ReadAsync(string pageId, int componentId, DateOnly first,
        CancellationToken cancellationToken = default)
    {
        var partition = Partition(pageId, componentId);
        var (from, to) = (ComponentDay.KeyOf(first), "day.");
        var days = await table.ListAsync<ComponentDay>(
            TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {from} and RowKey lt {to}"), cancellationToken);
        var state = await table.GetEntityIfExistsAsync<ComponentState>(partition, ComponentState.Key, cancellationToken: cancellationToken);
        return (state.HasValue ? state.Value : null, days);
    }

    /// <summary>The recorded changes since <paramref name="since"/>, oldest first.</summary>
    public Task<IReadOnlyList<ComponentChange>> ChangesAsync(string pageId, int componentId, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        var partition = Partition(pageId, componentId);
        var (from, to) = ($"change-{since.UtcTicks:D19}", "change.");
        return table.ListAsync<ComponentChange>(TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {from} and RowKey lt {to}"), cancellationToken);
    }

    /// <summary>Deletes the history of every component of a page, as a deleted page takes its contents with it.</summary>
    public async Task DeletePageAsync(string pageId, CancellationToken cancellationToken = default)
    {
        var (from, to) = ($"{pageId}-", $"{pageId}.");
        var rows = await table.ListAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey ge {from} and PartitionKey lt {to}"), cancellationToken);
        foreach (var partition in rows.GroupBy(r => r.PartitionKey))
        {
            foreach (var batch in partition.Chunk(100))
            {
                await table.SubmitTransactionAsync(batch.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, ETag.All)), cancellationToken);
            }
        }
    }
}
