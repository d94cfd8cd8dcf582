using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests.StatusPage.Cachet;

/// <summary>Every filter and every sort of every Cachet list (spec §1.7), on one page seeded with varied items.</summary>
public sealed class CachetListTests(CachetListTests.SeededPage seeded) : IClassFixture<CachetListTests.SeededPage>
{
    /// <summary>Re-implements IAsyncLifetime so that xUnit runs the seeding after the app is ready.</summary>
    public sealed class SeededPage : ApiFixture, IAsyncLifetime
    {
        public string Path { get; private set; } = "";

        public int IncidentId { get; private set; }

        public new async Task InitializeAsync()
        {
            await base.InitializeAsync();
            (Path, _) = await CachetApiTests.NewPageAsync(this);
            using var admin = this.CachetClient();
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
                await admin.PostDataAsync($"{Path}/schedules", new { name, status, scheduled_at = $"2026-04-{day} 10:00", completed_at = done });
            }
        }
    }

    public static TheoryData<string, string> Filters => new()
    {
        { "components", "id" }, { "components", "name" }, { "components", "status" }, { "components", "group_id" }, { "components", "enabled" },
        { "components/groups", "id" }, { "components/groups", "name" }, { "components/groups", "collapsed" }, { "components/groups", "visible" },
        { "incidents", "id" }, { "incidents", "user_id" }, { "incidents", "component_id" }, { "incidents", "name" }, { "incidents", "status" },
        { "incidents", "visible" }, { "incidents", "stickied" },
    };

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task EachFilterMatchesExactlyTheItemsWithThatValue(string list, string field)
    {
        using var client = seeded.CachetClient();
        var all = await ItemsAsync(client, list, "");
        Assert.Equal(3, all.Count);
        foreach (var value in all.Select(i => Text(i[field])).Distinct())
        {
            var expected = all.Where(i => Text(i[field]) == value).Select(i => i.Id()).ToList();
            var filtered = await ItemsAsync(client, list, $"{field}={Uri.EscapeDataString(value)}&page=1");
            Assert.Equal(expected, filtered.Select(i => i.Id()));
        }
    }

    public static TheoryData<string, string> Sorts => new()
    {
        { "components", "id" }, { "components", "name" }, { "components", "status" }, { "components", "order" }, { "components", "group_id" }, { "components", "enabled" },
        { "components/groups", "id" }, { "components/groups", "name" }, { "components/groups", "order" }, { "components/groups", "collapsed" }, { "components/groups", "visible" },
        { "incidents", "id" }, { "incidents", "user_id" }, { "incidents", "name" }, { "incidents", "status" }, { "incidents", "visible" }, { "incidents", "stickied" },
        { "incidents", "message" }, { "incidents", "occurred_at" },
        { "incidents/{incident}/updates", "id" }, { "incidents/{incident}/updates", "status" }, { "incidents/{incident}/updates", "user_id" },
        { "incidents/templates", "id" }, { "incidents/templates", "name" }, { "incidents/templates", "slug" },
        { "metrics", "id" }, { "metrics", "name" }, { "metrics", "display_chart" }, { "metrics", "default_value" }, { "metrics", "calc_type" }, { "metrics", "order" },
        { "metrics", "visible" },
        { "schedules", "id" }, { "schedules", "name" }, { "schedules", "status" }, { "schedules", "scheduled_at" }, { "schedules", "completed_at" },
        { "schedules", "created_at" }, { "schedules", "updated_at" },
    };

    [Theory]
    [MemberData(nameof(Sorts))]
    public async Task EachSortOrdersAscendingByDefaultAndDescendingWhenAsked(string list, string field)
    {
        using var client = seeded.CachetClient();
        list = list.Replace("{incident}", seeded.IncidentId.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var ascending = (await ItemsAsync(client, list, $"sort={field}")).Select(i => i[field]).ToList();
        var descending = (await ItemsAsync(client, list, $"sort={field}&order=desc")).Select(i => i[field]).ToList();
        Assert.Equal(3, ascending.Count);
        Assert.Equal(ascending.Order(NodeOrder.Instance).Select(Text), ascending.Select(Text));
        Assert.Equal(descending.OrderDescending(NodeOrder.Instance).Select(Text), descending.Select(Text));
        if (ascending.Select(Text).Distinct().Count() > 1)
        {
            Assert.NotEqual(ascending.Select(Text), descending.Select(Text));
        }
    }

    [Fact]
    public async Task UnknownSortFieldsAndFilterKeysAreIgnored()
    {
        using var client = seeded.CachetClient();
        var plain = (await ItemsAsync(client, "components", "")).Select(i => i.Id());
        Assert.Equal(plain, (await ItemsAsync(client, "components", "sort=password&order=desc&description=x&page=1")).Select(i => i.Id()));
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

    /// <summary>Nulls first, numbers and booleans by value, text ordinally — the order Cachet's database gives.</summary>
    private sealed class NodeOrder : IComparer<JsonNode?>
    {
        public static readonly NodeOrder Instance = new();

        public int Compare(JsonNode? x, JsonNode? y)
        {
            if (x is null || y is null)
            {
                return (x is null ? 0 : 1) - (y is null ? 0 : 1);
            }
            var (a, b) = (Text(x), Text(y));
            return double.TryParse(a, CultureInfo.InvariantCulture, out var m) && double.TryParse(b, CultureInfo.InvariantCulture, out var n) ? m.CompareTo(n) : string.CompareOrdinal(a, b);
        }
    }
}
