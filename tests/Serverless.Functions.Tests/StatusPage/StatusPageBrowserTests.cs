using System.Net.Http.Json;
using Serverless.Functions.Tests.Infrastructure;
using Serverless.Functions.Tests.StatusPage.Cachet;

namespace Serverless.Functions.Tests.StatusPage;

/// <summary>The public page in real headless Chromium: what a visitor sees, on a desktop and on a phone.</summary>
public sealed class StatusPageBrowserTests(KestrelApiFixture api) : IClassFixture<KestrelApiFixture>
{
    [Fact]
    public async Task AVisitorSeesComponentsIncidentsMaintenanceAndCharts()
    {
        using var client = api.CachetClient();
        var group = await client.PostDataAsync("/api/v1/components/groups", new { name = "Platform", visible = 1, collapsed = 2 });
        await client.PostDataAsync("/api/v1/components", new { name = "Website", status = 1, group_id = group.Id(), description = "The public site" });
        var api1 = await client.PostDataAsync("/api/v1/components", new { name = "Public API", status = 1, group_id = group.Id() });
        await client.PostDataAsync("/api/v1/components", new { name = "Email", status = 2 });
        var incident = await client.PostDataAsync("/api/v1/incidents", new
        {
            name = "Elevated API errors", message = "Some requests **fail**.", status = 2, component_id = api1.Id(), component_status = 3,
        });
        await client.PostDataAsync($"/api/v1/incidents/{incident.Id()}/updates", new { status = 3, message = "A fix is out; we are watching." });
        var soon = DateTime.UtcNow.AddDays(2).ToString("yyyy-MM-dd HH:mm");
        await client.PostDataAsync("/api/v1/schedules", new { name = "Database upgrade", message = "Brief read-only period.", status = 0, scheduled_at = soon });
        var metric = await client.PostDataAsync("/api/v1/metrics", new { name = "Response time", suffix = "ms", default_value = 0, default_view = 0 });
        foreach (var value in new[] { 120, 180, 95 })
        {
            await client.PostDataAsync($"/api/v1/metrics/{metric.Id()}/points", new { value, timestamp = DateTimeOffset.UtcNow.AddMinutes(-value / 10).ToUnixTimeSeconds() });
        }

        var visit = await Browser.VisitAsync(api.UrlOf("/status"), "status-page-desktop", new BrowserOptions { Count = [".component", "figure.metric svg", "details.group[open]"] });
        Assert.Equal(200, visit.Status);
        Assert.Empty(visit.ConsoleErrors);
        Assert.Equal("Status", visit.Title);
        foreach (var seen in new[] { "Some systems are experiencing issues", "Platform", "Website", "Operational", "Public API", "Partial Outage", "Email",
                     "Performance Issues", "Elevated API errors", "Watching", "A fix is out; we are watching.", "Maintenance", "Database upgrade", "Response time", "Past Incidents" })
        {
            Assert.Contains(seen, visit.Text);
        }
        Assert.Equal(3, visit.Counts[".component"]);
        Assert.Equal(4, visit.Counts["figure.metric svg"]);
        Assert.Equal(1, visit.Counts["details.group[open]"]); // collapsed 2: open, as a member has trouble
        Assert.True(File.Exists(visit.ScreenshotPath));

        var phone = await Browser.VisitAsync(api.UrlOf($"/status/incidents/{incident.Id()}"), "status-incident-phone", new BrowserOptions { Phone = true });
        Assert.Equal("Elevated API errors | Status", phone.Title);
        Assert.Contains("A fix is out; we are watching.", phone.Text);
        Assert.Empty(phone.ConsoleErrors);
    }

    [Fact]
    public async Task AVisitorSeesAComponentsNewStatusOnTheNextVisitThoughTheLastOneWasCached()
    {
        var slug = "spike-" + Guid.NewGuid().ToString("N")[..8];
        var (path, _) = await CachetApiTests.NewPageAsync(api, slug);
        using var client = api.CachetClient();
        var checkout = await client.PostDataAsync($"{path}/components", new { name = "Checkout", status = 1 });
        var before = await Browser.VisitAsync(api.UrlOf($"/pages/{slug}"), "status-page-before-write", new BrowserOptions());
        Assert.Contains("Checkout", before.Text);
        Assert.DoesNotContain("Major Outage", before.Text);

        (await client.PutAsJsonAsync($"{path}/components/{checkout.Id()}", new { status = 4 })).EnsureSuccessStatusCode();
        var after = await Browser.VisitAsync(api.UrlOf($"/pages/{slug}"), "status-page-after-write", new BrowserOptions());
        Assert.Equal(200, after.Status);
        Assert.Contains("Major Outage", after.Text);
    }

    [Fact]
    public async Task ChoosingAnotherChartViewShowsThatView()
    {
        using var client = api.CachetClient();
        var metric = await client.PostDataAsync("/api/v1/metrics", new { name = "Queue depth", suffix = " jobs", default_value = 0, default_view = 1 });
        await client.PostAsJsonAsync($"/api/v1/metrics/{metric.Id()}/points", new { value = 3 });
        var visit = await Browser.VisitAsync(api.UrlOf("/status"), "status-page-week-view",
            new BrowserOptions { Select = [($"#metric-{metric.Id()} select", "2")], Count = [$"#metric-{metric.Id()} svg[data-view='2']:not([style*='none'])"] });
        Assert.Equal(1, visit.Counts[$"#metric-{metric.Id()} svg[data-view='2']:not([style*='none'])"]);
    }
}
