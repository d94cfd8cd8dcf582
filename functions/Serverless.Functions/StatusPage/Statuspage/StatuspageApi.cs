using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Hosting;
using Serverless.Functions.StatusPage.Cachet;

namespace Serverless.Functions.StatusPage.Statuspage;

/// <summary>
/// Atlassian Statuspage's public API (SP-1..SP-8, v2), which status aggregators, dashboards and chat integrations read:
/// at <c>/api/v2/*.json</c> for the default page (where a tool given the page's base URL looks) and at
/// <c>/pages/{slug}/api/v2/*.json</c> for every page. Public, CORS open for GET, cacheable as every guest view of a page is
/// (<see cref="StatusPageCache"/>, which sets the Cache-Control of guest and keyed reads alike over the one here)
/// (docs/decisions/0018-statuspage-json.md).
/// </summary>
public static class StatuspageApi
{
    public static void MapStatuspageApi(this RouteGroupBuilder api)
    {
        api.MapGet("/summary.json", Summary);
        api.MapGet("/status.json", Status);
        api.MapGet("/components.json", Components);
        api.MapGet("/incidents.json", Incidents);
        api.MapGet("/incidents/unresolved.json", UnresolvedIncidents);
        api.MapGet("/scheduled-maintenances.json", Maintenances);
        api.MapGet("/scheduled-maintenances/upcoming.json", UpcomingMaintenances);
        api.MapGet("/scheduled-maintenances/active.json", ActiveMaintenances);
    }

    /// <summary>SP-1: page, components, unresolved incidents, upcoming and active maintenance, and the status.</summary>
    [EndpointId("SP-1")]
    public static async Task<JsonHttpResult<JsonObject>> Summary(CachetPage page, StatusItemStore store, HttpResponse response, CancellationToken cancellationToken) =>
        Json(page, response, (await LoadAsync(page, store, cancellationToken)).Summary());

    [EndpointId("SP-2")]
    public static async Task<JsonHttpResult<JsonObject>> Status(CachetPage page, StatusItemStore store, HttpResponse response, CancellationToken cancellationToken) =>
        Json(page, response, (await LoadAsync(page, store, cancellationToken)).StatusDocument());

    [EndpointId("SP-3")]
    public static async Task<JsonHttpResult<JsonObject>> Components(CachetPage page, StatusItemStore store, HttpResponse response, CancellationToken cancellationToken) =>
        Json(page, response, (await LoadAsync(page, store, cancellationToken)).ComponentsDocument());

    /// <summary>SP-4: the 50 newest incidents.</summary>
    [EndpointId("SP-4")]
    public static async Task<JsonHttpResult<JsonObject>> Incidents(CachetPage page, StatusItemStore store, HttpResponse response, CancellationToken cancellationToken) =>
        Json(page, response, (await LoadAsync(page, store, cancellationToken)).IncidentsDocument());

    /// <summary>SP-5: incidents investigating, identified or monitoring.</summary>
    [EndpointId("SP-5")]
    public static async Task<JsonHttpResult<JsonObject>> UnresolvedIncidents(CachetPage page, StatusItemStore store, HttpResponse response,
        CancellationToken cancellationToken) =>
        Json(page, response, (await LoadAsync(page, store, cancellationToken)).UnresolvedDocument());

    /// <summary>SP-6: the 50 newest maintenance windows.</summary>
    [EndpointId("SP-6")]
    public static async Task<JsonHttpResult<JsonObject>> Maintenances(CachetPage page, StatusItemStore store, HttpResponse response,
        CancellationToken cancellationToken) =>
        Json(page, response, (await LoadAsync(page, store, cancellationToken)).MaintenancesDocument());

    /// <summary>SP-7: windows scheduled and not yet started.</summary>
    [EndpointId("SP-7")]
    public static async Task<JsonHttpResult<JsonObject>> UpcomingMaintenances(CachetPage page, StatusItemStore store, HttpResponse response,
        CancellationToken cancellationToken) =>
        Json(page, response, (await LoadAsync(page, store, cancellationToken)).UpcomingDocument());

    /// <summary>SP-8: windows in progress.</summary>
    [EndpointId("SP-8")]
    public static async Task<JsonHttpResult<JsonObject>> ActiveMaintenances(CachetPage page, StatusItemStore store, HttpResponse response,
        CancellationToken cancellationToken) =>
        Json(page, response, (await LoadAsync(page, store, cancellationToken)).ActiveDocument());

    private static Task<StatuspageDocuments> LoadAsync(CachetPage page, StatusItemStore store, CancellationToken cancellationToken) =>
        StatuspageDocuments.LoadAsync(store, page.Page, page.BaseUrl, page.Page.Zone(), cancellationToken);

    private static JsonHttpResult<JsonObject> Json(CachetPage page, HttpResponse response, JsonObject document)
    {
        // A private page's documents are for its tenant's users alone: no shared cache may keep them.
        response.Headers.CacheControl = page.Page.Private ? "private, no-store" : "public,max-age=30";
        return TypedResults.Json(document, CachetResults.Json, "application/json");
    }
}
