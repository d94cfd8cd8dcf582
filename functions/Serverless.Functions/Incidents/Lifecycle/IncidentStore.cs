using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Serverless.Functions.Errors;
using Serverless.Functions.Identity;
using Serverless.Functions.Storage;

namespace Serverless.Functions.Incidents.Lifecycle;

// Incidents: PK = tenantId, RK = incidentId → the incident; its assignees, tags and timeline (logs) are JSON columns,
//            the timeline's JSON cut into Logs, Logs2, Logs3 and Logs4 as it outgrows one column (32,000 characters,
//            about 95 entries each).
//            PK = tenantId, RK = "~number"  → Next: the organization's incident numbers ('~' sorts after every id, so
//                                              incident queries stop before it).
//            PK = tenantId, RK = "~~event:{serviceId}:{sha256(event_id) hex}" → IncidentId: the incident an alert's
//                                              event_id last opened on a service; written in the transaction that adds
//                                              that incident, so two alerts racing with one event_id open one incident.
// One partition per organization: export reads one partition by time, and a new incident takes its number and is
// added in one transaction.

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
    public string Logs { get; set; } = "[]";

    /// <summary>Where the timeline's JSON goes on past <see cref="Logs"/>: one column holds about 95 entries.</summary>
    public string? Logs2 { get; set; }

    public string? Logs3 { get; set; }

    public string? Logs4 { get; set; }
    public long Revision { get; set; }

    public List<IncidentAssignment> Assignments() => JsonSerializer.Deserialize(AssignedTo, AppJson.Default.ListIncidentAssignment) ?? [];

    public Dictionary<string, IncidentTag> TagMap() => JsonSerializer.Deserialize(Tags, AppJson.Default.DictionaryStringIncidentTag) ?? [];

    public List<IncidentLog> Timeline() => JsonSerializer.Deserialize(Logs + Logs2 + Logs3 + Logs4, AppJson.Default.ListIncidentLog) ?? [];

    public void SetAssignments(List<IncidentAssignment> value) => AssignedTo = JsonSerializer.Serialize(value, AppJson.Default.ListIncidentAssignment);

    public void SetTags(Dictionary<string, IncidentTag> value) => Tags = JsonSerializer.Serialize(value, AppJson.Default.DictionaryStringIncidentTag);

    public void Log(IncidentLog entry)
    {
        var logs = Timeline();
        logs.Add(entry);
        var json = JsonSerializer.Serialize(logs, AppJson.Default.ListIncidentLog);
        const int column = EntitySize.MaxChars;
        if (json.Length > 4 * column)
        {
            throw new ApiException(ApiError.ForStatus(StatusCodes.Status413PayloadTooLarge,
                $"The incident's timeline is full ({logs.Count - 1} entries); nothing was changed. Open a new incident to go on."));
        }
        string? Part(int index) => json.Length > index * column ? json.Substring(index * column, Math.Min(column, json.Length - (index * column))) : null;
        Logs = Part(0)!;
        Logs2 = Part(1);
        Logs3 = Part(2);
        Logs4 = Part(3);
    }

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

public sealed class IncidentStore(StorageAccount storage)
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
        await table.SubmitTransactionAsync(actions, cancellationToken);
        return incident;
    }

    /// <summary>
    /// Reads, changes and writes the incident with its ETag, again from a fresh read when another writer got there first.
    /// <paramref name="change"/> answers false to leave it as it is; it may throw to refuse the change.
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
            var response = await table.UpdateEntityAsync(EntitySize.EnsureFits(incident), incident.ETag, TableUpdateMode.Replace, cancellationToken);
            incident.ETag = response.Headers.ETag ?? default(ETag);
            return incident;
        });
}
