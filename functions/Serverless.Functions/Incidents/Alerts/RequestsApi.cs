using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Hosting;
using Serverless.Functions.Incidents.Access;
using Serverless.Functions.Incidents.Wire;

namespace Serverless.Functions.Incidents.Alerts;

/// <summary>
/// <c>POST /v3/requests/status</c> (IM-20): what each alert's <c>request_id</c> became, keyed by the id. An id that is
/// not this organization's reads as unknown, as one that never existed does.
/// </summary>
public static class RequestsApi
{
    public sealed record RequestStatusView(string Status, string? IncidentId, string? EventId);

    public sealed record RequestCounts(int ErrorCount, int SuccessCount);

    public sealed record RequestsStatus(Dictionary<string, RequestStatusView> Data, RequestCounts Meta);

    public static void MapRequestsApi(this IEndpointRouteBuilder app) =>
        app.MapIncidentGroup("AlertRequests", "/v3/requests").MapPost("/status", GetRequestsStatus);

    [EndpointId("IM-20")]
    public static async Task<JsonHttpResult<RequestsStatus>> GetRequestsStatus(HttpRequest request, IncidentCaller caller, AlertRequestStore requests,
        CancellationToken cancellationToken)
    {
        var input = await IncidentInput.ReadAsync(request, cancellationToken);
        var ids = input.TextList("request_ids", required: true, maxItems: 100, max: 64);
        input.ThrowIfAny();
        var data = new Dictionary<string, RequestStatusView>(StringComparer.Ordinal);
        foreach (var id in ids!.Distinct())
        {
            var found = await requests.GetAsync(caller.TenantId, id, cancellationToken);
            data[id] = found is null
                ? new RequestStatusView("error", null, null)
                : new RequestStatusView(found.Status, found.IncidentId.Length > 0 ? found.IncidentId : null, found.EventId.Length > 0 ? found.EventId : null);
        }
        var errors = data.Values.Count(v => v.Status == "error");
        return TypedResults.Json(new RequestsStatus(data, new RequestCounts(errors, data.Count - errors)), IncidentJson.Options, IncidentResults.ContentType);
    }
}
