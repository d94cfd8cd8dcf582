using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Azure;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Mvc.Testing;
using Serverless.Functions.Tests.Infrastructure;
using Serverless.Functions.Tests.StatusPage.Cachet;
using static Serverless.Functions.Tests.Infrastructure.JsonApiAssertions;

namespace Serverless.Functions.Tests.StatusPage;

/// <summary>
/// The output cache of the status pages' guest reads (docs/decisions/0027): a write is seen by the next read of every
/// view, pages never see each other's data, keys and private pages never share a cached view, and every guest view has
/// an ETag and a public Cache-Control.
/// </summary>
public sealed class StatusPageCacheTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private const string PublicPolicy = "public, max-age=5, stale-while-revalidate=15";

    private sealed record Page(string Slug, string Id, int ComponentId)
    {
        public string Html => $"/pages/{Slug}";

        public string Cachet => $"/pages/{Slug}/api/v1/components";

        public string Statuspage => $"/pages/{Slug}/api/v2/components.json";

        public IEnumerable<string> Views => [Html, Cachet, Statuspage, $"/pages/{Slug}/api/v2/summary.json", $"/pages/{Slug}/api/v1/status"];
    }

    /// <summary>A page of the bootstrap tenant with one component, named as given.</summary>
    private async Task<Page> NewPageAsync(string component)
    {
        var slug = "cache-" + Guid.NewGuid().ToString("N")[..8];
        var (path, id) = await CachetApiTests.NewPageAsync(api, slug);
        using var client = api.CachetClient();
        var created = await client.PostDataAsync($"{path}/components", new { name = component, status = 1 });
        return new Page(slug, id, created.Id());
    }

    private static async Task<string> ReadAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private static void AssertPrivate(HttpResponseMessage response) =>
        Assert.True(response.Headers.CacheControl is { Private: true, NoStore: true, Public: false }, $"Cache-Control: {response.Headers.CacheControl}");

    /// <summary>Renames the component in storage itself, as no write path would: only an uncached read can see it.</summary>
    private async Task RenameBehindTheAppsBackAsync(Page page, string name)
    {
        var items = api.Storage.Table("StatusItems");
        await items.UpdateEntityAsync(new TableEntity(page.Id, $"component-{page.ComponentId:D10}") { ["Name"] = name }, ETag.All, TableUpdateMode.Merge);
    }

    [Fact]
    public async Task AComponentStatusWriteIsSeenByTheNextReadOfTheHtmlAndBothJsons()
    {
        var page = await NewPageAsync("Checkout");
        using var guest = api.AnonymousClient();
        Assert.Contains("Operational", await ReadAsync(guest, page.Html));
        Assert.Contains("\"status\":1", await ReadAsync(guest, page.Cachet));
        Assert.Contains("\"status\":\"operational\"", await ReadAsync(guest, page.Statuspage));
        // Served from memory now: storage changed behind the app's back is not seen.
        await RenameBehindTheAppsBackAsync(page, "Renamed");
        Assert.DoesNotContain("Renamed", await ReadAsync(guest, page.Cachet));

        using var client = api.CachetClient();
        await client.PutAsJsonAsync($"/pages/{page.Slug}/api/v1/components/{page.ComponentId}", new { status = 4 }).DataAsync();

        var html = await ReadAsync(guest, page.Html);
        Assert.Contains("Major Outage", html);
        Assert.Contains("Renamed", html);
        Assert.Contains("\"status\":4", await ReadAsync(guest, page.Cachet));
        Assert.Contains("\"status\":\"major_outage\"", await ReadAsync(guest, page.Statuspage));
        Assert.Contains("\"indicator\":\"critical\"", await ReadAsync(guest, $"/pages/{page.Slug}/api/v2/status.json"));
    }

    [Fact]
    public async Task EveryKindOfWriteToThePageIsSeenByTheNextRead()
    {
        var page = await NewPageAsync("Search");
        using var guest = api.AnonymousClient();
        using var client = api.CachetClient();
        var api1 = $"/pages/{page.Slug}/api/v1";
        Assert.DoesNotContain("Index rebuild", await ReadAsync(guest, page.Html));

        var incident = await client.PostDataAsync($"{api1}/incidents", new { name = "Index rebuild", message = "Searching is slow.", status = 1, visible = 1 });
        Assert.Contains("Index rebuild", await ReadAsync(guest, page.Html));
        Assert.Contains("Index rebuild", await ReadAsync(guest, $"{api1}/incidents"));
        await client.PostDataAsync($"{api1}/incidents/{incident.Id()}/updates", new { status = 4, message = "Rebuilt and fast again." });
        Assert.Contains("Rebuilt and fast again.", await ReadAsync(guest, page.Html));

        var group = await client.PostDataAsync($"{api1}/components/groups", new { name = "Backend", visible = 1 });
        Assert.Contains("Backend", await ReadAsync(guest, $"{api1}/components/groups"));
        await client.PutAsJsonAsync($"{api1}/components/groups/{group.Id()}", new { name = "Back office" }).DataAsync();
        Assert.Contains("Back office", await ReadAsync(guest, $"{api1}/components/groups"));

        var soon = DateTime.UtcNow.AddDays(2).ToString("yyyy-MM-dd HH:mm");
        await client.PostDataAsync($"{api1}/schedules", new { name = "Disk swap", message = "Read-only for a while.", status = 0, scheduled_at = soon });
        Assert.Contains("Disk swap", await ReadAsync(guest, page.Html));

        var metric = await client.PostDataAsync($"{api1}/metrics", new { name = "Latency", suffix = "ms", default_value = 0 });
        Assert.Equal("[]", (await guest.GetAsync($"{api1}/metrics/{metric.Id()}/points").DataAsync()).ToJsonString());
        await client.PostDataAsync($"{api1}/metrics/{metric.Id()}/points", new { value = 42 });
        Assert.Single((await guest.GetAsync($"{api1}/metrics/{metric.Id()}/points").DataAsync()).AsArray());

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"{api1}/components/{page.ComponentId}")).StatusCode);
        Assert.DoesNotContain("Search", await ReadAsync(guest, page.Cachet));

        using var admin = api.AdminClient();
        (await admin.PatchAsync($"/v2/status-pages/{page.Id}", Json(new { data = new { type = "status-page", id = page.Id, attributes = new { name = "Finders Keepers" } } })))
            .EnsureSuccessStatusCode();
        Assert.Contains("Finders Keepers", await ReadAsync(guest, page.Html));
    }

    [Fact]
    public async Task AWriteToOnePageDoesNotServeAnotherPagesData()
    {
        var a = await NewPageAsync("Alpha service");
        var b = await NewPageAsync("Beta service");
        using var guest = api.AnonymousClient();
        foreach (var path in a.Views.Concat(b.Views))
        {
            await ReadAsync(guest, path);
        }
        using var client = api.CachetClient();
        await client.PutAsJsonAsync($"/pages/{a.Slug}/api/v1/components/{a.ComponentId}", new { name = "Alpha renamed", status = 3 }).DataAsync();

        foreach (var path in b.Views.Take(3))
        {
            var body = await ReadAsync(guest, path);
            Assert.Contains("Beta service", body);
            Assert.DoesNotContain("Alpha", body);
        }
        Assert.Contains("\"indicator\":\"none\"", await ReadAsync(guest, b.Statuspage.Replace("components.json", "status.json")));
        foreach (var path in a.Views.Take(3))
        {
            var body = await ReadAsync(guest, path);
            Assert.Contains("Alpha renamed", body);
            Assert.DoesNotContain("Beta", body);
        }
    }

    [Fact]
    public async Task APrivatePageIsNeverServedFromTheCacheToAGuest()
    {
        var page = await NewPageAsync("Internal billing");
        using var guest = api.AnonymousClient();
        foreach (var path in page.Views)
        {
            Assert.Contains("\"", await ReadAsync(guest, path));
        }
        using var admin = api.AdminClient();
        (await admin.PatchAsync($"/v2/status-pages/{page.Id}", Json(new { data = new { type = "status-page", id = page.Id, attributes = new { @private = true } } })))
            .EnsureSuccessStatusCode();

        // A member's own reads of it are theirs alone, and never taught the cache anything for guests either.
        using var member = api.CachetClient();
        foreach (var path in page.Views)
        {
            var own = await member.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, own.StatusCode);
            AssertPrivate(own);
            Assert.Null(own.Headers.ETag);
        }
        foreach (var path in page.Views)
        {
            var refused = await guest.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.DoesNotContain("Internal billing", await refused.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task AuthenticatedReadsAreNeitherServedFromTheCacheNorKeptInIt()
    {
        var page = await NewPageAsync("Payments");
        using var client = api.CachetClient();
        // Only a member sees a disabled component.
        await client.PostDataAsync($"/pages/{page.Slug}/api/v1/components", new { name = "Hidden ledger", status = 1, enabled = false });
        var member = await client.GetAsync(page.Cachet);
        Assert.Contains("Hidden ledger", await member.Content.ReadAsStringAsync());
        AssertPrivate(member);

        using var guest = api.AnonymousClient();
        Assert.DoesNotContain("Hidden ledger", await ReadAsync(guest, page.Cachet));
        await RenameBehindTheAppsBackAsync(page, "Payments v2");
        Assert.Contains("Payments v2", await ReadAsync(client, page.Cachet));
        using var browser = api.ClientFor(api.AdminEmail, api.AdminKey);
        Assert.Contains("Payments v2", await ReadAsync(browser, page.Html));
        Assert.DoesNotContain("Payments v2", await ReadAsync(guest, page.Cachet));
    }

    [Fact]
    public async Task AGuestHoldingTheCurrentViewGets304UntilThePageChanges()
    {
        var page = await NewPageAsync("Login");
        using var guest = api.AnonymousClient();
        var tags = new Dictionary<string, EntityTagHeaderValue>();
        foreach (var path in page.Views)
        {
            var first = await guest.GetAsync(path);
            var tag = first.Headers.ETag!;
            Assert.False(tag.IsWeak);
            tags[path] = tag;
            using var again = new HttpRequestMessage(HttpMethod.Get, path);
            again.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"something-else\""));
            again.Headers.IfNoneMatch.Add(tag);
            var unchanged = await guest.SendAsync(again);
            Assert.Equal(HttpStatusCode.NotModified, unchanged.StatusCode);
            Assert.Equal(tag, unchanged.Headers.ETag);
            Assert.Empty(await unchanged.Content.ReadAsByteArrayAsync());
        }

        using var client = api.CachetClient();
        await client.PutAsJsonAsync($"/pages/{page.Slug}/api/v1/components/{page.ComponentId}", new { status = 2 }).DataAsync();
        foreach (var path in page.Views.Take(3))
        {
            using var stale = new HttpRequestMessage(HttpMethod.Get, path);
            stale.Headers.IfNoneMatch.Add(tags[path]);
            var changed = await guest.SendAsync(stale);
            Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
            Assert.NotEqual(tags[path], changed.Headers.ETag);
        }
    }

    [Fact]
    public async Task GuestViewsLetACdnKeepThemSecondsAndKeyedReadsSayPrivate()
    {
        var page = await NewPageAsync("Edge");
        using var guest = api.AnonymousClient();
        using var client = api.CachetClient();
        foreach (var path in page.Views.Append($"/pages/{page.Slug}/components/{page.ComponentId}/shield").Append($"/pages/{page.Slug}/feed.atom"))
        {
            var open = await guest.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, open.StatusCode);
            Assert.Equal(PublicPolicy, open.Headers.CacheControl!.ToString());
            Assert.Contains("X-Cachet-Token", open.Headers.Vary);
            Assert.Contains("Origin", open.Headers.Vary);
            var keyed = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, keyed.StatusCode);
            AssertPrivate(keyed);
        }
        // Errors are not views: a missing page is answered as before, and never cached.
        var missing = await guest.GetAsync("/pages/no-such-page-here/api/v1/components");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Null(missing.Headers.ETag);
    }

    [Fact]
    public async Task CorsAndAcceptAnswerAsBeforeOnCachedViews()
    {
        var page = await NewPageAsync("Widgets");
        using var guest = api.AnonymousClient();
        await ReadAsync(guest, page.Cachet);
        using var fromWidget = new HttpRequestMessage(HttpMethod.Get, page.Cachet);
        fromWidget.Headers.Add("Origin", "https://widgets.example.com");
        var cors = await guest.SendAsync(fromWidget);
        Assert.Equal("*", cors.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var plain = await guest.GetAsync(page.Cachet);
        Assert.False(plain.Headers.Contains("Access-Control-Allow-Origin"));
        using var html = new HttpRequestMessage(HttpMethod.Get, page.Cachet);
        html.Headers.Accept.ParseAdd("text/html");
        await (await guest.SendAsync(html)).AssertCachetErrorAsync(406);
        using var zoned = new HttpRequestMessage(HttpMethod.Get, page.Cachet);
        zoned.Headers.Add("Time-Zone", "Nowhere/Atlantis");
        await (await guest.SendAsync(zoned)).AssertCachetErrorAsync(400);
    }

    [Fact]
    public async Task AWriteThroughOneInstanceIsSeenByTheNextReadThroughAnother()
    {
        var page = await NewPageAsync("Shared");
        // A second app on the same storage, with its own memory, as another instance of a scaled-out app is.
        using var other = api.WithWebHostBuilder(_ => { });
        using var guestThere = other.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        Assert.Contains("\"status\":1", await ReadAsync(guestThere, page.Cachet));
        Assert.Contains("Operational", await ReadAsync(guestThere, page.Html));

        using var client = api.CachetClient();
        await client.PutAsJsonAsync($"/pages/{page.Slug}/api/v1/components/{page.ComponentId}", new { status = 3 }).DataAsync();
        Assert.Contains("\"status\":3", await ReadAsync(guestThere, page.Cachet));
        Assert.Contains("Partial Outage", await ReadAsync(guestThere, page.Html));
    }

    [Fact]
    public async Task WithTheCacheOffEveryReadIsFreshAndStill304s()
    {
        var page = await NewPageAsync("Uncached");
        using var uncached = api.WithWebHostBuilder(b => b.UseSetting("STATUS_PAGE_CACHE", "false"));
        using var guest = uncached.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var first = await guest.GetAsync(page.Cachet);
        Assert.Equal(PublicPolicy, first.Headers.CacheControl!.ToString());
        await RenameBehindTheAppsBackAsync(page, "Seen at once");
        Assert.Contains("Seen at once", await ReadAsync(guest, page.Cachet));
        var tag = (await guest.GetAsync(page.Cachet)).Headers.ETag!;
        using var again = new HttpRequestMessage(HttpMethod.Get, page.Cachet);
        again.Headers.IfNoneMatch.Add(tag);
        Assert.Equal(HttpStatusCode.NotModified, (await guest.SendAsync(again)).StatusCode);
    }
}
