using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Functions.StatusPage;
using Serverless.Functions.Tests.Infrastructure;
using Serverless.Functions.Tests.StatusPage.Cachet;

namespace Serverless.Functions.Tests.StatusPage.Statuspage;

/// <summary>
/// The Statuspage v2 documents, field by field against the shapes in docs/decisions/0018-statuspage-json.md, for a page
/// with an unresolved incident, a maintenance window in progress and a degraded component.
/// </summary>
public sealed class StatuspageJsonTests(StatuspageJsonTests.Seeded seeded) : IClassFixture<StatuspageJsonTests.Seeded>
{
    private static readonly string[] PageKeys = ["id", "name", "time_zone", "updated_at", "url"];
    private static readonly string[] ComponentKeys =
        ["created_at", "description", "group", "group_id", "id", "name", "only_show_if_degraded", "page_id", "position", "showcase", "start_date", "status", "updated_at"];
    private static readonly string[] IncidentKeys =
        ["components", "created_at", "id", "impact", "incident_updates", "monitoring_at", "name", "page_id", "resolved_at", "shortlink", "started_at", "status", "updated_at"];
    private static readonly string[] UpdateKeys =
        ["affected_components", "body", "created_at", "custom_tweet", "deliver_notifications", "display_at", "id", "incident_id", "status", "tweet_id", "updated_at"];

    /// <summary>API (partial outage by an open incident), Database (in maintenance, in group Backend), Search (degraded).</summary>
    public sealed class Seeded : ApiFixture, IAsyncLifetime
    {
        public string Slug { get; } = "sp-" + Guid.NewGuid().ToString("N")[..8];

        public string PageId { get; private set; } = "";

        public int Api { get; private set; }

        public int Database { get; private set; }

        public int Search { get; private set; }

        public int Group { get; private set; }

        public int Open { get; private set; }

        public int Fixed { get; private set; }

        public int Active { get; private set; }

        public int Upcoming { get; private set; }

        async Task IAsyncLifetime.InitializeAsync()
        {
            await InitializeAsync();
            var (path, pageId) = await CachetApiTests.NewPageAsync(this, Slug);
            PageId = pageId;
            using var client = this.CachetClient();
            Group = (await client.PostDataAsync($"{path}/components/groups", new { name = "Backend", visible = 1 })).Id();
            Api = (await client.PostDataAsync($"{path}/components", new { name = "API", status = 1, description = "The public API" })).Id();
            Database = (await client.PostDataAsync($"{path}/components", new { name = "Database", status = 1, group_id = Group })).Id();
            Search = (await client.PostDataAsync($"{path}/components", new { name = "Search", status = 2 })).Id();
            Fixed = (await client.PostDataAsync($"{path}/incidents", new { name = "Old blip", message = "Gone", status = 4 })).Id();
            Open = (await client.PostDataAsync($"{path}/incidents", new
            {
                name = "Elevated errors", message = "We are looking into it.", status = 1, component_id = Api, component_status = 3,
            })).Id();
            await client.PostDataAsync($"{path}/incidents/{Open}/updates", new { status = 3, message = "A fix is out." });
            var now = DateTime.UtcNow;
            Active = (await client.PostDataAsync($"{path}/schedules", new
            {
                name = "Database upgrade", message = "Read-only meanwhile.", status = 0, scheduled_at = Text(now.AddMinutes(-5)), completed_at = Text(now.AddHours(2)),
                components = new Dictionary<string, int> { [Database.ToString(CultureInfo.InvariantCulture)] = 4 },
            })).Id();
            Upcoming = (await client.PostDataAsync($"{path}/schedules", new { name = "Network work", status = 0, scheduled_at = Text(now.AddDays(3)) })).Id();
            await Services.GetRequiredService<MaintenanceProgress>().RunAsync(CancellationToken.None);
        }

        private static string Text(DateTime when) => when.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
    }

    private async Task<JsonObject> GetAsync(string document)
    {
        using var guest = seeded.AnonymousClient();
        var request = new HttpRequestMessage(HttpMethod.Get, $"/pages/{seeded.Slug}/api/v2/{document}");
        request.Headers.Add("Origin", "https://widgets.example.com");
        var response = await guest.SendAsync(request);
        Assert.Equal("*", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
        var body = await response.ReadJsonAsync();
        AssertPage(body["page"]!.AsObject());
        return body.AsObject();
    }

    private void AssertPage(JsonObject page)
    {
        Assert.Equal(PageKeys, Keys(page));
        Assert.Equal(seeded.PageId, page["id"]!.GetValue<string>());
        Assert.Equal("Acme " + seeded.Slug, page["name"]!.GetValue<string>());
        Assert.EndsWith($"/pages/{seeded.Slug}", page["url"]!.GetValue<string>());
        Assert.Equal("Etc/UTC", page["time_zone"]!.GetValue<string>());
        AssertTime(page["updated_at"]);
    }

    [Fact]
    public async Task StatusBlendsComponentsAndTheOpenIncidentsImpact()
    {
        var body = await GetAsync("status.json");
        Assert.Equal(["page", "status"], Keys(body));
        // Components alone say minor (a partial outage beside a degraded one); the open incident's impact is major.
        Assert.Equal("major", body["status"]!["indicator"]!.GetValue<string>());
        Assert.Equal("Partial System Outage", body["status"]!["description"]!.GetValue<string>());
    }

    [Fact]
    public async Task ComponentsShowStatuspageStatusWordsAndGroups()
    {
        var components = (await GetAsync("components.json"))["components"]!.AsArray();
        Assert.Equal([$"group-{seeded.Group}", $"{seeded.Database}", $"{seeded.Api}", $"{seeded.Search}"], components.Select(c => c!["id"]!.GetValue<string>()));
        var group = components[0]!.AsObject();
        Assert.Equal(ComponentKeys.Append("components").Order(StringComparer.Ordinal), Keys(group));
        Assert.True(group["group"]!.GetValue<bool>());
        Assert.Equal("under_maintenance", group["status"]!.GetValue<string>());
        Assert.Equal([$"{seeded.Database}"], group["components"]!.AsArray().Select(c => c!.GetValue<string>()));
        var database = components[1]!.AsObject();
        Assert.Equal(ComponentKeys, Keys(database));
        Assert.Equal("under_maintenance", database["status"]!.GetValue<string>());
        Assert.Equal($"group-{seeded.Group}", database["group_id"]!.GetValue<string>());
        var api = components[2]!.AsObject();
        Assert.Equal("partial_outage", api["status"]!.GetValue<string>());
        Assert.Equal("API", api["name"]!.GetValue<string>());
        Assert.Equal("The public API", api["description"]!.GetValue<string>());
        Assert.Null(api["group_id"]);
        Assert.False(api["group"]!.GetValue<bool>());
        Assert.False(api["only_show_if_degraded"]!.GetValue<bool>());
        Assert.Equal(seeded.PageId, api["page_id"]!.GetValue<string>());
        Assert.Equal(0, api["position"]!.GetValue<int>());
        AssertTime(api["created_at"]);
        AssertTime(api["updated_at"]);
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}$", api["start_date"]!.GetValue<string>());
        Assert.Equal("degraded_performance", components[3]!["status"]!.GetValue<string>());
        Assert.Null(components[3]!["description"]);
    }

    [Fact]
    public async Task IncidentsCarryTheirUpdatesNewestFirstAndUnresolvedLeavesTheFixedOut()
    {
        var all = (await GetAsync("incidents.json"))["incidents"]!.AsArray();
        Assert.Equal([$"{seeded.Open}", $"{seeded.Fixed}"], all.Select(i => i!["id"]!.GetValue<string>()));
        var open = all[0]!.AsObject();
        Assert.Equal(IncidentKeys, Keys(open));
        Assert.Equal("Elevated errors", open["name"]!.GetValue<string>());
        Assert.Equal("monitoring", open["status"]!.GetValue<string>());
        Assert.Equal("major", open["impact"]!.GetValue<string>());
        Assert.EndsWith($"/pages/{seeded.Slug}/incidents/{seeded.Open}", open["shortlink"]!.GetValue<string>());
        Assert.Null(open["resolved_at"]);
        AssertTime(open["monitoring_at"]);
        AssertTime(open["started_at"]);
        Assert.Equal(seeded.PageId, open["page_id"]!.GetValue<string>());
        Assert.Equal([$"{seeded.Api}"], open["components"]!.AsArray().Select(c => c!["id"]!.GetValue<string>()));
        var updates = open["incident_updates"]!.AsArray();
        Assert.Equal(["monitoring", "investigating"], updates.Select(u => u!["status"]!.GetValue<string>()));
        Assert.Equal(["A fix is out.", "We are looking into it."], updates.Select(u => u!["body"]!.GetValue<string>()));
        foreach (var update in updates)
        {
            Assert.Equal(UpdateKeys, Keys(update!.AsObject()));
            Assert.Equal($"{seeded.Open}", update["incident_id"]!.GetValue<string>());
            Assert.Null(update["affected_components"]);
            AssertTime(update["display_at"]);
        }
        var fixedOne = all[1]!.AsObject();
        Assert.Equal("resolved", fixedOne["status"]!.GetValue<string>());
        Assert.Equal("none", fixedOne["impact"]!.GetValue<string>());
        AssertTime(fixedOne["resolved_at"]);

        var unresolved = (await GetAsync("incidents/unresolved.json"))["incidents"]!.AsArray();
        Assert.Equal([$"{seeded.Open}"], unresolved.Select(i => i!["id"]!.GetValue<string>()));
    }

    [Fact]
    public async Task MaintenanceListsSplitIntoUpcomingAndActive()
    {
        var all = (await GetAsync("scheduled-maintenances.json"))["scheduled_maintenances"]!.AsArray();
        Assert.Equal([$"{seeded.Upcoming}", $"{seeded.Active}"], all.Select(m => m!["id"]!.GetValue<string>()));
        var active = all[1]!.AsObject();
        Assert.Equal(IncidentKeys.Concat(["scheduled_for", "scheduled_until"]).Order(StringComparer.Ordinal), Keys(active));
        Assert.Equal("in_progress", active["status"]!.GetValue<string>());
        Assert.Equal("maintenance", active["impact"]!.GetValue<string>());
        AssertTime(active["scheduled_for"]);
        AssertTime(active["scheduled_until"]);
        Assert.Equal([$"{seeded.Database}"], active["components"]!.AsArray().Select(c => c!["id"]!.GetValue<string>()));
        Assert.Equal("Read-only meanwhile.", Assert.Single(active["incident_updates"]!.AsArray())!["body"]!.GetValue<string>());
        var upcoming = all[0]!.AsObject();
        Assert.Equal("scheduled", upcoming["status"]!.GetValue<string>());
        Assert.Null(upcoming["scheduled_until"]);

        Assert.Equal([$"{seeded.Upcoming}"], (await GetAsync("scheduled-maintenances/upcoming.json"))["scheduled_maintenances"]!.AsArray().Select(m => m!["id"]!.GetValue<string>()));
        Assert.Equal([$"{seeded.Active}"], (await GetAsync("scheduled-maintenances/active.json"))["scheduled_maintenances"]!.AsArray().Select(m => m!["id"]!.GetValue<string>()));
    }

    [Fact]
    public async Task SummaryHoldsEveryPartAtOnce()
    {
        var summary = await GetAsync("summary.json");
        Assert.Equal(["components", "incidents", "page", "scheduled_maintenances", "status"], Keys(summary));
        Assert.Equal(4, summary["components"]!.AsArray().Count);
        Assert.Equal([$"{seeded.Open}"], summary["incidents"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()));
        Assert.Equal([$"{seeded.Active}", $"{seeded.Upcoming}"], summary["scheduled_maintenances"]!.AsArray().Select(m => m!["id"]!.GetValue<string>()));
        Assert.Equal("major", summary["status"]!["indicator"]!.GetValue<string>());
    }

    [Fact]
    public async Task TheDefaultPageAnswersAtApiV2AndUnknownPagesAndDocumentsAre404InJson()
    {
        using var guest = seeded.AnonymousClient();
        var body = await (await guest.GetAsync("/api/v2/status.json")).ReadJsonAsync();
        Assert.Contains(body["status"]!["indicator"]!.GetValue<string>(), new[] { "none", "minor", "major", "critical" });
        Assert.EndsWith("/status", body["page"]!["url"]!.GetValue<string>());
        await (await guest.GetAsync("/pages/no-such-page/api/v2/summary.json")).AssertCachetErrorAsync(404);
        await (await guest.GetAsync($"/pages/{seeded.Slug}/api/v2/nothing.json")).AssertCachetErrorAsync(404);
        await (await guest.PostAsync($"/pages/{seeded.Slug}/api/v2/summary.json", null)).AssertCachetErrorAsync(405);
    }

    private static List<string> Keys(JsonObject node) => [.. node.Select(p => p.Key).Order(StringComparer.Ordinal)];

    private static void AssertTime(JsonNode? value) =>
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", value!.GetValue<string>());
}
