using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests.StatusPage.Cachet;

/// <summary>Every filter and every sort of every Cachet list, on one page seeded with varied items.</summary>
public sealed class CachetListTests(CachetListTests.SeededPage seeded) : IClassFixture<CachetListTests.SeededPage>
{
    /// <summary>
    /// Re-implements IAsyncLifetime so that xUnit runs the seeding after the app is ready. On a clock the seeding moves,
    /// so that what the app stamps with the time (user ids begin with their creation second, and schedules' created_at)
    /// orders the same way on every run.
    /// </summary>
    public sealed class SeededPage : ApiFixture, IAsyncLifetime
    {
        protected override bool UsesFakeTime => true;

        public string Path { get; private set; } = "";

        public int IncidentId { get; private set; }

        public new async Task InitializeAsync()
        {
            await base.InitializeAsync();
            (Path, _) = await CachetApiTests.NewPageAsync(this);
            using var admin = this.CachetClient();
            // The bootstrap admin was made at start-up; a second later, the member's id sorts after the admin's.
            Clock.Advance(TimeSpan.FromSeconds(1));
            var member = await CreateUserAsync();
            using var other = this.CachetClient(member.ApiKey);
            var groups = new List<int>();
            foreach (var (name, order, collapsed, visible) in new[] { ("Beta", 2, 1, 1), ("Alpha", 3, 0, 0), ("Gamma", 1, 2, 1) })
            {
                groups.Add((await admin.PostDataAsync($"{Path}/components/groups", new { name, order, collapsed, visible })).Id());
            }
            foreach (var (name, status, order, group, enabled) in new[] { ("Web", 1, 3, 0, true), ("API", 4, 1, 1, false), ("DB", 2, 2, 1, true) })
            {
                await admin.PostDataAsync($"{Path}/components", new { name, status, order, group_id = group == 0 ? 0 : groups[group - 1], enabled });
            }
            var incidents = new List<int>();
            foreach (var (who, name, status, visible, stickied, component, day) in new[]
                     { (admin, "Outage", 4, 1, false, 1, "01"), (other, "Blip", 1, 0, true, 2, "03"), (admin, "Slow", 2, 1, true, 0, "02") })
            {
                var body = new Dictionary<string, object>
                {
                    ["name"] = name, ["message"] = $"{name} message", ["status"] = status, ["visible"] = visible, ["stickied"] = stickied,
                    ["occurred_at"] = $"2026-03-{day} 10:00",
                };
                if (component != 0)
                {
                    (body["component_id"], body["component_status"]) = (component, 1);
                }
                incidents.Add((await who.PostDataAsync($"{Path}/incidents", body)).Id());
            }
            IncidentId = incidents[0];
            foreach (var (who, status) in new[] { (admin, 3), (other, 1), (admin, 2) })
            {
                await who.PostDataAsync($"{Path}/incidents/{IncidentId}/updates", new { status, message = $"status {status}" });
            }
            foreach (var name in new[] { "Second", "First", "Third" })
            {
                await admin.PostDataAsync($"{Path}/incidents/templates", new { name, template = name });
            }
            foreach (var (name, value, calc, order, visible, chart) in new[] { ("Rps", 5, 0, 2, 1, true), ("Errors", 1, 1, 3, 0, false), ("Latency", 9, 0, 1, 2, true) })
            {
                await admin.PostDataAsync($"{Path}/metrics", new { name, suffix = "x", default_value = value, calc_type = calc, order, visible, display_chart = chart });
            }
            foreach (var (name, status, day, done) in new[] { ("Upgrade", 0, "12", (string?)null), ("Patch", 2, "10", "2026-04-10 12:00"), ("Move", 1, "11", null) })
            {
                Clock.Advance(TimeSpan.FromMinutes(1));
                await admin.PostDataAsync($"{Path}/schedules", new { name, status, scheduled_at = $"2026-04-{day} 10:00", completed_at = done });
            }
        }
    }

    /// <summary>
    /// Each filter with each of its values, and the ids of the items it must return: components Web (1) status 1, no
    /// group, enabled; API (2) status 1, group 1, disabled; DB (3) status 2, group 1, enabled. Groups Beta (1) collapsed 1,
    /// visible; Alpha (2) collapsed 0, hidden; Gamma (3) collapsed 2, visible. Incidents Outage (1, the admin's, status 2
    /// after its updates, component 1, visible, not stickied), Blip (2, the member's, status 1, component 2, hidden,
    /// stickied), Slow (3, the admin's, status 2, no component, visible, stickied). <c>{admin}</c> and <c>{member}</c>
    /// stand for the two users' ids.
    /// </summary>
    public static TheoryData<string, string, int[]> Filters => new()
    {
        { "components", "id=2", [2] },
        { "components", "name=DB", [3] },
        { "components", "status=1", [1, 2] },
        { "components", "status=2", [3] },
        { "components", "group_id=0", [1] },
        { "components", "group_id=1", [2, 3] },
        { "components", "enabled=1", [1, 3] },
        { "components", "enabled=0", [2] },
        { "components/groups", "id=3", [3] },
        { "components/groups", "name=Alpha", [2] },
        { "components/groups", "collapsed=1", [1] },
        { "components/groups", "collapsed=2", [3] },
        { "components/groups", "visible=1", [1, 3] },
        { "components/groups", "visible=0", [2] },
        { "incidents", "id=1", [1] },
        { "incidents", "user_id={admin}", [1, 3] },
        { "incidents", "user_id={member}", [2] },
        { "incidents", "component_id=1", [1] },
        { "incidents", "component_id=0", [3] },
        { "incidents", "name=Blip", [2] },
        { "incidents", "status=2", [1, 3] },
        { "incidents", "status=1", [2] },
        { "incidents", "visible=1", [1, 3] },
        { "incidents", "visible=0", [2] },
        { "incidents", "stickied=1", [2, 3] },
        { "incidents", "stickied=0", [1] },
    };

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task EachFilterMatchesExactlyTheItemsWithThatValue(string list, string filter, int[] expected)
    {
        using var client = seeded.CachetClient();
        var users = (await ItemsAsync(client, "incidents", "")).ToDictionary(i => i.Id(), i => Text(i["user_id"]));
        var query = filter.Replace("{admin}", users[1], StringComparison.Ordinal).Replace("{member}", users[2], StringComparison.Ordinal);

        var filtered = await ItemsAsync(client, list, query + "&page=1");

        Assert.Equal(expected, filtered.Select(i => i.Id()));
    }

    /// <summary>
    /// Each list's three items, in the expected order of their ids, ascending then descending. Nulls sort first, numbers
    /// and booleans by value, text ordinally, as Cachet's database orders them; ties keep id order both ways.
    /// </summary>
    public static TheoryData<string, string, int[], int[]> Sorts => new()
    {
        // Components: Web (1) status 1, order 3, no group, enabled; API (2) status 1 (set by incident 2), order 1, group Beta
        // (1), disabled; DB (3) status 2, order 2, group Beta (1), enabled.
        { "components", "id", [1, 2, 3], [3, 2, 1] },
        { "components", "name", [2, 3, 1], [1, 3, 2] },
        { "components", "status", [1, 2, 3], [3, 1, 2] },
        { "components", "order", [2, 3, 1], [1, 3, 2] },
        { "components", "group_id", [1, 2, 3], [2, 3, 1] },
        { "components", "enabled", [2, 1, 3], [1, 3, 2] },
        // Groups: Beta (1) order 2, collapsed 1, visible; Alpha (2) order 3, collapsed 0, hidden; Gamma (3) order 1,
        // collapsed 2, visible.
        { "components/groups", "id", [1, 2, 3], [3, 2, 1] },
        { "components/groups", "name", [2, 1, 3], [3, 1, 2] },
        { "components/groups", "order", [3, 1, 2], [2, 1, 3] },
        { "components/groups", "collapsed", [2, 1, 3], [3, 1, 2] },
        { "components/groups", "visible", [2, 1, 3], [1, 3, 2] },
        // Incidents: Outage (1) by the admin, status 2 after its updates, visible, not stickied, 1 March; Blip (2) by the
        // member, status 1, hidden, stickied, 3 March; Slow (3) by the admin, status 2, visible, stickied, 2 March.
        { "incidents", "id", [1, 2, 3], [3, 2, 1] },
        { "incidents", "user_id", [1, 3, 2], [2, 1, 3] },
        { "incidents", "name", [2, 1, 3], [3, 1, 2] },
        { "incidents", "status", [2, 1, 3], [1, 3, 2] },
        { "incidents", "visible", [2, 1, 3], [1, 3, 2] },
        { "incidents", "stickied", [1, 2, 3], [2, 3, 1] },
        { "incidents", "message", [2, 1, 3], [3, 1, 2] },
        { "incidents", "occurred_at", [1, 3, 2], [2, 3, 1] },
        // Outage's updates: 1 by the admin, status 3; 2 by the member, status 1; 3 by the admin, status 2.
        { "incidents/{incident}/updates", "id", [1, 2, 3], [3, 2, 1] },
        { "incidents/{incident}/updates", "status", [2, 3, 1], [1, 3, 2] },
        { "incidents/{incident}/updates", "user_id", [1, 3, 2], [2, 1, 3] },
        // Templates: Second (1), First (2), Third (3).
        { "incidents/templates", "id", [1, 2, 3], [3, 2, 1] },
        { "incidents/templates", "name", [2, 1, 3], [3, 1, 2] },
        { "incidents/templates", "slug", [2, 1, 3], [3, 1, 2] },
        // Metrics: Rps (1) default 5, calc 0, order 2, visible 1, chart; Errors (2) default 1, calc 1, order 3, visible 0,
        // no chart; Latency (3) default 9, calc 0, order 1, visible 2, chart.
        { "metrics", "id", [1, 2, 3], [3, 2, 1] },
        { "metrics", "name", [2, 3, 1], [1, 3, 2] },
        { "metrics", "display_chart", [2, 1, 3], [1, 3, 2] },
        { "metrics", "default_value", [2, 1, 3], [3, 1, 2] },
        { "metrics", "calc_type", [1, 3, 2], [2, 1, 3] },
        { "metrics", "order", [3, 1, 2], [2, 1, 3] },
        { "metrics", "visible", [2, 1, 3], [3, 1, 2] },
        // Schedules, made a minute apart: Upgrade (1) status 0, 12 April, not completed; Patch (2) status 2, 10 April,
        // completed; Move (3) status 1, 11 April, not completed.
        { "schedules", "id", [1, 2, 3], [3, 2, 1] },
        { "schedules", "name", [3, 2, 1], [1, 2, 3] },
        { "schedules", "status", [1, 3, 2], [2, 3, 1] },
        { "schedules", "scheduled_at", [2, 3, 1], [1, 3, 2] },
        { "schedules", "completed_at", [1, 3, 2], [2, 1, 3] },
        { "schedules", "created_at", [1, 2, 3], [3, 2, 1] },
        { "schedules", "updated_at", [1, 2, 3], [3, 2, 1] },
    };

    [Theory]
    [MemberData(nameof(Sorts))]
    public async Task EachSortOrdersAscendingByDefaultAndDescendingWhenAsked(string list, string field, int[] ascending, int[] descending)
    {
        using var client = seeded.CachetClient();
        list = list.Replace("{incident}", seeded.IncidentId.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

        Assert.Equal(ascending, (await ItemsAsync(client, list, $"sort={field}")).Select(i => i.Id()));
        Assert.Equal(descending, (await ItemsAsync(client, list, $"sort={field}&order=desc")).Select(i => i.Id()));
    }

    [Fact]
    public async Task UnknownSortFieldsAndFilterKeysAreIgnored()
    {
        using var client = seeded.CachetClient();
        Assert.Equal([1, 2, 3], (await ItemsAsync(client, "components", "")).Select(i => i.Id()));
        Assert.Equal([1, 2, 3], (await ItemsAsync(client, "components", "sort=password&order=desc&description=x&page=1")).Select(i => i.Id()));
    }

    private async Task<List<JsonNode>> ItemsAsync(HttpClient client, string list, string query)
    {
        var body = await (await client.GetAsync($"{seeded.Path}/{list}?{query}")).ReadJsonAsync();
        return body["data"]!.AsArray().Select(i => i!).ToList();
    }

    private static string Text(JsonNode? node) => node switch
    {
        null => "",
        JsonValue v when v.GetValueKind() is JsonValueKind.True => "1",
        JsonValue v when v.GetValueKind() is JsonValueKind.False => "0",
        JsonValue v => v.ToString(),
        _ => node.ToJsonString(),
    };
}
