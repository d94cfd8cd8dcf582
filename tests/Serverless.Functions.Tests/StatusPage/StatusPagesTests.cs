using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Functions.StatusPage;
using Serverless.Functions.StatusPage.Notifications;
using Serverless.Functions.Tests.Infrastructure;
using Serverless.Functions.Tests.StatusPage.Cachet;
using static Serverless.Functions.Tests.Infrastructure.JsonApiAssertions;

namespace Serverless.Functions.Tests.StatusPage;

/// <summary>Managing pages, the public HTML, the maintenance job and notifications without an SMTP host.</summary>
public sealed class StatusPagesTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static StringContent Page(string? slug, string? name, string? id = null) =>
        Json(new { data = new { type = "status-page", id, attributes = new { slug, name } } });

    [Fact]
    public async Task TenantAdminsCreateRenameAndDeletePagesEachWithItsOwnApiAndHtml()
    {
        using var admin = api.AdminClient();
        var slug = "acme-" + Guid.NewGuid().ToString("N")[..6];
        var created = (await (await admin.PostAsync("/v2/status-pages", Page(slug, "Acme"))).ReadJsonAsync(201))["data"]!;
        var id = created["id"]!.GetValue<string>();
        Assert.EndsWith($"/pages/{slug}/api/v1", created["attributes"]!["api_url"]!.GetValue<string>());
        using var client = api.CachetClient();
        await client.PostDataAsync($"/pages/{slug}/api/v1/components", new { name = "Only on Acme", status = 1 });
        using var guest = api.AnonymousClient();
        Assert.Contains("Only on Acme", await guest.GetStringAsync($"/pages/{slug}"));
        Assert.DoesNotContain("Only on Acme", await guest.GetStringAsync("/status"));
        var list = await (await admin.GetAsync("/v2/status-pages")).ReadJsonAsync();
        Assert.Contains(list["data"]!.AsArray(), p => p!["attributes"]!["slug"]!.GetValue<string>() == "default");

        await (await admin.PostAsync("/v2/status-pages", Page(slug, "Again"))).AssertErrorAsync(409);
        var renamed = await (await admin.PatchAsync($"/v2/status-pages/{id}", Page(slug + "-new", "Acme Inc", id))).ReadJsonAsync();
        Assert.Equal("Acme Inc", renamed["data"]!["attributes"]!["name"]!.GetValue<string>());
        await (await guest.GetAsync($"/pages/{slug}/api/v1/components")).AssertCachetErrorAsync(404);
        Assert.Single((await (await guest.GetAsync($"/pages/{slug}-new/api/v1/components")).ReadJsonAsync())["data"]!.AsArray());

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/v2/status-pages/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await guest.GetAsync($"/pages/{slug}-new")).StatusCode);
        Assert.DoesNotContain(await api.RowsAsync("StatusItems"), r => r.PartitionKey == id);
    }

    [Fact]
    public async Task PageManagementRefusesBadSlugsMembersAndOtherTenants()
    {
        using var admin = api.AdminClient();
        var bad = await (await admin.PostAsync("/v2/status-pages", Page("Bad Slug!", ""))).AssertErrorAsync(400);
        Assert.StartsWith("/data/attributes/", bad["source"]!["pointer"]!.GetValue<string>());
        var member = await api.CreateUserAsync();
        using var asMember = api.ClientFor(member);
        await (await asMember.PostAsync("/v2/status-pages", Page("members-page", "M"))).AssertErrorAsync(403);
        var other = await api.CreateOtherTenantAdminAsync();
        using var asOther = api.ClientFor(other);
        var defaultId = (await (await admin.GetAsync("/v2/status-pages")).ReadJsonAsync())["data"]!.AsArray()
            .First(p => p!["attributes"]!["slug"]!.GetValue<string>() == "default")!["id"]!.GetValue<string>();
        await (await asOther.DeleteAsync($"/v2/status-pages/{defaultId}")).AssertErrorAsync(404);
        await (await asOther.PatchAsync($"/v2/status-pages/{defaultId}", Page("stolen", null, defaultId))).AssertErrorAsync(404);
        Assert.Empty((await (await asOther.GetAsync("/v2/status-pages")).ReadJsonAsync())["data"]!.AsArray());
        // The other tenant's own page is its own to write; its key writes nothing on ours.
        var mine = (await (await asOther.PostAsync("/v2/status-pages", Page("other-" + Guid.NewGuid().ToString("N")[..6], "Other"))).ReadJsonAsync(201))["data"]!;
        using var otherToken = api.CachetClient(other.ApiKey);
        await otherToken.PostDataAsync($"/pages/{mine["attributes"]!["slug"]}/api/v1/components", new { name = "Theirs", status = 1 });
    }

    [Fact]
    public async Task ThePublicPageShowsWhatAGuestMaySeeWithItsMetaTagsBadgesAndFeed()
    {
        var (path, _) = await CachetApiTests.NewPageAsync(api);
        var html = path[..^"/api/v1".Length];
        using var client = api.CachetClient();
        using var guest = api.AnonymousClient();
        var component = await client.PostDataAsync($"{path}/components", new { name = "Checkout", status = 3, description = "Payments" });
        await client.PostDataAsync($"{path}/components", new { name = "Hidden Thing", status = 1, enabled = false });
        var incident = await client.PostDataAsync($"{path}/incidents", new { name = "Card errors", message = "Some **cards** fail <script>", status = 2, occurred_at = "2026-01-05 10:00" });
        await client.PostDataAsync($"{path}/incidents", new { name = "Secret", message = "m", status = 1, visible = 0 });

        var page = await guest.GetStringAsync(html);
        Assert.Contains("Checkout", page);
        Assert.Contains("Partial Outage", page);
        Assert.DoesNotContain("Hidden Thing", page);
        Assert.DoesNotContain("Secret", page);
        Assert.Contains("<meta name=\"description\" content=\"Stay up to date with the latest service updates from Acme", page);

        var detail = await guest.GetStringAsync($"{html}/incidents/{incident.Id()}");
        Assert.Contains("<title>Card errors | Acme", detail);
        Assert.Contains("Details and updates about the Card errors incident that occurred on Monday 5th January 2026 10:00:00", detail);
        Assert.Contains("<strong>cards</strong> fail &lt;script&gt;", detail);

        var badge = await guest.GetAsync($"{html}/components/{component.Id()}/shield");
        Assert.Equal("image/svg+xml", badge.Content.Headers.ContentType!.MediaType);
        Assert.Contains("Checkout: Partial Outage", await badge.Content.ReadAsStringAsync());
        var feed = await guest.GetAsync($"{html}/feed.atom");
        Assert.Equal("application/atom+xml", feed.Content.Headers.ContentType!.MediaType);
        var atom = System.Xml.Linq.XDocument.Parse(await feed.Content.ReadAsStringAsync());
        Assert.Equal(["Card errors"], atom.Descendants("{http://www.w3.org/2005/Atom}entry").Select(e => e.Element("{http://www.w3.org/2005/Atom}title")!.Value));
        Assert.DoesNotContain("Card errors", page); // January is not this week
        var january = await guest.GetStringAsync($"{html}?start_date=2026-01-07");
        Assert.Contains("Card errors", january);
        Assert.Contains("start_date=2025-12-31", january);
        Assert.Equal(HttpStatusCode.BadRequest, (await guest.GetAsync($"{html}?start_date=soon")).StatusCode);
        var missing = await guest.GetAsync($"{html}/incidents/999");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("text/html", missing.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task GuestsOnThePublicPageDoNotSeeComponentsOfAGroupForAuthenticatedUsersOnly()
    {
        using var client = api.CachetClient();
        using var guest = api.AnonymousClient();
        var name = $"Internal-{Guid.NewGuid():N}";
        var group = await client.PostDataAsync("/api/v1/components/groups", new { name = $"Staff-{Guid.NewGuid():N}", visible = 0 });
        var component = await client.PostDataAsync("/api/v1/components", new { name, status = 4, group_id = group.Id() });
        await client.PostDataAsync("/api/v1/schedules", new { name = "Window", message = "m", status = 0, scheduled_at = "2099-01-01 10:00", components = new[] { component.Id() } });

        var page = await guest.GetStringAsync("/status");
        Assert.DoesNotContain(name, page);
        Assert.DoesNotContain(group["name"]!.GetValue<string>(), page);
        Assert.Equal(HttpStatusCode.NotFound, (await guest.GetAsync($"/status/components/{component.Id()}/shield")).StatusCode);
        Assert.DoesNotContain(name, await guest.GetStringAsync("/status/feed.atom"));
    }

    [Fact]
    public async Task RawHtmlAndScriptLinksInAnIncidentMessageShowAsTextOnThePublicPage()
    {
        using var client = api.CachetClient();
        await client.PostDataAsync("/api/v1/incidents", new
        {
            name = "Injected", status = 1,
            message = "<script>alert('boom')</script> *Still* **Markdown**, [docs](https://example.com/docs) and [a trap](javascript:alert(1)) <img src=x onerror=alert(2)>",
        });
        var page = await api.AnonymousClient().GetStringAsync("/status");
        Assert.Contains("&lt;script&gt;alert(", page);
        Assert.DoesNotContain("<script", page);
        Assert.Contains("&lt;img src=x onerror=alert(2)&gt;", page);
        Assert.DoesNotContain("<img", page);
        Assert.DoesNotContain("javascript:", page);
        Assert.Contains("a trap", page);
        Assert.Contains("<em>Still</em> <strong>Markdown</strong>", page);
        Assert.Contains("<a href=\"https://example.com/docs\" rel=\"noopener nofollow\">docs</a>", page);
    }

    [Fact]
    public async Task MaintenanceGoesInAndOutOfProgressWithItsComponentsStatus()
    {
        var (path, _) = await CachetApiTests.NewPageAsync(api);
        using var client = api.CachetClient();
        var db = await client.PostDataAsync($"{path}/components", new { name = "DB", status = 1 });
        var cache = await client.PostDataAsync($"{path}/components", new { name = "Cache", status = 1 });
        var now = DateTime.UtcNow;
        var schedule = await client.PostDataAsync($"{path}/schedules", new
        {
            name = "Upgrade", status = 0, scheduled_at = now.AddMinutes(-5).ToString("yyyy-MM-dd HH:mm"), completed_at = now.AddHours(1).ToString("yyyy-MM-dd HH:mm"),
            components = new Dictionary<string, int> { [db.Id().ToString()] = 3, [cache.Id().ToString()] = 2 },
        });
        var job = api.Services.GetRequiredService<MaintenanceProgress>();
        await job.RunAsync(CancellationToken.None);
        Assert.Equal("In Progress", (await client.GetAsync($"{path}/schedules/{schedule.Id()}").DataAsync())["human_status"]!.GetValue<string>());
        Assert.Equal(3, (await client.GetAsync($"{path}/components/{db.Id()}").DataAsync())["status"]!.GetValue<int>());
        Assert.Equal(2, (await client.GetAsync($"{path}/components/{cache.Id()}").DataAsync())["status"]!.GetValue<int>());
        Assert.Contains("Upgrade", await api.AnonymousClient().GetStringAsync(path[..^"/api/v1".Length]));

        await client.PutAsJsonAsync($"{path}/schedules/{schedule.Id()}", new { completed_at = now.AddMinutes(-1).ToString("yyyy-MM-dd HH:mm") });
        await job.RunAsync(CancellationToken.None);
        await job.RunAsync(CancellationToken.None); // a second run changes nothing
        Assert.Equal("Complete", (await client.GetAsync($"{path}/schedules/{schedule.Id()}").DataAsync())["human_status"]!.GetValue<string>());
        Assert.Equal(1, (await client.GetAsync($"{path}/components/{db.Id()}").DataAsync())["status"]!.GetValue<int>());
    }

    [Fact]
    public async Task WithoutAnSmtpHostNotificationsAreRecordedAndNotSentAndMaintenanceSuppressesThem()
    {
        var (path, pageId) = await CachetApiTests.NewPageAsync(api);
        using var client = api.CachetClient();
        var component = await client.PostDataAsync($"{path}/components", new { name = "API", status = 1 });
        await client.PostDataAsync($"{path}/subscribers", new { email = "reader@example.com", verify = true });
        await client.PutAsJsonAsync($"{path}/components/{component.Id()}", new { status = 3 });
        await client.PutAsJsonAsync($"{path}/components/{component.Id()}", new { status = 2, silent = true });
        await client.PostDataAsync($"{path}/incidents", new { name = "Quiet", message = "m", status = 1, notify = false });
        await ApiFixture.EventuallyAsync(async () => (await api.RowsAsync("StatusNotifications")).Any(r => r.PartitionKey == pageId && r.GetString("State") == "recorded"),
            "the component notification to be recorded");
        var rows = (await api.RowsAsync("StatusNotifications")).Where(r => r.PartitionKey == pageId).ToList();
        Assert.Equal(["component"], rows.Select(r => r.GetString("Kind")));

        var now = DateTime.UtcNow;
        await client.PostDataAsync($"{path}/schedules", new { name = "Window", status = 1, scheduled_at = now.AddMinutes(-10).ToString("yyyy-MM-dd HH:mm") });
        await client.PostDataAsync($"{path}/incidents", new { name = "During maintenance", message = "m", status = 1 });
        var suppressed = (await api.RowsAsync("StatusNotifications")).Where(r => r.PartitionKey == pageId && r.GetString("Kind") == "incident").ToList();
        Assert.Equal("suppressed", Assert.Single(suppressed).GetString("State"));
    }
}

/// <summary>The app with an SMTP host: a real SMTP server on loopback that the test reads.</summary>
public sealed class SmtpApiFixture : ApiFixture
{
    public SmtpSink Sink { get; } = SmtpSink.StartAsync().GetAwaiter().GetResult();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        Sink.Configure(builder);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Sink.DisposeAsync();
    }
}

public sealed class StatusNotificationsTests(SmtpApiFixture api) : IClassFixture<SmtpApiFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task VerifiedSubscribersAreMailedOfIncidentsUpdatesAndTheirComponentsOnce()
    {
        var (path, pageId) = await CachetApiTests.NewPageAsync(api);
        using var client = api.CachetClient();
        var a = await client.PostDataAsync($"{path}/components", new { name = "Alpha", status = 1 });
        var b = await client.PostDataAsync($"{path}/components", new { name = "Beta", status = 1 });
        var everyone = $"all-{pageId}@example.com";
        var alphaOnly = $"alpha-{pageId}@example.com";
        await client.PostDataAsync($"{path}/subscribers", new { email = everyone, verify = true });
        await client.PostDataAsync($"{path}/subscribers", new { email = alphaOnly, verify = true, components = new[] { a.Id() } });

        var incident = await client.PostDataAsync($"{path}/incidents", new { name = "Beta is slow", message = "Looking into it", status = 1, component_id = b.Id(), component_status = 2 });
        var mail = await api.Sink.WaitForAsync(m => m.To.Contains(everyone) && m.Subject.Contains("Beta is slow"), Wait);
        Assert.Contains("Looking into it", mail.Body);
        Assert.Contains("/unsubscribe/", mail.Body);
        await client.PostDataAsync($"{path}/incidents/{incident.Id()}/updates", new { status = 4, message = "Fixed for good" });
        await api.Sink.WaitForAsync(m => m.To.Contains(everyone) && m.Body.Contains("Fixed for good"), Wait);
        await client.PutAsJsonAsync($"{path}/components/{a.Id()}", new { status = 4 });
        await api.Sink.WaitForAsync(m => m.To.Contains(alphaOnly) && m.Subject.Contains("Alpha is Major Outage"), Wait);
        await ApiFixture.EventuallyAsync(async () => (await api.RowsAsync("StatusNotifications")).Where(r => r.PartitionKey == pageId).All(r => r.GetString("State") == "sent"),
            "every notification to be sent");
        // The Beta incident did not go to the subscriber of Alpha alone, and nobody got anything twice.
        Assert.DoesNotContain(api.Sink.Messages, m => m.To.Contains(alphaOnly) && m.Subject.Contains("Beta"));
        Assert.Equal(api.Sink.Messages.Count, api.Sink.Messages.Select(m => (string.Join(",", m.To), m.Subject, m.Body)).Distinct().Count());
    }

    [Fact]
    public async Task TheSubscribeFormMailsAVerificationLinkThatConfirmsAndUnsubscribeRemoves()
    {
        var (path, pageId) = await CachetApiTests.NewPageAsync(api);
        var html = path[..^"/api/v1".Length];
        using var client = api.CachetClient();
        await client.PostDataAsync($"{path}/components", new { name = "Web", status = 1 });
        using var guest = api.AnonymousClient();
        Assert.Contains("type=\"email\"", await guest.GetStringAsync($"{html}/subscribe"));
        var email = $"new-{pageId}@example.com";
        var posted = await guest.PostAsync($"{html}/subscribe", new FormUrlEncodedContent([new("email", email)]));
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        var bad = await guest.PostAsync($"{html}/subscribe", new FormUrlEncodedContent([new("email", "nope")]));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("The email must be a valid email address.", await bad.Content.ReadAsStringAsync());

        var mail = await api.Sink.WaitForAsync(m => m.To.Contains(email), Wait);
        var link = System.Text.RegularExpressions.Regex.Match(mail.Body, @"https?://\S+/subscribe/verify/\S+").Value;
        var subscribers = await (await client.GetAsync($"{path}/subscribers")).ReadJsonAsync();
        Assert.Null(subscribers["data"]!.AsArray().Single(s => s!["email"]!.GetValue<string>() == email)!["verified_at"]);
        Assert.Contains("You are subscribed", await guest.GetStringAsync(new Uri(link).PathAndQuery));
        subscribers = await (await client.GetAsync($"{path}/subscribers")).ReadJsonAsync();
        var subscriber = subscribers["data"]!.AsArray().Single(s => s!["email"]!.GetValue<string>() == email)!;
        Assert.NotNull(subscriber["verified_at"]);

        var code = subscriber["verify_code"]!.GetValue<string>();
        Assert.Contains("Unsubscribe", await guest.GetStringAsync($"{html}/unsubscribe/{code}"));
        Assert.Equal(HttpStatusCode.OK, (await guest.PostAsync($"{html}/unsubscribe/{code}", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await guest.GetAsync($"{html}/unsubscribe/{code}")).StatusCode);
    }

    [Fact]
    public async Task ANotificationWhoseDeliveriesAreExhaustedIsMarkedFailed()
    {
        var sender = api.Services.GetRequiredService<StatusNotificationSender>();
        var (path, pageId) = await CachetApiTests.NewPageAsync(api);
        using var client = api.CachetClient();
        await client.PostDataAsync($"{path}/subscribers", new { email = "x@example.com", verify = true });
        await client.PostDataAsync($"{path}/schedules", new { name = "Soon", status = 0, scheduled_at = "2030-01-01 10:00", notify = true });
        await ApiFixture.EventuallyAsync(async () => (await api.RowsAsync("StatusNotifications")).Any(r => r.PartitionKey == pageId && r.GetString("State") == "sent"),
            "the maintenance notice to be sent");
        var row = (await api.RowsAsync("StatusNotifications")).Single(r => r.PartitionKey == pageId);
        await sender.OnPoisonedAsync(Message(pageId, row.RowKey), new InvalidOperationException("down"), CancellationToken.None);
        Assert.Equal("failed", (await api.RowsAsync("StatusNotifications")).Single(r => r.PartitionKey == pageId).GetString("State"));
    }

    [Fact]
    public async Task ThePendingRowOfALostQueueMessageIsSweptAndSentAndOldRowsExpire()
    {
        var (path, pageId) = await CachetApiTests.NewPageAsync(api);
        using var client = api.CachetClient();
        var email = $"swept-{pageId}@example.com";
        await client.PostDataAsync($"{path}/subscribers", new { email, verify = true });
        // As a crash between writing the outbox row and enqueueing its id would leave it.
        var table = api.Storage.Table("StatusNotifications");
        await table.AddEntityAsync(new StatusNotificationEntity
        {
            PartitionKey = pageId, RowKey = "000000000000000000000001", Kind = "incident", Subject = "Swept", Body = "Found again",
            BaseUrl = "http://localhost/status", Created = DateTimeOffset.UtcNow.AddMinutes(-2),
        });
        await table.AddEntityAsync(new StatusNotificationEntity
        {
            PartitionKey = pageId, RowKey = "000000000000000000000000", Kind = "incident", State = "sent", Created = DateTimeOffset.UtcNow.AddDays(-31),
        });
        await api.Services.GetRequiredService<StatusNotificationSweep>().RunAsync(CancellationToken.None);
        var mail = await api.Sink.WaitForAsync(m => m.To.Contains(email) && m.Subject == "Swept", Wait);
        Assert.Contains("Found again", mail.Body);
        // Finished rows older than the retention are gone.
        Assert.DoesNotContain(await api.RowsAsync("StatusNotifications"), r => r.PartitionKey == pageId && r.RowKey == "000000000000000000000000");
    }

    private static string Message(string pageId, string id) => new JsonObject { ["PageId"] = pageId, ["Id"] = id }.ToJsonString();
}
