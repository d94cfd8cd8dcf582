using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Hosting;
using Serverless.Functions.StatusPage.Cachet;

namespace Serverless.Functions.StatusPage.Uptime;

/// <summary>
/// A component's uptime history (UP-1, ours: Cachet has none), beside the Cachet API of its page, in Cachet's envelope:
/// <c>GET {api}/components/{id}/uptime?days=N</c> (docs/decisions/0017-uptime-history.md).
/// </summary>
public static class StatusUptimeApi
{
    public static void MapStatusUptime(this RouteGroupBuilder api) => api.MapGet("/components/{id}/uptime", GetUptime);

    /// <summary>UP-1: the last <c>days</c> (1 to 90, 90 by default) UTC days, oldest first, the uptime over them, and the changes recorded in them.</summary>
    [EndpointId("UP-1")]
    public static async Task<JsonHttpResult<JsonObject>> GetUptime(string id, CachetPage page, HttpRequest request, StatusItemStore store,
        ComponentHistory history, CancellationToken cancellationToken)
    {
        var input = await CachetInput.ReadAsync(request, cancellationToken);
        var rules = new CachetRules(input);
        var days = rules.Int("days", min: 1, max: ComponentHistory.Days) ?? ComponentHistory.Days;
        rules.ThrowIfAny();
        var component = await page.FindAsync<StatusComponent>(store, id, cancellationToken);
        if (!page.IsAuthenticated && !component.Enabled)
        {
            throw CachetPage.NotFound(); // guests do not see disabled components in the list either
        }
        var now = page.Clock.Now;
        var first = DateOnly.FromDateTime(now.UtcDateTime).AddDays(1 - days);
        var (state, rows) = await history.ReadAsync(page.PageId, component.Id, first, cancellationToken);
        var bar = UptimeBars.Of(state, rows, now, days);
        var incidents = await UptimeIncidents.OfAsync(store, page.PageId, component.Id, page.IsAuthenticated, cancellationToken);
        var changes = await history.ChangesAsync(page.PageId, component.Id, new DateTimeOffset(first.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero), cancellationToken);
        return CachetResults.Item(new JsonObject
        {
            ["component_id"] = component.Id,
            ["days"] = days,
            ["uptime"] = bar.Uptime,
            ["history"] = new JsonArray([.. bar.Days.Select(d => (JsonNode)Day(d, incidents))]),
            ["changes"] = new JsonArray([.. changes.Select(c => (JsonNode)Change(c, page))]),
        });
    }

    /// <summary>A recorded change; who made it shows only to the page's own users, as the list of subscribers does.</summary>
    private static JsonObject Change(ComponentChange change, CachetPage page) => new()
    {
        ["from"] = change.From,
        ["to"] = change.To,
        ["at"] = page.Clock.Format(change.At),
        ["cause"] = change.Cause,
        ["maintenance"] = change.Maintenance,
        ["user_id"] = page.IsAuthenticated ? change.By : null,
    };

    private static JsonObject Day(UptimeDay day, ILookup<DateOnly, StatusIncident> incidents) => new()
    {
        ["date"] = day.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        ["status"] = day.Worst,
        ["status_name"] = day.Worst is { } worst ? ((ComponentStatus)worst).Label() : null,
        ["maintenance"] = day.Maintenance,
        ["uptime"] = day.Uptime,
        ["performance_issues_seconds"] = day.DegradedSeconds,
        ["partial_outage_seconds"] = day.PartialSeconds,
        ["major_outage_seconds"] = day.MajorSeconds,
        ["maintenance_seconds"] = day.MaintenanceSeconds,
        ["incidents"] = new JsonArray([.. incidents[day.Date].Select(i => (JsonNode)new JsonObject { ["id"] = i.Id, ["name"] = i.Name })]),
    };
}
