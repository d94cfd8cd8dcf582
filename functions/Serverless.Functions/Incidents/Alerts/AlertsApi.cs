using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Errors;
using Serverless.Functions.Hosting;
using Serverless.Functions.Identity;
using Serverless.Functions.Incidents.Lifecycle;
using Serverless.Functions.Incidents.Services;
using Serverless.Functions.Incidents.Wire;

namespace Serverless.Functions.Incidents.Alerts;

/// <summary>
/// Alert ingestion (IM-19), how incidents are born in Squadcast: <c>POST /v2/incidents/{source}/{serviceKey}</c>, where
/// the service's ingestion key in the path is the credential. A <c>trigger</c> whose <c>event_id</c> matches an open
/// incident of the service deduplicates onto it; a <c>resolve</c> resolves every incident the service opened with that
/// <c>event_id</c>. The answer is a <c>request_id</c> that <c>POST /v3/requests/status</c> reports on.
/// </summary>
public static partial class AlertsApi
{
    public sealed record AlertAccepted(string Status, string Message, string RequestId);

    public static void MapAlertsApi(this IEndpointRouteBuilder app) =>
        // No Bearer token: the service's key in the path authenticates the alert, as Squadcast's webhook URL does.
        app.MapFunctionGroup("AlertIngestion", "/v2/incidents").WithTags("Incidents").MapPost("/{source}/{serviceKey}", IngestAlert);

    [EndpointId("IM-19")]
    public static async Task<JsonHttpResult<AlertAccepted>> IngestAlert(string source, string serviceKey, HttpRequest request, ServiceStore services,
        IncidentStore incidents, AlertRequestStore requests, TimeProvider time, CancellationToken cancellationToken)
    {
        var service = (SourceName().IsMatch(source) ? await services.FindByKeyAsync(serviceKey, cancellationToken) : null)
            ?? throw new ApiException(ApiError.ForStatus(404, "No service has this ingestion key.") with { Code = "not_found", Parameter = "serviceKey" });
        var input = await IncidentInput.ReadAsync(request, cancellationToken);
        var status = input.OneOf("status", ["trigger", "resolve"]) ?? "trigger";
        // A resolve names its incidents by event_id; only a trigger needs a message.
        var message = input.Text("message", required: status == "trigger", max: 500);
        var description = input.Text("description", max: 20_000, multiLine: true) ?? "";
        var eventId = input.Text("event_id", max: 250) ?? "";
        var priority = input.OneOf("priority", IncidentStates.Priorities) ?? "";
        var tags = TagInput.Read(input);
        if (status == "resolve" && eventId.Length == 0 && !input.Failed("event_id"))
        {
            input.Fail("event_id", "A resolve needs the event_id of the incidents it resolves.");
        }
        input.ThrowIfAny();

        var requestId = AlertRequestStore.NewId();
        var now = time.GetUtcNow();
        var by = "alert:" + source;
        string outcome;
        string incidentId;
        if (status == "resolve")
        {
            var open = (await incidents.WithEventAsync(service.TenantId, service.Id, eventId, cancellationToken)).Where(i => i.IsOpen).ToList();
            foreach (var incident in open)
            {
                await incidents.MutateAsync(service.TenantId, incident.Id, i => IncidentActions.Resolve(i, now, by, $"Resolved by an alert from {source}.", time), cancellationToken);
            }
            (outcome, incidentId) = open.Count > 0 ? ("resolved", open[0].Id) : ("discarded", "");
        }
        else
        {
            var incident = new IncidentEntity
            {
                PartitionKey = service.TenantId, RowKey = Ids.New(time), ServiceId = service.Id, AlertSource = source, Message = message!,
                Description = description, Priority = priority, EventId = eventId, CreatedBy = by, Created = now, Updated = now,
            };
            incident.SetTags(tags);
            incident.Log(new IncidentLog { Action = "triggered", Time = now, Id = Ids.New(time), AssignedBy = by, CreatedBy = by, Reason = $"Alert from {source}" });
            var (opened, added) = eventId.Length > 0
                ? await incidents.AddForEventAsync(incident, cancellationToken)
                : (await incidents.AddAsync(incident, cancellationToken), true);
            if (!added)
            {
                await incidents.MutateAsync(service.TenantId, opened.Id, i =>
                {
                    i.EventCount++;
                    i.Updated = now;
                    return true;
                }, cancellationToken);
            }
            (outcome, incidentId) = (added ? "created" : "deduplicated", opened.Id);
        }
        await requests.AddAsync(service.TenantId, requestId, outcome, incidentId, eventId, cancellationToken);
        return TypedResults.Json(new AlertAccepted("success", $"Alert {outcome}.", requestId), IncidentJson.Options, IncidentResults.ContentType,
            StatusCodes.Status202Accepted);
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,39}$")]
    private static partial Regex SourceName();
}
