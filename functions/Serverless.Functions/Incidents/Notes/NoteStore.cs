using System.Runtime.Serialization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Serverless.Functions.Identity;
using Serverless.Functions.Incidents.Lifecycle;
using Serverless.Functions.Storage;

namespace Serverless.Functions.Incidents.Notes;

// Incidents:     PK = tenantId, RK = "~warroom:{incidentId}:{noteId}" → IncidentId, TenantId, UserId, Message, Attachments
//                (JSON array of URLs), Type, Created, Updated: an incident's war-room notes. They sit in
//                their incident's partition so that a note and its timeline entry (Lifecycle/TimelineStore.cs) are
//                written in one transaction: neither is ever kept without the other, and no note waits for the incident
//                row. "~warroom:" sorts after "~number", outside every incident query's range.
// IncidentNotes: PK = incidentId, RK = noteId → the same columns but IncidentId: the notes written before notes moved
//                beside their incident. They are listed first, and changed and deleted where they are, their entry
//                written after.
// Handlers find the incident in the caller's organization first, so a note is reached only through an incident of its
// own organization.

public sealed class NoteEntity : TableRow
{
    public string IncidentId { get; set; } = "";

    /// <summary>The last part of the row key in either table.</summary>
    public string Id => RowKey[(RowKey.LastIndexOf(':') + 1)..];

    public string TenantId { get; set; } = "";
    public string UserId { get; set; } = "";
    public string Message { get; set; } = "";
    public string Attachments { get; set; } = "[]";
    public string Type { get; set; } = "message";
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Updated { get; set; }

    /// <summary>Whether the note was read from IncidentNotes, where notes were kept before they moved beside their incident.</summary>
    [IgnoreDataMember]
    public bool IsOld { get; set; }

    public List<string> AttachmentList() => JsonSerializer.Deserialize(Attachments, AppJson.Default.ListString) ?? [];
}

public sealed class NoteStore(StorageAccount storage, TimelineStore timeline)
{
    private const string Prefix = "~warroom:";

    private readonly TableClient table = storage.Table(StorageLayout.Tables.Incidents);
    private readonly TableClient oldTable = storage.Table(StorageLayout.Tables.IncidentNotes);

    /// <summary>A new note's row key.</summary>
    public static string Key(string incidentId, string noteId) => $"{Prefix}{incidentId}:{noteId}";

    /// <summary>The incident's notes, oldest first: those of IncidentNotes, then those beside the incident.</summary>
    public async Task<IReadOnlyList<NoteEntity>> ListAsync(string tenantId, string incidentId, CancellationToken cancellationToken = default)
    {
        var old = oldTable.ListAsync<NoteEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {incidentId}"), cancellationToken);
        // ';' follows ':', so the range ends after the incident's last note.
        var beside = table.ListAsync<NoteEntity>(TableClient.CreateQueryFilter(
            $"PartitionKey eq {tenantId} and RowKey gt {Key(incidentId, "")} and RowKey lt {Prefix + incidentId + ";"}"), cancellationToken);
        // Ids tell the second only, so within one second the keys' order is random: the time each note was written orders
        // them (a stable sort, so notes of the same instant keep their keys' order).
        return [.. (await old).Select(Old).Concat(await beside).OrderBy(n => n.Created)];
    }

    public async Task<NoteEntity?> GetAsync(string tenantId, string incidentId, string noteId, CancellationToken cancellationToken = default)
    {
        if (!Ids.IsValid(noteId))
        {
            return null;
        }
        var found = await table.GetEntityIfExistsAsync<NoteEntity>(tenantId, Key(incidentId, noteId), cancellationToken: cancellationToken);
        if (found.HasValue)
        {
            return found.Value;
        }
        var old = await oldTable.GetEntityIfExistsAsync<NoteEntity>(incidentId, noteId, cancellationToken: cancellationToken);
        return old.HasValue && old.Value!.TenantId == tenantId ? Old(old.Value) : null;
    }

    /// <summary>Adds the note (keyed by <see cref="Key"/>) and its timeline entry in one transaction.</summary>
    public async Task<NoteEntity> AddAsync(NoteEntity note, IncidentLog entry, CancellationToken cancellationToken = default)
    {
        await table.SubmitTransactionAsync(
            [new(TableTransactionActionType.Add, EntitySize.EnsureFits(note)), timeline.Append(note.TenantId, note.IncidentId, entry)], cancellationToken);
        return note;
    }

    /// <summary>Replaces the note, if unchanged since it was read, and adds its timeline entry.</summary>
    public async Task<NoteEntity> UpdateAsync(NoteEntity note, IncidentLog entry, CancellationToken cancellationToken = default)
    {
        if (note.IsOld)
        {
            var response = await oldTable.UpdateEntityAsync(EntitySize.EnsureFits(note), note.ETag, TableUpdateMode.Replace, cancellationToken);
            note.ETag = response.Headers.ETag ?? default(ETag);
            await timeline.AppendAsync(note.TenantId, note.IncidentId, entry, cancellationToken);
            return note;
        }
        var responses = await table.SubmitTransactionAsync(
            [new(TableTransactionActionType.UpdateReplace, EntitySize.EnsureFits(note), note.ETag), timeline.Append(note.TenantId, note.IncidentId, entry)],
            cancellationToken);
        note.ETag = responses.Value[0].Headers.ETag ?? default(ETag);
        return note;
    }

    /// <summary>Deletes the note, if unchanged since it was read, and adds its timeline entry.</summary>
    public async Task DeleteAsync(NoteEntity note, IncidentLog entry, CancellationToken cancellationToken = default)
    {
        if (note.IsOld)
        {
            await oldTable.DeleteEntityAsync(note.PartitionKey, note.RowKey, note.ETag, cancellationToken);
            await timeline.AppendAsync(note.TenantId, note.IncidentId, entry, cancellationToken);
            return;
        }
        await table.SubmitTransactionAsync(
            [new(TableTransactionActionType.Delete, note, note.ETag), timeline.Append(note.TenantId, note.IncidentId, entry)], cancellationToken);
    }

    /// <summary>A row of IncidentNotes, which holds its incident's id in the partition key only.</summary>
    private static NoteEntity Old(NoteEntity note)
    {
        note.IncidentId = note.PartitionKey;
        note.IsOld = true;
        return note;
    }
}
