using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Errors;
using Serverless.Functions.Hosting;
using Serverless.Functions.Identity;
using Serverless.Functions.Incidents.Access;
using Serverless.Functions.Incidents.Lifecycle;
using Serverless.Functions.Incidents.Wire;

namespace Serverless.Functions.Incidents.Notes;

/// <summary>
/// The war room (IM-30..IM-33, seed endpoints 5-7): an incident's notes. Everyone reads; users write notes (201), and
/// change or delete (204) their own, as account owners may any. Each write lands on the incident's timeline too, in the
/// same transaction (Lifecycle/TimelineStore.cs), and none rewrites the incident, so notes racing on one incident all land.
/// </summary>
public static class NotesApi
{
    public sealed record NoteUser(string Id, string FirstName, string LastName, bool Deleted);

    public sealed record NoteView(string Id, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string OrganizationId, string IncidentId, string UserId,
        string Message, string Type, List<string> Attachments, NoteUser User, string ReplacedMessage);

    /// <summary>On the incidents group, whose HTTP function serves <c>/v3/incidents/{id}/warroom</c>.</summary>
    public static void MapNotesApi(this RouteGroupBuilder incidents)
    {
        incidents.MapGet("/{incidentId}/warroom", ListNotes);
        incidents.MapPost("/{incidentId}/warroom", CreateNote);
        incidents.MapPut("/{incidentId}/warroom/{noteId}", UpdateNote);
        incidents.MapDelete("/{incidentId}/warroom/{noteId}", DeleteNote);
    }

    [EndpointId("IM-30")]
    public static async Task<JsonHttpResult<DataEnvelope<List<NoteView>>>> ListNotes(string incidentId, HttpContext context, IncidentCaller caller,
        IncidentStore incidents, NoteStore notes, UserStore users, CancellationToken cancellationToken)
    {
        var incident = await IncidentsApi.FindAsync(incidents, caller, incidentId, cancellationToken);
        var list = await notes.ListAsync(caller.TenantId, incident.Id, cancellationToken);
        var authors = await AuthorsAsync(list, context, caller, users, cancellationToken);
        return IncidentResults.Data(list.Select(n => ToView(n, authors)).ToList());
    }

    /// <summary>IM-31: <c>{"message", "attachments"?: [url]}</c> → 201.</summary>
    [EndpointId("IM-31")]
    public static async Task<JsonHttpResult<DataEnvelope<NoteView>>> CreateNote(string incidentId, HttpRequest request, IncidentCaller caller,
        IncidentStore incidents, NoteStore notes, UserStore users, TimeProvider time, CancellationToken cancellationToken)
    {
        caller.Require(IncidentRoles.User);
        var (message, attachments) = await ReadAsync(request, cancellationToken);
        var incident = await IncidentsApi.FindAsync(incidents, caller, incidentId, cancellationToken);
        var now = time.GetUtcNow();
        var note = await notes.AddAsync(new NoteEntity
        {
            PartitionKey = caller.TenantId, RowKey = NoteStore.Key(incident.Id, Ids.New(time)), IncidentId = incident.Id, TenantId = caller.TenantId,
            UserId = caller.UserId, Message = message, Attachments = JsonSerializer.Serialize(attachments, AppJson.Default.ListString), Created = now,
            Updated = now,
        }, IncidentActions.Record("notes_added", now, caller.UserId, time), cancellationToken);
        var authors = await AuthorsAsync([note], request.HttpContext, caller, users, cancellationToken);
        return IncidentResults.Data(ToView(note, authors), StatusCodes.Status201Created);
    }

    [EndpointId("IM-32")]
    public static async Task<JsonHttpResult<DataEnvelope<NoteView>>> UpdateNote(string incidentId, string noteId, HttpRequest request, IncidentCaller caller,
        IncidentStore incidents, NoteStore notes, UserStore users, TimeProvider time, CancellationToken cancellationToken)
    {
        caller.Require(IncidentRoles.User);
        var (message, attachments) = await ReadAsync(request, cancellationToken);
        var note = await FindOwnAsync(incidentId, noteId, caller, incidents, notes, cancellationToken);
        note.Message = message;
        note.Attachments = JsonSerializer.Serialize(attachments, AppJson.Default.ListString);
        note.Updated = time.GetUtcNow();
        await notes.UpdateAsync(note, IncidentActions.Record("notes_updated", note.Updated, caller.UserId, time), cancellationToken);
        var authors = await AuthorsAsync([note], request.HttpContext, caller, users, cancellationToken);
        return IncidentResults.Data(ToView(note, authors));
    }

    [EndpointId("IM-33")]
    public static async Task<NoContent> DeleteNote(string incidentId, string noteId, IncidentCaller caller, IncidentStore incidents, NoteStore notes,
        TimeProvider time, CancellationToken cancellationToken)
    {
        caller.Require(IncidentRoles.User);
        var note = await FindOwnAsync(incidentId, noteId, caller, incidents, notes, cancellationToken);
        await notes.DeleteAsync(note, IncidentActions.Record("notes_deleted", time.GetUtcNow(), caller.UserId, time), cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<(string Message, List<string> Attachments)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var input = await IncidentInput.ReadAsync(request, cancellationToken);
        var message = input.Text("message", required: true, max: 20_000, multiLine: true);
        var attachments = input.TextList("attachments", maxItems: 20, max: 2048) ?? [];
        foreach (var url in attachments)
        {
            input.Check(Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https", "attachments", "Each attachment is an http(s) URL.");
        }
        input.ThrowIfAny();
        return (message!, attachments.ToList());
    }

    private static async Task<NoteEntity> FindOwnAsync(string incidentId, string noteId, IncidentCaller caller, IncidentStore incidents, NoteStore notes,
        CancellationToken cancellationToken)
    {
        var incident = await IncidentsApi.FindAsync(incidents, caller, incidentId, cancellationToken);
        var note = await notes.GetAsync(caller.TenantId, incident.Id, noteId, cancellationToken)
            ?? throw new ApiException(ApiError.NotFound("note", noteId, "NoteId") with { Code = "not_found" });
        if (note.UserId != caller.UserId && !caller.Is(IncidentRoles.AccountOwner))
        {
            throw new ApiException(ApiError.Forbidden("Only the note's author or an account owner may change it.") with { Code = "insufficient_role" });
        }
        return note;
    }

    /// <summary>
    /// The notes' authors by id, each read once; the caller's row is the one authentication read, so a note the caller
    /// writes costs no read of its author.
    /// </summary>
    private static async Task<Dictionary<string, UserEntity?>> AuthorsAsync(IEnumerable<NoteEntity> notes, HttpContext context, IncidentCaller caller,
        UserStore users, CancellationToken cancellationToken)
    {
        var authors = new Dictionary<string, UserEntity?>();
        if (caller.AsCaller.RememberedUser(context) is { } self)
        {
            authors[self.Id] = self;
        }
        foreach (var userId in notes.Select(n => n.UserId).Distinct())
        {
            if (!authors.ContainsKey(userId))
            {
                authors[userId] = await users.GetAsync(caller.TenantId, userId, cancellationToken);
            }
        }
        return authors;
    }

    private static NoteView ToView(NoteEntity n, Dictionary<string, UserEntity?> authors)
    {
        var user = authors[n.UserId];
        return new NoteView(n.Id, n.Created, n.Updated, n.TenantId, n.IncidentId, n.UserId, n.Message, n.Type, n.AttachmentList(),
            new NoteUser(n.UserId, user?.FirstName ?? "", user?.LastName ?? "", user is null), n.Message);
    }
}
