using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Errors;
using Serverless.Functions.Hosting;
using Serverless.Functions.Identity;
using Serverless.Functions.Incidents.Access;
using Serverless.Functions.Incidents.Cards;
using Serverless.Functions.Incidents.Notes;
using Serverless.Functions.Incidents.Postmortems;
using Serverless.Functions.Incidents.Services;
using Serverless.Functions.Incidents.Wire;
using Serverless.Functions.Storage;

namespace Serverless.Functions.Incidents.Lifecycle;

/// <summary>
/// Incidents (IM-21..IM-29): read, acknowledge, resolve, reassign, priority, tags and export. There is no create (alerts
/// open incidents) and no list (export lists), as in Squadcast. Everyone reads; users and account owners act. Another
/// organization's incident is a 404 everywhere. The war room, communication cards and postmortems hang off this group.
/// </summary>
public static class IncidentsApi
{
    public sealed record PriorityView(string IncidentId, string Priority);

    public static void MapIncidentsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapIncidentGroup("Incidents", "/v3/incidents");
        group.MapGet("/export", ExportIncidents);
        group.MapPut("/priority", SetPriorities);
        group.MapGet("/{incidentId}", GetIncident);
        group.MapPost("/{incidentId}/acknowledge", AcknowledgeIncident);
        group.MapPost("/{incidentId}/resolve", ResolveIncident);
        group.MapPost("/{incidentId}/reassign", ReassignIncident);
        group.MapPatch("/{incidentId}/priority", SetPriority);
        group.MapPut("/{incidentId}/tags", ReplaceTags);
        group.MapPatch("/{incidentId}/tags", MergeTags);
        group.MapNotesApi();
        group.MapCardsApi();
        group.MapPostmortemsApi();
    }

    [EndpointId("IM-21")]
    public static async Task<JsonHttpResult<DataEnvelope<IncidentView>>> GetIncident(string incidentId, IncidentCaller caller, IncidentStore incidents,
        HttpResponse response, CancellationToken cancellationToken)
    {
        var incident = await FindAsync(incidents, caller, incidentId, cancellationToken);
        EntityTags.Set(response, incident.ETag);
        return IncidentResults.Data(await ViewAsync(incidents, incident, cancellationToken));
    }

    /// <summary>IM-22: a resolved incident cannot be acknowledged (409); acknowledging twice changes nothing.</summary>
    [EndpointId("IM-22")]
    public static async Task<JsonHttpResult<DataEnvelope<IncidentView>>> AcknowledgeIncident(string incidentId, IncidentCaller caller,
        IncidentStore incidents, TimeProvider time, CancellationToken cancellationToken)
    {
        caller.Require(IncidentRoles.User);
        var incident = await incidents.MutateAsync(caller.TenantId, incidentId, i => IncidentActions.Acknowledge(i, time.GetUtcNow(), caller.UserId, time),
            cancellationToken);
        return IncidentResults.Data(await ViewAsync(incidents, incident ?? throw NotFound(incidentId), cancellationToken));
    }

    /// <summary>IM-23: <c>{"resolution_reason": {"message"}}</c>, optional; resolving twice changes nothing.</summary>
    [EndpointId("IM-23")]
    public static async Task<JsonHttpResult<DataEnvelope<IncidentView>>> ResolveIncident(string incidentId, HttpRequest request, IncidentCaller caller,
        IncidentStore incidents, TimeProvider time, CancellationToken cancellationToken)
    {
        caller.Require(IncidentRoles.User);
        var input = await IncidentInput.ReadAsync(request, cancellationToken);
        input.Object("resolution_reason");
        var reason = input.Text("resolution_reason.message", max: 5000, multiLine: true) ?? "";
        input.ThrowIfAny();
        var incident = await incidents.MutateAsync(caller.TenantId, incidentId, i => IncidentActions.Resolve(i, time.GetUtcNow(), caller.UserId, reason, time),
            cancellationToken);
        return IncidentResults.Data(await ViewAsync(incidents, incident ?? throw NotFound(incidentId), cancellationToken));
    }

    /// <summary>IM-24: <c>{"reassignTo": {"id", "type": "user"}}</c>; squads and escalation policies do not exist here.</summary>
    [EndpointId("IM-24")]
    public static async Task<JsonHttpResult<DataEnvelope<string>>> ReassignIncident(string incidentId, HttpRequest request, IncidentCaller caller,
        IncidentStore incidents, UserStore users, TimeProvider time, CancellationToken cancellationToken)
    {
        caller.Require(IncidentRoles.User);
        var input = await IncidentInput.ReadAsync(request, cancellationToken);
        input.Object("reassignTo", required: true);
        var id = input.Text("reassignTo.id", required: true, max: 64);
        input.OneOf("reassignTo.type", ["user"], required: true);
        input.ThrowIfAny();
        await FindAsync(incidents, caller, incidentId, cancellationToken);
        if (await users.GetAsync(caller.TenantId, id!, cancellationToken) is null)
        {
            throw new ApiException(IncidentInput.Invalid("reassignTo.id", $"No user with id '{id}' is in this organization."));
        }
        await incidents.MutateAsync(caller.TenantId, incidentId, i => IncidentActions.Reassign(i, time.GetUtcNow(), caller.UserId, id!, time), cancellationToken);
        return IncidentResults.Data("incident successfully reassigned");
    }

    /// <summary>IM-25: <c>{"priority": "P1".."P5"}</c>.</summary>
    [EndpointId("IM-25")]
    public static async Task<JsonHttpResult<DataEnvelope<PriorityView>>> SetPriority(string incidentId, HttpRequest request, IncidentCaller caller,
        IncidentStore incidents, TimeProvider time, CancellationToken cancellationToken)
    {
        caller.Require(IncidentRoles.User);
        var input = await IncidentInput.ReadAsync(request, cancellationToken);
        var priority = input.OneOf("priority", IncidentStates.Priorities, required: true);
        input.ThrowIfAny();
        var incident = await incidents.MutateAsync(caller.TenantId, incidentId, i => IncidentActions.SetPriority(i, time.GetUtcNow(), caller.UserId, priority!, time),
            cancellationToken) ?? throw NotFound(incidentId);
        return IncidentResults.Data(new PriorityView(incident.Id, incident.Priority));
    }

    /// <summary>IM-26: <c>{"incident_ids": […], "priority"}</c>, at most 100 ids; every id must be this organization's, or nothing changes.</summary>
    [EndpointId("IM-26")]
    public static async Task<NoContent> SetPriorities(HttpRequest request, IncidentCaller caller, IncidentStore incidents, TimeProvider time,
        CancellationToken cancellationToken)
    {
        caller.Require(IncidentRoles.User);
        var input = await IncidentInput.ReadAsync(request, cancellationToken);
        var ids = input.TextList("incident_ids", required: true, maxItems: 100, max: 64);
        var priority = input.OneOf("priority", IncidentStates.Priorities, required: true);
        input.ThrowIfAny();
        foreach (var id in ids!)
        {
            input.Check(await incidents.GetAsync(caller.TenantId, id, cancellationToken) is not null, "incident_ids", $"No incident with id '{id}' exists.");
        }
        input.ThrowIfAny();
        foreach (var id in ids.Distinct())
        {
            await incidents.MutateAsync(caller.TenantId, id, i => IncidentActions.SetPriority(i, time.GetUtcNow(), caller.UserId, priority!, time), cancellationToken);
        }
        return TypedResults.NoContent();
    }

    /// <summary>IM-27: <c>{"tags": {name: {value, color}}}</c> replaces every tag; both parts are required.</summary>
    [EndpointId("IM-27")]
    public static Task<JsonHttpResult<DataEnvelope<IncidentView>>> ReplaceTags(string incidentId, HttpRequest request, IncidentCaller caller,
        IncidentStore incidents, TimeProvider time, CancellationToken cancellationToken) =>
        TagAsync(incidentId, request, caller, incidents, time, merge: false, cancellationToken);

    /// <summary>
    /// IM-28: merges into the tags; a value or a colour alone keeps the other. Each merge goes into the tags as they are
    /// when it is written, so racing merges all land; with <c>If-Match</c>, only over the version it names (412 otherwise).
    /// </summary>
    [EndpointId("IM-28")]
    public static Task<JsonHttpResult<DataEnvelope<IncidentView>>> MergeTags(string incidentId, HttpRequest request, IncidentCaller caller,
        IncidentStore incidents, TimeProvider time, CancellationToken cancellationToken) =>
        TagAsync(incidentId, request, caller, incidents, time, merge: true, cancellationToken);

    /// <summary>IM-29: the incidents created in the range that match the filters, as <c>{"data": […]}</c> or as CSV.</summary>
    [EndpointId("IM-29")]
    public static async Task<Results<JsonHttpResult<DataEnvelope<List<IncidentView>>>, FileContentHttpResult>> ExportIncidents(HttpRequest request,
        IncidentCaller caller, IncidentStore incidents, ServiceStore services, TimeProvider time, CancellationToken cancellationToken)
    {
        var export = IncidentExport.From(request, time.GetUtcNow());
        var found = (await incidents.ListAsync(caller.TenantId, export.Since, export.Until, cancellationToken)).Where(export.Matches)
            .OrderBy(i => i.Number).ToList();
        if (export.Type == "json")
        {
            var timelines = await incidents.TimelinesAsync(caller.TenantId, found, cancellationToken);
            return IncidentResults.Data(found.Select(i => IncidentView.From(i, timelines[i.Id])).ToList());
        }
        var names = (await services.ListAsync(caller.TenantId, cancellationToken)).ToDictionary(s => s.Id, s => s.Name);
        return TypedResults.File(IncidentExport.Csv(found, names), "text/csv; charset=utf-8", "incidents.csv");
    }

    /// <summary>The caller's organization's incident, or a 404 that says no more.</summary>
    public static async Task<IncidentEntity> FindAsync(IncidentStore incidents, IncidentCaller caller, string incidentId, CancellationToken cancellationToken) =>
        await incidents.GetAsync(caller.TenantId, incidentId, cancellationToken) ?? throw NotFound(incidentId);

    public static ApiException NotFound(string incidentId) =>
        new(ApiError.NotFound("incident", incidentId, "incidentID") with { Code = "not_found" });

    private static async Task<IncidentView> ViewAsync(IncidentStore incidents, IncidentEntity incident, CancellationToken cancellationToken) =>
        IncidentView.From(incident, await incidents.TimelineAsync(incident, cancellationToken));

    private static async Task<JsonHttpResult<DataEnvelope<IncidentView>>> TagAsync(string incidentId, HttpRequest request, IncidentCaller caller,
        IncidentStore incidents, TimeProvider time, bool merge, CancellationToken cancellationToken)
    {
        caller.Require(IncidentRoles.User);
        var ifMatch = EntityTags.IfMatchOf(request);
        var input = await IncidentInput.ReadAsync(request, cancellationToken);
        if (!input.Has("tags"))
        {
            input.Object("tags", required: true);
        }
        var tags = TagInput.Read(input, requireBoth: !merge);
        input.ThrowIfAny();
        var incident = await incidents.MutateAsync(caller.TenantId, incidentId, i =>
        {
            ifMatch?.Check(i.ETag);
            return IncidentActions.SetTags(i, time.GetUtcNow(), caller.UserId, tags, merge, time);
        }, cancellationToken) ?? throw NotFound(incidentId);
        EntityTags.Set(request.HttpContext.Response, incident.ETag);
        return IncidentResults.Data(await ViewAsync(incidents, incident, cancellationToken));
    }
}
