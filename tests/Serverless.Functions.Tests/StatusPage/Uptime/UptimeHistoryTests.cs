using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Functions.StatusPage;
using Serverless.Functions.Tests.Infrastructure;
using Serverless.Functions.Tests.StatusPage.Cachet;

namespace Serverless.Functions.Tests.StatusPage.Uptime;

/// <summary>
/// Uptime bars from a known history on a fake clock: four UTC days with a major outage, a partial outage through an
/// incident, a maintenance window and degraded performance; then the bars as a browser shows them.
/// </summary>
public sealed class UptimeHistoryTests(UptimeHistoryTests.History history) : IClassFixture<UptimeHistoryTests.History>
{
    /// <summary>One page whose component "API" lived through the four days below; the clock stops at noon of the fourth.</summary>
    public sealed class History : KestrelApiFixture, IAsyncLifetime
    {
        protected override bool UsesFakeTime => true;

        public string Slug { get; } = "uptime-" + Guid.NewGuid().ToString("N")[..8];

        public int ComponentId { get; private set; }

        public int QuietId { get; private set; }

        public DateOnly Day0 { get; private set; }

        async Task IAsyncLifetime.InitializeAsync()
        {
            await InitializeAsync();
            var path = $"/pages/{Slug}/api/v1";
            await CachetApiTests.NewPageAsync(this, Slug);
            var start = Clock.GetUtcNow().UtcDateTime.Date.AddDays(1);
            Day0 = DateOnly.FromDateTime(start);
            Clock.SetUtcNow(new DateTimeOffset(start, TimeSpan.Zero));
            using var client = this.CachetClient();
            ComponentId = (await client.PostDataAsync($"{path}/components", new { name = "API", status = 1 })).Id();
            QuietId = (await client.PostDataAsync($"{path}/components", new { name = "Quiet", status = 1 })).Id();

            // Day 0: a major outage from 06:00 to 12:00.
            await At(start.AddHours(6), () => client.PutAsJsonAsync($"{path}/components/{ComponentId}", new { status = 4 }));
            await At(start.AddHours(12), () => client.PutAsJsonAsync($"{path}/components/{ComponentId}", new { status = 1 }));
            // Day 1: a partial outage, from an incident at 12:00 to its fixing update at 18:00.
            var incident = await At(start.AddHours(36), () => client.PostAsJsonAsync($"{path}/incidents",
                new { name = "Slow writes", message = "Looking", status = 1, component_id = ComponentId, component_status = 3 }));
            var incidentId = (await incident.ReadJsonAsync())["data"]!.Id();
            await At(start.AddHours(42), () => client.PostAsJsonAsync($"{path}/incidents/{incidentId}/updates",
                new { status = 4, message = "Fixed", component_id = ComponentId, component_status = 1 }));
            // Day 2: maintenance from 06:00 to 12:00, in Major Outage meanwhile, which is not downtime.
            await client.PostDataAsync($"{path}/schedules", new
            {
                name = "Upgrade", status = 0, scheduled_at = Text(start.AddHours(54)), completed_at = Text(start.AddHours(60)),
                components = new Dictionary<string, int> { [ComponentId.ToString(CultureInfo.InvariantCulture)] = 4 },
            });
            var job = Services.GetRequiredService<MaintenanceProgress>();
            await At(start.AddHours(54), async () => { await job.RunAsync(CancellationToken.None); return new HttpResponseMessage(); });
            await At(start.AddHours(60), async () => { await job.RunAsync(CancellationToken.None); return new HttpResponseMessage(); });
            // Day 3: degraded performance from midnight; the clock stops at noon.
            await At(start.AddHours(72), () => client.PutAsJsonAsync($"{path}/components/{ComponentId}", new { status = 2 }));
            Clock.SetUtcNow(new DateTimeOffset(start.AddHours(84), TimeSpan.Zero));
        }

        private async Task<HttpResponseMessage> At(DateTime when, Func<Task<HttpResponseMessage>> act)
        {
            Clock.SetUtcNow(new DateTimeOffset(when, TimeSpan.Zero));
            var response = await act();
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            return response;
        }

        private static string Text(DateTime when) => when.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task EachDayShowsItsWorstStatusAndUptimeWithMaintenanceLeftOut()
    {
        using var guest = history.AnonymousClient();
        var uptime = (await (await guest.GetAsync($"/pages/{history.Slug}/api/v1/components/{history.ComponentId}/uptime")).ReadJsonAsync())["data"]!;
        Assert.Equal(90, uptime["days"]!.GetValue<int>());
        // 78 counted hours (maintenance's 6 left out), of which 6 down and 6 at 30%: 70.2 / 78.
        Assert.Equal(90.00m, uptime["uptime"]!.GetValue<decimal>());
        var days = uptime["history"]!.AsArray();
        Assert.Equal(90, days.Count);
        Assert.Equal(history.Day0.AddDays(-86).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), days[0]!["date"]!.GetValue<string>());
        Assert.Null(days[0]!["status"]);
        Assert.Null(days[85]!["uptime"]);

        AssertDay(days[86]!, history.Day0, 4, 75.00m, maintenance: false);
        Assert.Equal(6 * 3600, days[86]!["major_outage_seconds"]!.GetValue<long>());
        AssertDay(days[87]!, history.Day0.AddDays(1), 3, 92.50m, maintenance: false);
        Assert.Equal("Slow writes", Assert.Single(days[87]!["incidents"]!.AsArray())!["name"]!.GetValue<string>());
        AssertDay(days[88]!, history.Day0.AddDays(2), 1, 100m, maintenance: true);
        Assert.Equal(6 * 3600, days[88]!["maintenance_seconds"]!.GetValue<long>());
        AssertDay(days[89]!, history.Day0.AddDays(3), 2, 100m, maintenance: false);
        Assert.Equal(12 * 3600, days[89]!["performance_issues_seconds"]!.GetValue<long>());

        // Created, 4, 1, 3 (incident), 1 (its update), 4 and 1 (maintenance), 2: who made them shows only to the page's users.
        var changes = uptime["changes"]!.AsArray();
        Assert.Equal([1, 4, 1, 3, 1, 4, 1, 2], changes.Select(c => c!["to"]!.GetValue<int>()));
        Assert.Equal(["api", "api", "api", "incident", "incident", "maintenance", "maintenance", "api"],
            changes.Select(c => c!["cause"]!.GetValue<string>().Split(':')[0]));
        Assert.All(changes, c => Assert.Null(c!["user_id"]));
        using var staff = history.CachetClient();
        var seen = (await staff.GetAsync($"/pages/{history.Slug}/api/v1/components/{history.ComponentId}/uptime").DataAsync())["changes"]!.AsArray();
        Assert.False(string.IsNullOrEmpty(seen[1]!["user_id"]!.GetValue<string>()));
        Assert.Null(seen[5]!["user_id"]);

        var week = (await (await guest.GetAsync($"/pages/{history.Slug}/api/v1/components/{history.ComponentId}/uptime?days=2")).ReadJsonAsync())["data"]!;
        Assert.Equal(2, week["history"]!.AsArray().Count);
        Assert.Equal(100m, week["uptime"]!.GetValue<decimal>());
    }

    [Fact]
    public async Task TheUptimeReadRefusesABadDayCountAndAnotherPagesComponent()
    {
        using var guest = history.AnonymousClient();
        var error = await (await guest.GetAsync($"/pages/{history.Slug}/api/v1/components/{history.ComponentId}/uptime?days=91")).AssertValidationAsync();
        Assert.Contains(error, d => d.Contains("days", StringComparison.Ordinal));
        await (await guest.GetAsync($"/pages/{history.Slug}/api/v1/components/9999/uptime")).AssertCachetErrorAsync(404);
        var (other, _) = await CachetApiTests.NewPageAsync(history);
        await (await guest.GetAsync($"{other}/components/{history.ComponentId}/uptime")).AssertCachetErrorAsync(404);
    }

    [Fact]
    public async Task TheBarsShowInChromiumAndOnAPhoneATapShowsTheDay()
    {
        var desktop = await Browser.VisitAsync(history.UrlOf($"/pages/{history.Slug}"), "status-uptime-bars-desktop",
            new BrowserOptions { Count = [".uptime .cell:visible", ".uptime .cell.u4", ".uptime .cell.u3", ".uptime .cell.um", ".uptime .cell.u2"] });
        Assert.Equal(200, desktop.Status);
        Assert.Empty(desktop.ConsoleErrors);
        Assert.Equal(180, desktop.Counts[".uptime .cell:visible"]); // two components, 90 days each
        Assert.Equal(1, desktop.Counts[".uptime .cell.u4"]);
        Assert.Equal(1, desktop.Counts[".uptime .cell.u3"]);
        Assert.Equal(1, desktop.Counts[".uptime .cell.um"]);
        Assert.Equal(1, desktop.Counts[".uptime .cell.u2"]);
        Assert.Contains("90.00 % uptime", desktop.Text);
        Assert.Contains("100.00 % uptime", desktop.Text); // the quiet component
        Assert.Contains("90 days ago", desktop.Text);

        var day1 = history.Day0.AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var phone = await Browser.VisitAsync(history.UrlOf($"/pages/{history.Slug}"), "status-uptime-bars-phone", new BrowserOptions
        {
            Phone = true,
            Click = [$"li[data-status='2'] .cell[data-date='{day1}']"],
            Count = [".uptime .cell:visible", ".tip:visible"],
        });
        Assert.Empty(phone.ConsoleErrors);
        Assert.Equal(60, phone.Counts[".uptime .cell:visible"]); // the last 30 days of each
        Assert.Equal(1, phone.Counts[".tip:visible"]);
        Assert.Contains("92.50 % uptime", phone.Text);
        Assert.Contains("Partial Outage", phone.Text);
        Assert.Contains("Slow writes", phone.Text);
        Assert.Contains("30 days ago", phone.Text);
    }

    private static void AssertDay(JsonNode day, DateOnly date, int worst, decimal uptime, bool maintenance)
    {
        Assert.Equal(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), day["date"]!.GetValue<string>());
        Assert.Equal(worst, day["status"]!.GetValue<int>());
        Assert.Equal(uptime, day["uptime"]!.GetValue<decimal>());
        Assert.Equal(maintenance, day["maintenance"]!.GetValue<bool>());
    }
}
