using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Serverless.Functions.Tests.Infrastructure;
using Serverless.Functions.Tests.StatusPage.Cachet;
using static Serverless.Functions.Tests.Infrastructure.JsonApiAssertions;

namespace Serverless.Functions.Tests.StatusPage;

/// <summary>A page's branding, set through /v2/status-pages and shown on the page; private pages; the monthly history.</summary>
public sealed class BrandingAndPrivacyTests(KestrelApiFixture api) : IClassFixture<KestrelApiFixture>
{
    private static StringContent Patch(string id, object attributes) => Json(new { data = new { type = "status-page", id, attributes } });

    private async Task<(string Slug, string Id)> NewPageAsync()
    {
        var slug = "brand-" + Guid.NewGuid().ToString("N")[..8];
        var (_, id) = await CachetApiTests.NewPageAsync(api, slug);
        return (slug, id);
    }

    [Fact]
    public async Task BrandingSetThroughTheApiShowsOnThePageAndInItsJson()
    {
        var (slug, id) = await NewPageAsync();
        using var client = api.CachetClient();
        var component = await client.PostDataAsync($"/pages/{slug}/api/v1/components", new { name = "Checkout", status = 1 });
        var logo = api.UrlOf($"/pages/{slug}/components/{component.Id()}/shield").AbsoluteUri;
        using var admin = api.AdminClient();
        var patched = await (await admin.PatchAsync($"/v2/status-pages/{id}", Patch(id, new
        {
            name = "Acme Cloud", logo_url = logo, accent_color = "#7B2CBF", about = "We run **Acme Cloud**.\n\nSee [the docs](https://docs.example.com).",
            support_url = "https://support.example.com/", time_zone = "Europe/Paris",
        }))).ReadJsonAsync();
        var attributes = patched["data"]!["attributes"]!;
        Assert.Equal("#7b2cbf", attributes["accent_color"]!.GetValue<string>());
        Assert.Equal("Europe/Paris", attributes["time_zone"]!.GetValue<string>());
        Assert.Equal(logo, attributes["logo_url"]!.GetValue<string>());
        Assert.False(attributes["private"]!.GetValue<bool>());

        using var guest = api.AnonymousClient();
        var html = await guest.GetStringAsync($"/pages/{slug}");
        Assert.Contains($"<img class=\"logo\" src=\"{logo}\"", html);
        Assert.Contains(":root{--b:#7b2cbf}", html);
        Assert.Contains("<strong>Acme Cloud</strong>", html);
        Assert.Contains("href=\"https://support.example.com/\"", html);
        Assert.Contains("Times are Europe/Paris", html);
        var json = await (await guest.GetAsync($"/pages/{slug}/api/v2/components.json")).ReadJsonAsync();
        Assert.Equal("Europe/Paris", json["page"]!["time_zone"]!.GetValue<string>());
        Assert.Equal("Acme Cloud", json["page"]!["name"]!.GetValue<string>());
        Assert.Matches(@"\+0[12]:00$", json["components"]![0]!["created_at"]!.GetValue<string>());

        var visit = await Browser.VisitAsync(api.UrlOf($"/pages/{slug}"), "status-branding-desktop", new BrowserOptions { Count = ["header img.logo", "section.about strong"] });
        Assert.Empty(visit.ConsoleErrors);
        Assert.Equal(1, visit.Counts["header img.logo"]);
        Assert.Equal(1, visit.Counts["section.about strong"]);
        Assert.Contains("Support", visit.Text);
        var phone = await Browser.VisitAsync(api.UrlOf($"/pages/{slug}"), "status-branding-phone", new BrowserOptions { Phone = true });
        Assert.Contains("We run Acme Cloud.", phone.Text);

        // "" takes a field back to none.
        var cleared = await (await admin.PatchAsync($"/v2/status-pages/{id}", Patch(id, new { accent_color = "", time_zone = "" }))).ReadJsonAsync();
        Assert.Null(cleared["data"]!["attributes"]!["accent_color"]);
        Assert.Equal("UTC", cleared["data"]!["attributes"]!["time_zone"]!.GetValue<string>());
    }

    [Fact]
    public async Task BadBrandingIsRefusedNamingTheFieldAndOnlyTheTenantsAdminsMayBrand()
    {
        var (slug, id) = await NewPageAsync();
        using var admin = api.AdminClient();
        foreach (var (field, value) in new (string, object)[]
                 {
                     ("accent_color", "purple"), ("time_zone", "Mars/Olympus"), ("logo_url", "javascript:alert(1)"), ("support_url", "ftp://example.com"),
                     ("about", new string('a', 10_001)),
                 })
        {
            var error = await (await admin.PatchAsync($"/v2/status-pages/{id}", Patch(id, new Dictionary<string, object> { [field] = value }))).AssertErrorAsync(400);
            Assert.Contains(field, error.ToJsonString());
        }
        await (await admin.PatchAsync($"/v2/status-pages/{id}", Patch(id, new { @private = "yes" }))).AssertErrorAsync(400);
        Assert.DoesNotContain("purple", await api.AnonymousClient().GetStringAsync($"/pages/{slug}"));

        var stranger = await api.CreateOtherTenantAdminAsync();
        await (await api.ClientFor(stranger).PatchAsync($"/v2/status-pages/{id}", Patch(id, new { accent_color = "#000000" }))).AssertErrorAsync(404);
        var member = await api.CreateUserAsync();
        await (await api.ClientFor(member).PatchAsync($"/v2/status-pages/{id}", Patch(id, new { accent_color = "#000000" }))).AssertErrorAsync(403);
    }

    [Fact]
    public async Task APrivatePageRefusesViewersWithoutAKeyInItsApiJsonAndHtml()
    {
        var (slug, id) = await NewPageAsync();
        using var client = api.CachetClient();
        await client.PostDataAsync($"/pages/{slug}/api/v1/components", new { name = "Internal API", status = 1 });
        using var admin = api.AdminClient();
        var patched = await (await admin.PatchAsync($"/v2/status-pages/{id}", Patch(id, new { @private = true }))).ReadJsonAsync();
        Assert.True(patched["data"]!["attributes"]!["private"]!.GetValue<bool>());

        using var guest = api.AnonymousClient();
        await (await guest.GetAsync($"/pages/{slug}/api/v1/components")).AssertCachetErrorAsync(401);
        await (await guest.GetAsync($"/pages/{slug}/api/v2/summary.json")).AssertCachetErrorAsync(401);
        var html = await guest.GetAsync($"/pages/{slug}");
        Assert.Equal(HttpStatusCode.Unauthorized, html.StatusCode);
        Assert.StartsWith("Basic", html.Headers.WwwAuthenticate.ToString());
        Assert.DoesNotContain("Internal API", await html.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, (await guest.GetAsync($"/pages/{slug}/feed.atom")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await guest.GetAsync($"/pages/{slug}/history")).StatusCode);

        var stranger = await api.CreateOtherTenantAdminAsync();
        using var other = api.CachetClient(stranger.ApiKey);
        await (await other.GetAsync($"/pages/{slug}/api/v1/components")).AssertCachetErrorAsync(401);
        using var otherBrowser = api.AnonymousClient();
        otherBrowser.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{stranger.Email}:{stranger.ApiKey}")));
        Assert.Equal(HttpStatusCode.Unauthorized, (await otherBrowser.GetAsync($"/pages/{slug}")).StatusCode);

        Assert.Single((await client.GetAsync($"/pages/{slug}/api/v1/components").DataAsync()).AsArray());
        var summary = await client.GetAsync($"/pages/{slug}/api/v2/summary.json");
        Assert.True(summary.Headers.CacheControl!.Private && summary.Headers.CacheControl.NoStore);
        using var browser = api.AnonymousClient();
        browser.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{api.AdminEmail}:{api.AdminKey}")));
        var seen = await browser.GetAsync($"/pages/{slug}");
        Assert.Equal(HttpStatusCode.OK, seen.StatusCode);
        Assert.Contains("Internal API", await seen.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task TheHistoryPageGoesBackMonthByMonth()
    {
        var (slug, _) = await NewPageAsync();
        using var client = api.CachetClient();
        await client.PostDataAsync($"/pages/{slug}/api/v1/incidents", new { name = "Login outage", message = "Fixed now", status = 4 });
        using var guest = api.AnonymousClient();
        var now = DateTime.UtcNow;
        var html = await guest.GetStringAsync($"/pages/{slug}/history");
        Assert.Contains("Login outage", html);
        Assert.Contains(now.ToString("MMMM yyyy", System.Globalization.CultureInfo.InvariantCulture), html);
        var previous = now.AddMonths(-1).ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"/pages/{slug}/history?month={previous}", html);
        var before = await guest.GetStringAsync($"/pages/{slug}/history?month={previous}");
        Assert.DoesNotContain("Login outage", before);
        Assert.Contains("No incidents reported this month.", before);
        Assert.Contains("rel=\"next\"", before);
        Assert.Equal(HttpStatusCode.BadRequest, (await guest.GetAsync($"/pages/{slug}/history?month=2026-13")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await guest.GetAsync("/pages/no-such-page/history")).StatusCode);
    }
}
