using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Errors;
using Serverless.Functions.Hosting;
using Serverless.Functions.Identity;
using Serverless.Functions.Incidents.Access;
using Serverless.Functions.Incidents.Lifecycle;
using Serverless.Functions.Incidents.Services;
using Serverless.Functions.Incidents.Teams;
using Serverless.Functions.Incidents.Wire;

namespace Serverless.Functions.Incidents.Postmortems;

/// <summary>
/// Postmortems (IM-40..IM-44; seed endpoint 4 is the list by team): one per incident, <c>in_progress</c>,
/// <c>under_review</c> or <c>published</c>, with follow-ups. Everyone reads; stakeholders only read.
/// </summary>
public static class PostmortemsApi
{
    public sealed record OwnerView(string Id, string Type);

    public sealed record IncidentSummary(string Message, DateTimeOffset TimeOfCreation);

    public sealed record PostmortemView(string Id, string OrganizationId, string IncidentId, string Title, string Postmortem, string Status,
        List<FollowUp> FollowUps, List<string> Attachments, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, OwnerView? Owner, string[] AccessControl,
        IncidentSummary Incident);

    public sealed record PostmortemListItem(string Id, string OrganizationId, string IncidentId, string Title, string Postmortem, string Status,
        List<FollowUp> FollowUps, List<string> Attachments, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, OwnerView? Owner, string IncidentMessage,
        DateTimeOffset IncidentTimeOfCreation, string ServiceName, string ServiceId, string AlertSource, int ActiveFollowUpsCount);

    public sealed record CountView(int Count);

    public sealed record PostmortemPage(List<PostmortemListItem> Result, List<CountView> TotalCount);

    public static void MapPostmortemsApi(this RouteGroupBuilder incidents)
    {
        incidents.MapGet("/postmortem", ListPostmortems);
        incidents.MapGet("/{incidentId}/postmortem", GetPostmortem);
        incidents.MapPost("/{incidentId}/postmortem", CreatePostmortem);
        incidents.MapPut("/{incidentId}/postmortem", UpdatePostmortem);
        incidents.MapDelete("/{incidentId}/postmortem", DeletePostmortem);
    }

    /// <summary>
    /// IM-40: <c>?fromDate&amp;toDate&amp;owner_id</c> (ISO 8601; the last 90 days by default), in Squadcast's
    /// aggregation wrapper <c>{"data": [{"result": […], "total_count": [{"count": N}]}]}</c>.
    /// </summary>
    [EndpointId("IM-40")]
    public static async Task<JsonHttpResult<DataEnvelope<List<PostmortemPage>>>> ListPostmortems(HttpRequest request, IncidentCaller caller,
        PostmortemStore postmortems, IncidentStore incidents, ServiceStore services, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new List<ApiError>();
        var to = Date("toDate") ?? time.GetUtcNow();
        var from = Date("fromDate") ?? to.AddDays(-90);
        if (errors.Count > 0)
        {
            throw new ApiException(errors);
        }
        var owner = request.Query["owner_id"].ToString();
        var names = (await services.ListAsync(caller.TenantId, cancellationToken)).ToDictionary(s => s.Id, s => s.Name);
        var items = new List<PostmortemListItem>();
        foreach (var p in (await postmortems.ListAsync(caller.TenantId, from, to, cancellationToken)).Where(p => owner.Length == 0 || p.OwnerId == owner))
        {
            var incident = await incidents.GetAsync(caller.TenantId, p.IncidentId, cancellationToken);
            var followUps = p.FollowUpList();
            items.Add(new PostmortemListItem(p.Id, p.TenantId, p.IncidentId, p.Title, p.Body, p.Status, followUps, p.AttachmentList(), p.Created, p.Updated,
                Owner(p), incident?.Message ?? "", incident?.Created ?? p.Created, names.GetValueOrDefault(incident?.ServiceId ?? "", ""),
                incident?.ServiceId ?? "", incident?.AlertSource ?? "", followUps.Count(f => !f.IsDone)));
        }
        return IncidentResults.Data(new List<PostmortemPage> { new(items, [new CountView(items.Count)]) });

        DateTimeOffset? Date(string name)
        {
            var text = request.Query[name].ToString();
            if (text.Length == 0)
            {
                return null;
            }
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value))
            {
                return value.ToUniversalTime();
            }
            errors.Add(IncidentInput.Invalid(name, $"'{name}' must be an ISO 8601 date-time."));
            return null;
        }
    }

    [EndpointId("IM-41")]
    public static async Task<JsonHttpResult<DataEnvelope<PostmortemView>>> GetPostmortem(string incidentId, IncidentCaller caller, IncidentStore incidents,
        PostmortemStore postmortems, CancellationToken cancellationToken)
    {
        var incident = await IncidentsApi.FindAsync(incidents, caller, incidentId, cancellationToken);
        return IncidentResults.Data(ToView(await FindAsync(postmortems, incident, cancellationToken), incident));
    }

    /// <summary>IM-42: <c>{title, postmortem, status?, owner_id?, follow_ups?: [{task, is_done}], attachments?: [url]}</c> → 201.</summary>
    [EndpointId("IM-42")]
    public static async Task<JsonHttpResult<DataEnvelope<PostmortemView>>> CreatePostmortem(string incidentId, HttpRequest request, IncidentCaller caller,
        IncidentStore incidents, PostmortemStore postmortems, IncidentTeamStore teams, TimeProvider time, CancellationToken cancellationToken)
    {
        caller.Require(IncidentRoles.User);
        var input = await IncidentInput.ReadAsync(request, cancellationToken);
        var fields = await ReadAsync(input, caller, teams, creating: true, "attachments", cancellationToken);
        var incident = await IncidentsApi.FindAsync(incidents, caller, incidentId, cancellationToken);
        var now = time.GetUtcNow();
        var postmortem = new PostmortemEntity
        {
            PartitionKey = caller.TenantId, RowKey = incident.Id, Id = Ids.New(time), CreatedBy = caller.UserId, Created = now, Updated = now,
        };
        fields.Apply(postmortem);
        if (!await postmortems.TryAddAsync(postmortem, cancellationToken))
        {
            throw new ApiException(ApiError.Conflict("incident_id", "This incident already has a postmortem; change it with PUT.") with { Code = "conflict" });
        }
        await incidents.RecordAsync(caller.TenantId, incident.Id, IncidentActions.Record("postmortem_created", now, caller.UserId, time), cancellationToken);
        return IncidentResults.Data(ToView(postmortem, incident), StatusCodes.Status201Created);
    }

    /// <summary>IM-43: every field optional; <c>new_attachments</c> replaces <c>attachments</c>.</summary>
    [EndpointId("IM-43")]
    public static async Task<JsonHttpResult<DataEnvelope<PostmortemView>>> UpdatePostmortem(string incidentId, HttpRequest request, IncidentCaller caller,
        IncidentStore incidents, PostmortemStore postmortems, IncidentTeamStore teams, TimeProvider time, CancellationToken cancellationToken)
    {
        caller.Require(IncidentRoles.User);
        var input = await IncidentInput.ReadAsync(request, cancellationToken);
        var fields = await ReadAsync(input, caller, teams, creating: false, "new_attachments", cancellationToken);
        var incident = await IncidentsApi.FindAsync(incidents, caller, incidentId, cancellationToken);
        var postmortem = await FindAsync(postmortems, incident, cancellationToken);
        fields.Apply(postmortem);
        postmortem.Updated = time.GetUtcNow();
        return IncidentResults.Data(ToView(await postmortems.UpdateAsync(postmortem, cancellationToken), incident));
    }

    /// <summary>IM-44: answers 200 with the postmortem deleted.</summary>
    [EndpointId("IM-44")]
    public static async Task<JsonHttpResult<DataEnvelope<PostmortemView>>> DeletePostmortem(string incidentId, IncidentCaller caller, IncidentStore incidents,
        PostmortemStore postmortems, CancellationToken cancellationToken)
    {
        caller.Require(IncidentRoles.User);
        var incident = await IncidentsApi.FindAsync(incidents, caller, incidentId, cancellationToken);
        var postmortem = await FindAsync(postmortems, incident, cancellationToken);
        await postmortems.DeleteAsync(postmortem, cancellationToken);
        return IncidentResults.Data(ToView(postmortem, incident));
    }

    private sealed record Fields(string? Title, string? Body, string? Status, string? OwnerId, List<FollowUp>? FollowUps, List<string>? Attachments)
    {
        public void Apply(PostmortemEntity p)
        {
            p.Title = Title ?? p.Title;
            p.Body = Body ?? p.Body;
            p.Status = Status ?? p.Status;
            p.OwnerId = OwnerId ?? p.OwnerId;
            p.FollowUps = FollowUps is null ? p.FollowUps : JsonSerializer.Serialize(FollowUps, AppJson.Default.ListFollowUp);
            p.Attachments = Attachments is null ? p.Attachments : JsonSerializer.Serialize(Attachments, AppJson.Default.ListString);
        }
    }

    private static async Task<Fields> ReadAsync(IncidentInput input, IncidentCaller caller, IncidentTeamStore teams, bool creating, string attachmentsField,
        CancellationToken cancellationToken)
    {
        var title = input.Text("title", required: creating || input.Has("title"), max: 250);
        var body = input.Text("postmortem", required: creating || input.Has("postmortem"), max: 30_000, multiLine: true);
        var status = input.OneOf("status", PostmortemStore.Statuses);
        var owner = input.Text("owner_id", max: 64);
        List<FollowUp>? followUps = null;
        if (input.Has("follow_ups"))
        {
            if (input.Body["follow_ups"] is System.Text.Json.Nodes.JsonArray array && array.Count <= 100)
            {
                followUps = [];
                for (var n = 0; n < array.Count; n++)
                {
                    var task = input.Text($"follow_ups.{n}.task", required: true, max: 1000);
                    var done = input.Bool($"follow_ups.{n}.is_done") ?? false;
                    if (task is not null)
                    {
                        followUps.Add(new FollowUp(task, done));
                    }
                }
            }
            else
            {
                input.Fail("follow_ups", "'follow_ups' is a list of at most 100 {\"task\", \"is_done\"}.");
            }
        }
        var attachments = input.TextList(attachmentsField, maxItems: 20, max: 2048)?.ToList();
        foreach (var url in attachments ?? [])
        {
            input.Check(Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https", attachmentsField, "Each attachment is an http(s) URL.");
        }
        input.ThrowIfAny();
        if (owner is not null && await teams.GetAsync(caller.TenantId, owner, cancellationToken) is null)
        {
            throw new ApiException(IncidentInput.Invalid("owner_id", $"No team with id '{owner}' is in this organization."));
        }
        return new Fields(title, body, status, owner, followUps, attachments);
    }

    private static async Task<PostmortemEntity> FindAsync(PostmortemStore postmortems, IncidentEntity incident, CancellationToken cancellationToken) =>
        await postmortems.GetAsync(incident.TenantId, incident.Id, cancellationToken)
            ?? throw new ApiException(ApiError.ForStatus(404, "This incident has no postmortem yet.") with { Code = "not_found", Parameter = "incidentID" });

    private static OwnerView? Owner(PostmortemEntity p) => p.OwnerId is null ? null : new OwnerView(p.OwnerId, "team");

    private static PostmortemView ToView(PostmortemEntity p, IncidentEntity incident) => new(p.Id, p.TenantId, p.IncidentId, p.Title, p.Body, p.Status,
        p.FollowUpList(), p.AttachmentList(), p.Created, p.Updated, Owner(p), [], new IncidentSummary(incident.Message, incident.Created));
}
