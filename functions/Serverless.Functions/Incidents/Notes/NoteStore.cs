using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Serverless.Functions.Identity;
using Serverless.Functions.Storage;

namespace Serverless.Functions.Incidents.Notes;

// IncidentNotes: PK = incidentId, RK = noteId → TenantId, UserId, Message, Attachments (JSON array of URLs), Type,
// Created, Updated: an incident's war-room notes, oldest first. Handlers find the incident in the caller's
// organization first, so a note is reached only through an incident of its own organization.

public sealed class NoteEntity : TableRow
{
    public string IncidentId => PartitionKey;
    public string Id => RowKey;
    public string TenantId { get; set; } = "";
    public string UserId { get; set; } = "";
    public string Message { get; set; } = "";
    public string Attachments { get; set; } = "[]";
    public string Type { get; set; } = "message";
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Updated { get; set; }

    public List<string> AttachmentList() => JsonSerializer.Deserialize(Attachments, AppJson.Default.ListString) ?? [];
}

public sealed class NoteStore(StorageAccount storage)
{
    private readonly TableClient table = storage.Table(StorageLayout.Tables.IncidentNotes);

    public Task<IReadOnlyList<NoteEntity>> ListAsync(string incidentId, CancellationToken cancellationToken = default) =>
        table.ListAsync<NoteEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {incidentId}"), cancellationToken);

    public async Task<NoteEntity?> GetAsync(string tenantId, string incidentId, string noteId, CancellationToken cancellationToken = default)
    {
        if (!Ids.IsValid(noteId))
        {
            return null;
        }
        var found = await table.GetEntityIfExistsAsync<NoteEntity>(incidentId, noteId, cancellationToken: cancellationToken);
        return found.HasValue && found.Value!.TenantId == tenantId ? found.Value : null;
    }

    public async Task<NoteEntity> AddAsync(NoteEntity note, CancellationToken cancellationToken = default)
    {
        await table.AddEntityAsync(EntitySize.EnsureFits(note), cancellationToken);
        return note;
    }

    public async Task<NoteEntity> UpdateAsync(NoteEntity note, CancellationToken cancellationToken = default)
    {
        var response = await table.UpdateEntityAsync(EntitySize.EnsureFits(note), note.ETag, TableUpdateMode.Replace, cancellationToken);
        note.ETag = response.Headers.ETag ?? default(ETag);
        return note;
    }

    public Task DeleteAsync(NoteEntity note, CancellationToken cancellationToken = default) =>
        table.DeleteEntityAsync(note.PartitionKey, note.RowKey, note.ETag, cancellationToken);
}
