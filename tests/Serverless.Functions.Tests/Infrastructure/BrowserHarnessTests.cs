using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

// Not Serverless.Functions.Tests.Browser, the folder's name: a namespace of that name would hide the Browser class from
// every test namespace beside it (StatusPage tests would find the namespace first).
namespace Serverless.Functions.Tests.Infrastructure;

/// <summary>The browser harness itself, so a failing page test points at the page and not at the harness.</summary>
public sealed class BrowserHarnessTests(KestrelApiFixture api) : IClassFixture<KestrelApiFixture>
{
    private const string Page = """
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Harness page</title></head>
        <body>
          <h1>All systems operational</h1>
          <svg width="40" height="12" role="img"><rect width="40" height="12" fill="#2b8a3e"/></svg>
          <button id="more" onclick="document.getElementById('state').textContent = 'Details shown'">More</button>
          <p id="state">Details hidden</p>
        </body>
        </html>
        """;

    [Fact]
    public async Task AVisitSeesThePageAfterItsClicksAndSavesAScreenshot()
    {
        await using var server = await LocalHttpServer.StartAsync(app => app.MapGet("/", () => Results.Content(Page, "text/html; charset=utf-8")));

        var visit = await Browser.VisitAsync(server.Url, "harness-clicked", new BrowserOptions
        {
            Click = ["#more"],
            Count = ["svg", "button", ".missing"],
        });

        Assert.Equal(200, visit.Status);
        Assert.Equal("Harness page", visit.Title);
        Assert.Contains("All systems operational", visit.Text, StringComparison.Ordinal);
        Assert.Contains("Details shown", visit.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("Details hidden", visit.Text, StringComparison.Ordinal);
        Assert.Contains("<svg", visit.Html, StringComparison.Ordinal);
        Assert.Equal(1, visit.Counts["svg"]);
        Assert.Equal(1, visit.Counts["button"]);
        Assert.Equal(0, visit.Counts[".missing"]);
        Assert.Empty(visit.ConsoleErrors);
        Assert.True(new FileInfo(visit.ScreenshotPath).Length > 0);
    }

    [Fact]
    public async Task ScriptErrorsOfThePageAreReported()
    {
        await using var server = await LocalHttpServer.StartAsync(app => app.MapGet("/", () => Results.Content(
            "<!doctype html><title>Broken</title><p>Half a page</p><script>window.notAFunction();</script>", "text/html")));

        var visit = await Browser.VisitAsync(server.Url, "harness-script-error", new BrowserOptions { Phone = true });

        Assert.Contains(visit.ConsoleErrors, e => e.Contains("notAFunction", StringComparison.Ordinal));
        Assert.Contains("Half a page", visit.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMissingElementToClickFailsWithTheBrowsersReason()
    {
        await using var server = await LocalHttpServer.StartAsync(app => app.MapGet("/", () => Results.Content(Page, "text/html")));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Browser.VisitAsync(server.Url, "harness-missing",
            new BrowserOptions { Click = ["#nowhere"], StepTimeout = TimeSpan.FromSeconds(5) }));

        Assert.Contains("#nowhere", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheAppServedOnKestrelIsReachableByTheBrowser()
    {
        Assert.Equal("127.0.0.1", api.BaseUrl.Host);
        Assert.NotEqual(0, api.BaseUrl.Port);

        var visit = await Browser.VisitAsync(api.UrlOf("/"), "app-root-index");

        Assert.Equal(200, visit.Status);
        Assert.Contains("\"surfaces\"", visit.Text, StringComparison.Ordinal);
        Assert.Contains("serverless-ops-backend", visit.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheFixturesClientsStillWorkOverTheSocket()
    {
        using var admin = api.AdminClient();
        Assert.Equal(api.BaseUrl, admin.BaseAddress);
        var me = await (await admin.GetAsync("/v2/users/me")).ReadJsonAsync();
        Assert.Equal(api.AdminEmail, me["data"]!["attributes"]!["email"]!.GetValue<string>());
    }
}
