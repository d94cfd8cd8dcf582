using System.Runtime.Serialization;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using Serverless.Functions.StatusPage.Cachet;
using Serverless.Functions.StatusPage.Uptime;
using Serverless.Functions.Storage;

namespace Serverless.Functions.StatusPage;

// StatusItems: PK = pageId; RK = "{kind}-{id:D10}" for every item of a page (kinds: component, group, incident, update,
//              template, schedule, metric, subscriber, subscription, webhook), and RK = "counter-{kind}" → Next, the last id given
//              out. Cachet's ids are integers counted per page; an item and its counter change in one transaction, so
//              ids are never reused. Soft-deleted items keep their row with DeletedAt set.
// StatusMetricPoints: PK = "{pageId}-{metricId:D10}", RK = "{pointId:D10}" → a metric's points apart from the page's
//              partition, as they are its one hot write; their ids come from the page's "counter-point".

/// <summary>The columns every Cachet item has.</summary>
public abstract class StatusItem : TableRow, IRevisioned
{
    public long Revision { get; set; }

    public int Id { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? DeletedAt { get; set; }
}

/// <summary>The row-key prefix of an item type.</summary>
public interface IStatusKind
{
    static abstract string Kind { get; }
}

public sealed class StatusComponent : StatusItem, IStatusKind
{
    public static string Kind => "component";
    public string Name { get; set; } = "";
    public string Description { get; set; } = "";
    public string? Link { get; set; } = "";
    public int Status { get; set; }

    [IgnoreDataMember]
    public ComponentStatus ComponentStatus { get => (ComponentStatus)Status; set => Status = (int)value; }

    public int Order { get; set; }
    public int GroupId { get; set; }
    public bool Enabled { get; set; } = true;

    /// <summary>Free-form JSON, stored as given; null when none.</summary>
    public string? Meta { get; set; }

    /// <summary>JSON object of tag slug → tag name.</summary>
    public string Tags { get; set; } = "{}";
}

public sealed class StatusGroup : StatusItem, IStatusKind
{
    public static string Kind => "group";
    public string Name { get; set; } = "";
    public int Order { get; set; }
    public int Collapsed { get; set; }
    public int Visible { get; set; }

    /// <summary>Values above 2, which validation lets through, collapse as 2 does.</summary>
    [IgnoreDataMember]
    public GroupCollapse Collapse => (GroupCollapse)Math.Min(Collapsed, (int)GroupCollapse.CollapsedUnlessTrouble);

    [IgnoreDataMember]
    public Visibility Visibility => (Visibility)Visible;
}

public sealed class StatusIncident : StatusItem, IStatusKind
{
    public static string Kind => "incident";
    public int ComponentId { get; set; }
    public string Name { get; set; } = "";
    public int Status { get; set; }
    public int Visible { get; set; } = 1;
    public string Message { get; set; } = "";
    public DateTimeOffset OccurredAt { get; set; }

    [IgnoreDataMember]
    public IncidentStatus IncidentStatus { get => (IncidentStatus)Status; set => Status = (int)value; }

    [IgnoreDataMember]
    public Visibility Visibility { get => (Visibility)Visible; set => Visible = (int)value; }

    public string? UserId { get; set; }
    public bool Stickied { get; set; }

    /// <summary>JSON object of meta key → value.</summary>
    public string Meta { get; set; } = "{}";

    /// <summary>The worst <c>component_status</c> the incident or its updates gave a component: its Statuspage impact.</summary>
    public int WorstComponentStatus { get; set; }

    /// <summary>The status the incident was created with (its updates change <see cref="Status"/>); 0 on older rows.</summary>
    public int FirstStatus { get; set; }
}

public sealed class StatusIncidentUpdate : StatusItem, IStatusKind
{
    public static string Kind => "update";
    public int IncidentId { get; set; }
    public int Status { get; set; }
    public string Message { get; set; } = "";
    public string? UserId { get; set; }

    [IgnoreDataMember]
    public IncidentStatus IncidentStatus => (IncidentStatus)Status;
}

public sealed class StatusTemplate : StatusItem, IStatusKind
{
    public static string Kind => "template";
    public string Name { get; set; } = "";
    public string Slug { get; set; } = "";
    public string Template { get; set; } = "";
}

public sealed class StatusSchedule : StatusItem, IStatusKind
{
    public static string Kind => "schedule";
    public string Name { get; set; } = "";
    public string? Message { get; set; }
    public int Status { get; set; }
    public DateTimeOffset ScheduledAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }

    [IgnoreDataMember]
    public ScheduleStatus ScheduleStatus { get => (ScheduleStatus)Status; set => Status = (int)value; }

    /// <summary>JSON object of affected component id → the status it has while the maintenance is in progress.</summary>
    public string Components { get; set; } = "{}";

    /// <summary><see cref="Components"/> read: component id → the status it has while the maintenance is in progress.</summary>
    public SortedDictionary<int, int> AffectedComponents()
    {
        var map = new SortedDictionary<int, int>();
        if (JsonText.Parse(Components) is JsonObject stored)
        {
            foreach (var (key, value) in stored)
            {
                if (int.TryParse(key, out var id) && value is JsonValue v && v.TryGetValue<int>(out var status))
                {
                    map[id] = status;
                }
            }
        }
        return map;
    }
}

public sealed class StatusMetric : StatusItem, IStatusKind
{
    public static string Kind => "metric";
    public string Name { get; set; } = "";
    public string Suffix { get; set; } = "";
    public string? Description { get; set; }
    public double DefaultValue { get; set; }
    public int CalcType { get; set; }
    public bool DisplayChart { get; set; } = true;
    public int Places { get; set; } = 2;
    public int DefaultView { get; set; } = 1;
    public int Threshold { get; set; } = 5;
    public int Order { get; set; }
    public int Visible { get; set; } = 1;

    [IgnoreDataMember]
    public Visibility Visibility => (Visibility)Visible;
}

public sealed class StatusMetricPoint : StatusItem, IStatusKind
{
    public static string Kind => "point";
    public int MetricId { get; set; }
    public double Value { get; set; }
    public int Counter { get; set; } = 1;
}

public sealed class StatusSubscriber : StatusItem, IStatusKind
{
    public static string Kind => "subscriber";
    public string Email { get; set; } = "";
    public string VerifyCode { get; set; } = "";
    public bool Global { get; set; }
    public DateTimeOffset? VerifiedAt { get; set; }
}

public sealed class StatusSubscription : StatusItem, IStatusKind
{
    public static string Kind => "subscription";
    public int SubscriberId { get; set; }
    public int ComponentId { get; set; }
}

public sealed class StatusCounter : TableRow
{
    public int Next { get; set; }
}

/// <summary>
/// The items of every page. A component's status change, by whichever path it comes (the API, an incident, a maintenance
/// window), is recorded in its <see cref="ComponentHistory"/> by the adds and mutations here; and every write of an item
/// the page shows (all but subscribers, subscriptions and webhooks) bumps the page's <see cref="StatusPageVersions"/>
/// once it is stored, whichever surface or job made it.
/// </summary>
public sealed class StatusItemStore(StorageAccount storage, ComponentHistory history, StatusPageVersions versions)
{
    private readonly TableClient items = storage.Table(StorageLayout.Tables.StatusItems);
    private readonly TableClient points = storage.Table(StorageLayout.Tables.StatusMetricPoints);

    private static string Key<T>(int id) where T : IStatusKind => $"{T.Kind}-{id:D10}";

    /// <summary>Subscribers are nobody's view of the page: writing them leaves its version (and cached views) alone.</summary>
    private Task ShownChangedAsync(string pageId, string rowKey, CancellationToken cancellationToken) =>
        rowKey.StartsWith(StatusSubscriber.Kind + "-", StringComparison.Ordinal) || rowKey.StartsWith(StatusSubscription.Kind + "-", StringComparison.Ordinal)
        || rowKey.StartsWith("webhook-", StringComparison.Ordinal)
            ? Task.CompletedTask
            : versions.BumpAsync(pageId, cancellationToken);

    public async Task<T?> GetAsync<T>(string pageId, int id, CancellationToken cancellationToken = default) where T : StatusItem, IStatusKind, new()
    {
        if (id <= 0)
        {
            return null;
        }
        var row = await items.GetEntityIfExistsAsync<T>(pageId, Key<T>(id), cancellationToken: cancellationToken);
        return row.HasValue && row.Value!.DeletedAt is null ? row.Value : null;
    }

    /// <summary>Every live item of the type, in id order (the row keys sort as the ids do).</summary>
    public async Task<IReadOnlyList<T>> ListAsync<T>(string pageId, CancellationToken cancellationToken = default) where T : StatusItem, IStatusKind, new()
    {
        var (from, to) = ($"{T.Kind}-", $"{T.Kind}.");
        var rows = await items.ListAsync<T>(TableClient.CreateQueryFilter($"PartitionKey eq {pageId} and RowKey gt {from} and RowKey lt {to}"), cancellationToken);
        return rows.Where(r => r.DeletedAt is null).ToList();
    }

    /// <summary>Gives the item the page's next id of its type and adds it, both in one transaction.</summary>
    public Task<T> AddAsync<T>(string pageId, T item, CancellationToken cancellationToken = default) where T : StatusItem, IStatusKind, new() =>
        AddAsync(pageId, item, null, cancellationToken);

    /// <summary>As <see cref="AddAsync{T}(string, T, CancellationToken)"/>; a component's first status is recorded for <paramref name="cause"/>.</summary>
    public async Task<T> AddAsync<T>(string pageId, T item, StatusCause? cause, CancellationToken cancellationToken = default)
        where T : StatusItem, IStatusKind, new()
    {
        // Another writer may take this id first; then take the next one.
        var added = await OptimisticConcurrency.RetryAsync(async () =>
        {
            var (counter, action) = await NextAsync(pageId, T.Kind, cancellationToken);
            item.PartitionKey = pageId;
            item.Id = counter.Next;
            item.RowKey = Key<T>(item.Id);
            var response = await items.SubmitTransactionAsync([action, new(TableTransactionActionType.Add, EntitySize.EnsureFits(item))], cancellationToken);
            item.ETag = response.Value[1].Headers.ETag ?? default;
            if (item is StatusComponent component)
            {
                await history.RecordAsync(pageId, component.Id, component.Status, component.CreatedAt, cause ?? StatusCause.Api(null), cancellationToken);
            }
            return item;
        });
        await ShownChangedAsync(pageId, added.RowKey, cancellationToken);
        return added;
    }

    /// <summary>Writes the item back if nobody changed it since it was read (Azure answers 412 otherwise).</summary>
    public async Task UpdateAsync<T>(T item, CancellationToken cancellationToken = default) where T : StatusItem
    {
        item.Revision++;
        var response = await items.UpdateEntityAsync(EntitySize.EnsureFits(item), item.ETag, TableUpdateMode.Replace, cancellationToken);
        item.ETag = response.Headers.ETag ?? default;
        await ShownChangedAsync(item.PartitionKey, item.RowKey, cancellationToken);
    }

    /// <summary>
    /// Reads, changes and writes the item, again from a fresh read when another writer got there first. A component
    /// whose status changes gets the change in its history, at its new <c>UpdatedAt</c>.
    /// </summary>
    public Task<T?> MutateAsync<T>(string pageId, int id, Action<T> change, CancellationToken cancellationToken = default)
        where T : StatusItem, IStatusKind, new() =>
        MutateAsync(pageId, id, change, null, cancellationToken);

    /// <summary>As <see cref="MutateAsync{T}(string, int, Action{T}, CancellationToken)"/>, recording a status change for <paramref name="cause"/>.</summary>
    public async Task<T?> MutateAsync<T>(string pageId, int id, Action<T> change, StatusCause? cause, CancellationToken cancellationToken = default)
        where T : StatusItem, IStatusKind, new()
    {
        var before = 0;
        var item = await OptimisticConcurrency.RetryAsync(async () =>
        {
            var item = await GetAsync<T>(pageId, id, cancellationToken);
            if (item is not null)
            {
                before = (item as StatusComponent)?.Status ?? 0;
                change(item);
                await UpdateAsync(item, cancellationToken);
            }
            return item;
        });
        if (item is StatusComponent component && component.Status != before)
        {
            // Racing writers record in any order; each records the status the component has by then, so none is left behind.
            await history.RecordAsync(pageId, component.Id, component.Status, component.UpdatedAt, cause ?? StatusCause.Api(null), cancellationToken,
                async ct => (await GetAsync<StatusComponent>(pageId, id, ct))?.Status);
        }
        return item;
    }

    public async Task DeleteAsync<T>(T item, CancellationToken cancellationToken = default) where T : StatusItem
    {
        await items.DeleteIfExistsAsync(item.PartitionKey, item.RowKey, cancellationToken);
        await ShownChangedAsync(item.PartitionKey, item.RowKey, cancellationToken);
    }

    public async Task<IReadOnlyList<StatusMetricPoint>> PointsAsync(string pageId, int metricId, DateTimeOffset? since = null,
        CancellationToken cancellationToken = default)
    {
        var partition = PointPartition(pageId, metricId);
        var filter = since is { } from
            ? TableClient.CreateQueryFilter($"PartitionKey eq {partition} and CreatedAt ge {from}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {partition}");
        return await points.ListAsync<StatusMetricPoint>(filter, cancellationToken);
    }

    /// <summary>The newest point of the metric with exactly this value since <paramref name="since"/>: the one a repeat merges into.</summary>
    public async Task<StatusMetricPoint?> SameValueSinceAsync(string pageId, int metricId, double value, DateTimeOffset since,
        CancellationToken cancellationToken = default)
    {
        var partition = PointPartition(pageId, metricId);
        // Values are kept to three decimals, so this window holds exactly the equal ones; and its bounds are never
        // whole numbers, which the filter would write as Int32 literals that a Double column does not match.
        var (low, high) = (value - 0.0001, value + 0.0001);
        var found = await points.ListAsync<StatusMetricPoint>(
            TableClient.CreateQueryFilter($"PartitionKey eq {partition} and CreatedAt ge {since} and Value gt {low} and Value lt {high}"), cancellationToken);
        return found.MaxBy(p => p.Id);
    }

    public async Task<StatusMetricPoint?> GetPointAsync(string pageId, int metricId, int pointId, CancellationToken cancellationToken = default)
    {
        if (pointId <= 0)
        {
            return null;
        }
        var row = await points.GetEntityIfExistsAsync<StatusMetricPoint>(PointPartition(pageId, metricId), $"{pointId:D10}", cancellationToken: cancellationToken);
        return row.HasValue ? row.Value : null;
    }

    public async Task<StatusMetricPoint> AddPointAsync(string pageId, StatusMetricPoint point, CancellationToken cancellationToken = default)
    {
        // The id is taken before the point is written: a crash in between loses an id, never a point.
        point.Id = await TakeIdAsync(pageId, StatusMetricPoint.Kind, cancellationToken);
        point.PartitionKey = PointPartition(pageId, point.MetricId);
        point.RowKey = $"{point.Id:D10}";
        var response = await points.AddEntityAsync(point, cancellationToken);
        point.ETag = response.Headers.ETag ?? default;
        await versions.BumpAsync(pageId, cancellationToken);
        return point;
    }

    public async Task UpdatePointAsync(StatusMetricPoint point, CancellationToken cancellationToken = default)
    {
        var response = await points.UpdateEntityAsync(point, point.ETag, TableUpdateMode.Replace, cancellationToken);
        point.ETag = response.Headers.ETag ?? default;
        await versions.BumpAsync(PageOf(point), cancellationToken);
    }

    public async Task DeletePointAsync(StatusMetricPoint point, CancellationToken cancellationToken = default)
    {
        await points.DeleteIfExistsAsync(point.PartitionKey, point.RowKey, cancellationToken);
        await versions.BumpAsync(PageOf(point), cancellationToken);
    }

    /// <summary>Deletes a metric's points in batches of one partition, as a metric's deletion takes them with it.</summary>
    public async Task DeletePointsAsync(string pageId, int metricId, CancellationToken cancellationToken = default)
    {
        var all = await PointsAsync(pageId, metricId, cancellationToken: cancellationToken);
        foreach (var batch in all.Chunk(100))
        {
            await points.SubmitTransactionAsync(batch.Select(p => new TableTransactionAction(TableTransactionActionType.Delete, p, ETag.All)), cancellationToken);
        }
        await versions.BumpAsync(pageId, cancellationToken);
    }

    /// <summary>Deletes every item and point of a page, as a deleted page takes its contents with it.</summary>
    public async Task DeletePageAsync(string pageId, CancellationToken cancellationToken = default)
    {
        foreach (var metric in await ListAsync<StatusMetric>(pageId, cancellationToken))
        {
            await DeletePointsAsync(pageId, metric.Id, cancellationToken);
        }
        var all = await items.ListAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {pageId}"), cancellationToken);
        foreach (var batch in all.Chunk(100))
        {
            await items.SubmitTransactionAsync(batch.Select(p => new TableTransactionAction(TableTransactionActionType.Delete, p, ETag.All)), cancellationToken);
        }
        await history.DeletePageAsync(pageId, cancellationToken);
        await versions.BumpAsync(pageId, cancellationToken);
    }

    private Task<int> TakeIdAsync(string pageId, string kind, CancellationToken cancellationToken) =>
        OptimisticConcurrency.RetryAsync(async () =>
        {
            var (counter, action) = await NextAsync(pageId, kind, cancellationToken);
            await items.SubmitTransactionAsync([action], cancellationToken);
            return counter.Next;
        });

    private static string PointPartition(string pageId, int metricId) => $"{pageId}-{metricId:D10}";

    private static string PageOf(StatusMetricPoint point) => point.PartitionKey[..point.PartitionKey.LastIndexOf('-')];

    private async Task<(StatusCounter Counter, TableTransactionAction Action)> NextAsync(string pageId, string kind, CancellationToken cancellationToken)
    {
        var row = await items.GetEntityIfExistsAsync<StatusCounter>(pageId, $"counter-{kind}", cancellationToken: cancellationToken);
        if (row.HasValue)
        {
            var counter = row.Value!;
            counter.Next++;
            return (counter, new TableTransactionAction(TableTransactionActionType.UpdateReplace, counter, counter.ETag));
        }
        var first = new StatusCounter { PartitionKey = pageId, RowKey = $"counter-{kind}", Next = 1 };
        return (first, new TableTransactionAction(TableTransactionActionType.Add, first));
    }

    /// <summary>An incident's updates; they share the page's partition with everything else of the page.</summary>
    public async Task<IReadOnlyList<StatusIncidentUpdate>> UpdatesOfAsync(string pageId, int incidentId, CancellationToken cancellationToken = default) =>
        (await ListAsync<StatusIncidentUpdate>(pageId, cancellationToken)).Where(u => u.IncidentId == incidentId).ToList();
}
