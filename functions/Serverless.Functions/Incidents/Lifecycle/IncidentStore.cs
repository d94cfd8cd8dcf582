using System.Runtime.Serialization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Serverless.Functions.Identity;
using Serverless.Functions.Storage;

namespace Serverless.Functions.Incidents.Lifecycle;

// Incidents: PK = tenantId, RK = incidentId → the incident; its assignees and tags are JSON columns. Its timeline is
//            rows of its own beside it (TimelineStore.cs), and its war-room notes too (Notes/NoteStore.cs); incidents
//            written before that keep the timeline they had then as JSON in Logs, Logs2, Logs3 and Logs4.
//            PK = tenantId, RK = "~number"  → Next: the organization's incident numbers ('~' sorts after every id, so
//                                              incident queries stop before it).
//            PK = tenantId, RK = "~~event:{serviceId}:{sha256(event_id) hex}" → IncidentId: the incident an alert's
//                                              event_id last opened on a service; written in the transaction that adds
//                                              that incident, so two alerts racing with one event_id open one incident.
// One partition per organization: export reads one partition by time, a new incident takes its number and is added in
// one transaction, and a change of an incident goes in one transaction with its timeline entry.

public sealed class IncidentEntity : TableRow, IRevisioned
{
    public string TenantId => PartitionKey;
    public string Id => RowKey;
    public int Number { get; set; }
    public string ServiceId { get; set; } = "";
    public string AlertSource { get; set; } = "";
    public string Message { get; set; } = "";
    public string Description { get; set; } = "";
    public string Status { get; set; } = IncidentStates.Triggered;

    /// <summary><c>P1</c>…<c>P5</c>, or empty for none.</summary>
    public string Priority { get; set; } = "";

    public string EventId { get; set; } = "";
    public int EventCount { get; set; } = 1;
    public string CreatedBy { get; set; } = "";
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Updated { get; set; }
    public DateTimeOffset? AcknowledgedAt { get; set; }
    public DateTimeOffset? ResolvedAt { get; set; }
    public string AssignedTo { get; set; } = "[]";
    public string Tags { get; set; } = "{}";

    /// <summary>
    /// The timeline as it was kept before entries had rows: JSON cut into these columns as it outgrew one. Read, and
    /// kept as they are when the incident is written; never written anew.
    /// </summary>
    public string? Logs { get; set; }

    public string? Logs2 { get; set; }

    public string? Logs3 { get; set; }

    public string? Logs4 { get; set; }
    public long Revision { get; set; }

    /// <summary>Entries <see cref="Log"/> added since the incident was read; the store writes them with it.</summary>
    [IgnoreDataMember]
    public List<IncidentLog> NewEntries { get; } = [];

    public List<IncidentAssignment> Assignments() => JsonSerializer.Deserialize(AssignedTo, AppJson.Default.ListIncidentAssignment) ?? [];

    public Dictionary<string, IncidentTag> TagMap() => JsonSerializer.Deserialize(Tags, AppJson.Default.DictionaryStringIncidentTag) ?? [];

    /// <summary>The entries of the <see cref="Logs"/> columns; the whole timeline is <see cref="TimelineStore.ReadAsync(IncidentEntity, CancellationToken)"/>.</summary>
    public List<IncidentLog> ColumnTimeline() =>
        Logs is null ? [] : JsonSerializer.Deserialize(Logs + Logs2 + Logs3 + Logs4, AppJson.Default.ListIncidentLog) ?? [];

    public void SetAssignments(List<IncidentAssignment> value) => AssignedTo = JsonSerializer.Serialize(value, AppJson.Default.ListIncidentAssignment);

    public void SetTags(Dictionary<string, IncidentTag> value) => Tags = JsonSerializer.Serialize(value, AppJson.Default.DictionaryStringIncidentTag);

    /// <summary>Adds an entry to the timeline, written with the incident by <see cref="IncidentStore"/>.</summary>
    public void Log(IncidentLog entry) => NewEntries.Add(entry);

    public bool IsOpen => Status is IncidentStates.Triggered or IncidentStates.Acknowledged;
}

public static class IncidentStates
{
    public const string Triggered = "triggered";
    public const string Acknowledged = "acknowledged";
    public const string Resolved = "resolved";
    public const string Suppressed = "suppressed";

    public static readonly IReadOnlyList<string> All = [Triggered, Acknowledged, Resolved, Suppressed];

    public static readonly IReadOnlyList<string> Priorities = ["P1", "P2", "P3", "P4", "P5"];
}

public sealed class IncidentNumberEntity : TableRow
{
    public const string Row = "~number";

    public int Next { get; set; }
}

public sealed class IncidentEventEntity : TableRow
{
    public string IncidentId { get; set; } = "";

    public static string Row(string serviceId, string eventId) =>
        $"~~event:{serviceId}:{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(eventId)))}";
}

public sealed class IncidentStore(StorageAccount storage, TimelineStore timeline)
{
    private readonly TableClient table = storage.Table(StorageLayout.Tables.Incidents);

    public async Task<IncidentEntity?> GetAsync(string tenantId, string incidentId, CancellationToken cancellationToken = default)
    {
        if (!Ids.IsValid(incidentId))
        {
            return null;
        }
        var found = await table.GetEntityIfExistsAsync<IncidentEntity>(tenantId, incidentId, cancellationToken: cancellationToken);
        return found.HasValue ? found.Value : null;
    }

    /// <summary>The organization's incidents created in [<paramref name="from"/>, <paramref name="to"/>], oldest first.</summary>
    public Task<IReadOnlyList<IncidentEntity>> ListAsync(string tenantId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default) =>
        table.ListAsync<IncidentEntity>(TableClient.CreateQueryFilter(
            $"PartitionKey eq {tenantId} and RowKey lt {IncidentNumberEntity.Row} and Created ge {from} and Created le {to}"), cancellationToken);

    /// <summary>Every incident a service opened with this <c>event_id</c>.</summary>
    public Task<IReadOnlyList<IncidentEntity>> WithEventAsync(string tenantId, string serviceId, string eventId, CancellationToken cancellationToken = default) =>
        table.ListAsync<IncidentEntity>(TableClient.CreateQueryFilter(
            $"PartitionKey eq {tenantId} and RowKey lt {IncidentNumberEntity.Row} and ServiceId eq {serviceId} and EventId eq {eventId}"), cancellationToken);

    /// <summary>Gives the incident the organization's next number and adds it, both in one transaction.</summary>
    public Task<IncidentEntity> AddAsync(IncidentEntity incident, CancellationToken cancellationToken = default) =>
        OptimisticConcurrency.RetryAsync(() => TryAddAsync(incident, null, cancellationToken));

    /// <summary>
    /// Adds <paramref name="incident"/> for its service's <c>event_id</c> unless an open incident already holds that
    /// event_id; then that one is returned, and nothing is added. The event's row and the new incident go in one
    /// transaction, so of two alerts racing with one event_id, one adds and the other, going round again, finds it.
    /// </summary>
    public Task<(IncidentEntity Incident, bool Added)> AddForEventAsync(IncidentEntity incident, CancellationToken cancellationToken = default) =>
        OptimisticConcurrency.RetryAsync(async () =>
        {
            var row = IncidentEventEntity.Row(incident.ServiceId, incident.EventId);
            var found = await table.GetEntityIfExistsAsync<IncidentEventEntity>(incident.TenantId, row, cancellationToken: cancellationToken);
            // Incidents opened before event rows existed are found by their event_id.
            var open = found.HasValue
                ? await GetAsync(incident.TenantId, found.Value!.IncidentId, cancellationToken)
                : (await WithEventAsync(incident.TenantId, incident.ServiceId, incident.EventId, cancellationToken)).FirstOrDefault(i => i.IsOpen);
            if (open is { IsOpen: true })
            {
                return (open, false);
            }
            var claim = new IncidentEventEntity { PartitionKey = incident.TenantId, RowKey = row, IncidentId = incident.Id };
            await TryAddAsync(incident, found.HasValue ? new(TableTransactionActionType.UpdateReplace, claim, found.Value!.ETag) : new(TableTransactionActionType.Add, claim), cancellationToken);
            return (incident, true);
        });

    private async Task<IncidentEntity> TryAddAsync(IncidentEntity incident, TableTransactionAction? also, CancellationToken cancellationToken)
    {
        var found = await table.GetEntityIfExistsAsync<IncidentNumberEntity>(incident.TenantId, IncidentNumberEntity.Row, cancellationToken: cancellationToken);
        var counter = found.HasValue ? found.Value! : new IncidentNumberEntity { PartitionKey = incident.TenantId, RowKey = IncidentNumberEntity.Row };
        counter.Next++;
        incident.Number = counter.Next;
        TableTransactionAction step = found.HasValue
            ? new(TableTransactionActionType.UpdateReplace, counter, counter.ETag)
            : new(TableTransactionActionType.Add, counter);
        List<TableTransactionAction> actions = [step, new(TableTransactionActionType.Add, EntitySize.EnsureFits(incident))];
        if (also is not null)
        {
            actions.Add(also);
        }
        actions.AddRange(incident.NewEntries.Select(entry => timeline.Append(incident.TenantId, incident.Id, entry)));
        await table.SubmitTransactionAsync(actions, cancellationToken);
        return incident;
    }

    /// <summary>
    /// Reads, changes and writes the incident with its ETag, again from a fresh read when another writer got there first;
    /// the entries the change logged go in the same transaction. <paramref name="change"/> answers false to leave it as
    /// it is; it may throw to refuse the change.
    /// </summary>
    public Task<IncidentEntity?> MutateAsync(string tenantId, string incidentId, Func<IncidentEntity, bool> change, CancellationToken cancellationToken = default) =>
        OptimisticConcurrency.RetryAsync(async () =>
        {
            var incident = await GetAsync(tenantId, incidentId, cancellationToken);
            if (incident is null || !change(incident))
            {
                return incident;
            }
            incident.Revision++;
            List<TableTransactionAction> actions = [new(TableTransactionActionType.UpdateReplace, EntitySize.EnsureFits(incident), incident.ETag)];
            actions.AddRange(incident.NewEntries.Select(entry => timeline.Append(tenantId, incidentId, entry)));
            var response = await table.SubmitTransactionAsync(actions, cancellationToken);
            incident.ETag = response.Value[0].Headers.ETag ?? default(ETag);
            return incident;
        });

    /// <summary>Adds a timeline entry for something done beside the incident; the incident row is neither read nor written.</summary>
    public Task RecordAsync(string tenantId, string incidentId, IncidentLog entry, CancellationToken cancellationToken = default) =>
        timeline.AppendAsync(tenantId, incidentId, entry, cancellationToken);

    /// <summary>The incident's whole timeline, oldest first.</summary>
    public Task<List<IncidentLog>> TimelineAsync(IncidentEntity incident, CancellationToken cancellationToken = default) =>
        timeline.ReadAsync(incident, cancellationToken);

    /// <summary>The timelines of several incidents of one organization, by incident id, in one query.</summary>
    public Task<Dictionary<string, List<IncidentLog>>> TimelinesAsync(string tenantId, IReadOnlyCollection<IncidentEntity> incidents,
        CancellationToken cancellationToken = default) =>
        timeline.ReadAsync(tenantId, incidents, cancellationToken);
}
