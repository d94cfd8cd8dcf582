using System.Globalization;
using System.Text.Json;
using Azure.Data.Tables;
using Serverless.Functions.Storage;

namespace Serverless.Functions.Incidents.Lifecycle;

// Incidents: PK = tenantId, RK = "~timeline:{incidentId}:{ticks, 19 digits}{entryId}" → Entry: one timeline entry
//            (an item of logs[]) as JSON.
// An entry is a row of its own, so appending one is an insert that races with nothing: the incident row is not read
// or rewritten for it, and the timeline has no bound. The rows share the incident's table and partition, so a change
// of the incident goes in one transaction with its entry, and so does a war-room note (Notes/NoteStore.cs).
// "~timeline:" sorts after "~number" and before "~~event:", so incident queries (RowKey lt "~number") never meet these
// rows, and one incident's timeline is one range of keys, in the order the entries were written: the ticks are the
// entry's time, moved on by one tick when this process wrote a later or equal one, so that entries written one after
// another (even under a clock that stands still) keep their order; the entry's id makes keys of two processes differ.
// Incidents written before entries had rows keep those entries as JSON in their Logs..Logs4 columns; they come first.

public sealed class TimelineEntryEntity : TableRow
{
    public string Entry { get; set; } = "";
}

public sealed class TimelineStore(StorageAccount storage)
{
    private const string Prefix = "~timeline:";

    private readonly TableClient table = storage.Table(StorageLayout.Tables.Incidents);

    private long lastTicks;

    /// <summary>The insert of <paramref name="entry"/>'s row, for a transaction in the incident's partition.</summary>
    public TableTransactionAction Append(string tenantId, string incidentId, IncidentLog entry) =>
        new(TableTransactionActionType.Add, Row(tenantId, incidentId, entry));

    /// <summary>Adds an entry on its own, for something done beside the incident that lives in another table (a card, a message).</summary>
    public Task AppendAsync(string tenantId, string incidentId, IncidentLog entry, CancellationToken cancellationToken = default) =>
        table.AddEntityAsync(Row(tenantId, incidentId, entry), cancellationToken);

    /// <summary>The incident's timeline, oldest first: the entries of its Logs columns, then its rows.</summary>
    public async Task<List<IncidentLog>> ReadAsync(IncidentEntity incident, CancellationToken cancellationToken = default) =>
        (await ReadAsync(incident.TenantId, [incident], cancellationToken))[incident.Id];

    /// <summary>
    /// The timelines of some incidents of one organization, by incident id, with one range query: from the first id's rows
    /// to the last id's. Rows of incidents between them that were not asked for are read and left out.
    /// </summary>
    public async Task<Dictionary<string, List<IncidentLog>>> ReadAsync(string tenantId, IReadOnlyCollection<IncidentEntity> incidents,
        CancellationToken cancellationToken = default)
    {
        var timelines = incidents.ToDictionary(i => i.Id, i => i.ColumnTimeline());
        if (timelines.Count == 0)
        {
            return timelines;
        }
        var first = $"{Prefix}{timelines.Keys.Min(StringComparer.Ordinal)}:";
        // ';' follows ':', so the range ends after the last incident's rows.
        var end = $"{Prefix}{timelines.Keys.Max(StringComparer.Ordinal)};";
        var rows = table.QueryAsync<TimelineEntryEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {tenantId} and RowKey gt {first} and RowKey lt {end}"), cancellationToken: cancellationToken);
        await foreach (var row in rows)
        {
            var incidentId = row.RowKey[Prefix.Length..row.RowKey.IndexOf(':', Prefix.Length)];
            if (timelines.TryGetValue(incidentId, out var timeline))
            {
                timeline.Add(JsonSerializer.Deserialize(row.Entry, AppJson.Default.IncidentLog)!);
            }
        }
        return timelines;
    }

    private TimelineEntryEntity Row(string tenantId, string incidentId, IncidentLog entry) => EntitySize.EnsureFits(new TimelineEntryEntity
    {
        PartitionKey = tenantId,
        RowKey = $"{Prefix}{incidentId}:{NextTicks(entry.Time).ToString("D19", CultureInfo.InvariantCulture)}{entry.Id}",
        Entry = JsonSerializer.Serialize(entry, AppJson.Default.IncidentLog),
    });

    private long NextTicks(DateTimeOffset time)
    {
        while (true)
        {
            var last = Interlocked.Read(ref lastTicks);
            var next = Math.Max(time.UtcTicks, last + 1);
            if (Interlocked.CompareExchange(ref lastTicks, next, last) == last)
            {
                return next;
            }
        }
    }
}
