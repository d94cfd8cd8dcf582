using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Serverless.Functions.Tests.Infrastructure;
using Serverless.Functions.Tests.StatusPage.Cachet;

namespace Serverless.Functions.Tests.Incidents;

/// <summary>The app on a real socket (for Chromium) with a real SMTP server on loopback that the test reads.</summary>
public sealed class KestrelSmtpApiFixture : KestrelApiFixture
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

/// <summary>Status-page messages: published on an incident, shown on the organization's public page and mailed to its subscribers.</summary>
public sealed class PublicMessagesTests(KestrelSmtpApiFixture api) : IClassFixture<KestrelSmtpApiFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task APublishedMessageAppearsOnThePublicPageAndInASubscribersMail()
    {
        var org = await api.CreateOrganizationAsync();
        var slug = "acme-" + Guid.NewGuid().ToString("N")[..8];
        using var basic = api.ClientFor(org.OwnerEmail, org.OwnerKey);
        var page = await (await basic.PostAsync("/v2/status-pages", JsonApiAssertions.Json(new { data = new { type = "status-page", attributes = new { slug, name = "Acme Status" } } })))
            .ReadJsonAsync(201);
        var pageId = page["data"]!["id"]!.GetValue<string>();
        using var cachet = api.CachetClient(org.OwnerKey);
        var subscriber = $"fan-{Guid.NewGuid():N}@example.com";
        await cachet.PostDataAsync($"/pages/{slug}/api/v1/subscribers", new { email = subscriber, verify = true });

        using var owner = await api.IncidentClientAsync(org.OwnerKey);
        var (_, key) = await IncidentTestKit.CreateServiceAsync(owner, "Checkout");
        var incidentId = await api.RaiseAsync(owner, key, new { message = "Checkout is failing" });
        var path = $"/v2/organizations/{org.Id}/incidents/{incidentId}/public-message/";
        var published = await (await owner.PostAsJsonAsync(path, new { message = "We are investigating failed payments.", status = "Investigating", statusPageId = pageId }))
            .ReadJsonAsync();
        Assert.True(published["result"]!.GetValue<bool>());
        var data = published["data"]!.AsObject();
        Assert.Equal(["_id", "attachments", "deleted", "history", "incidentId", "isPublic", "message", "organizationId", "serviceId", "status", "statusPageId",
            "time", "updatedAt", "userId"], data.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal(pageId, data["statusPageId"]!.GetValue<string>());
        Assert.True(data["isPublic"]!.GetValue<bool>());

        var mail = await api.Sink.WaitForAsync(m => m.To.Contains(subscriber) && m.Subject.Contains("Checkout is failing"), Wait);
        Assert.Contains("We are investigating failed payments.", mail.Body);
        var visit = await Browser.VisitAsync(api.UrlOf($"/pages/{slug}"), "incident-status-message", new BrowserOptions());
        Assert.Equal(200, visit.Status);
        Assert.Contains("Checkout is failing", visit.Text);
        Assert.Contains("We are investigating failed payments.", visit.Text);

        // The next message updates the same page incident, which the page and the mail show as fixed.
        (await owner.PostAsJsonAsync(path, new { message = "Payments work again.", status = "resolved" })).EnsureSuccessStatusCode();
        await api.Sink.WaitForAsync(m => m.To.Contains(subscriber) && m.Body.Contains("Payments work again."), Wait);
        var incidents = await cachet.GetAsync($"/pages/{slug}/api/v1/incidents").DataAsync();
        var linked = Assert.Single(incidents.AsArray())!;
        Assert.Equal("Checkout is failing", linked["name"]!.GetValue<string>());
        Assert.Equal(4, linked["status"]!.GetValue<int>());
        var after = await Browser.VisitAsync(api.UrlOf($"/pages/{slug}"), "incident-status-message-fixed", new BrowserOptions());
        Assert.Contains("Payments work again.", after.Text);

        var list = await (await owner.GetAsync(path)).ReadJsonAsync();
        Assert.Equal(["Investigating", "resolved"], list["data"]!.AsArray().Select(m => m!["status"]!.GetValue<string>()));
        var incident = await IncidentTestKit.IncidentAsync(owner, incidentId);
        Assert.Equal(2, incident["logs"]!.AsArray().Count(l => l!["action"]!.GetValue<string>() == "status_page_message_published"));
    }

    [Fact]
    public async Task APrivateMessageStaysOffThePageAndBadMessagesAre422()
    {
        var org = await api.CreateOrganizationAsync();
        using var owner = await api.IncidentClientAsync(org.OwnerKey);
        var (_, key) = await IncidentTestKit.CreateServiceAsync(owner);
        var incidentId = await api.RaiseAsync(owner, key, new { message = "Internal only" });
        var path = $"/v2/organizations/{org.Id}/incidents/{incidentId}/public-message/";
        // No status page yet: the message cannot be published anywhere.
        await (await owner.PostAsJsonAsync(path, new { message = "Hello", status = "investigating" })).AssertIncidentErrorAsync(422, "statusPageId");

        var slug = "priv-" + Guid.NewGuid().ToString("N")[..8];
        using var basic = api.ClientFor(org.OwnerEmail, org.OwnerKey);
        (await basic.PostAsync("/v2/status-pages", JsonApiAssertions.Json(new { data = new { type = "status-page", attributes = new { slug, name = "Priv" } } }))).EnsureSuccessStatusCode();
        var bad = await (await owner.PostAsJsonAsync(path, new { message = 1, isPublic = "yes", statusPageId = "x", attachments = new[] { "file:///etc/passwd" } }))
            .AssertIncidentErrorAsync(422);
        Assert.Equal(["attachments", "isPublic", "message", "status", "statusPageId"],
            bad["errors"]!.AsArray().Select(e => e!["source"]!["field"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        // The bootstrap tenant's default page is not this organization's.
        using var admin = api.AdminClient();
        var defaultPage = (await (await admin.GetAsync("/v2/status-pages")).ReadJsonAsync())["data"]!.AsArray()[0]!["id"]!.GetValue<string>();
        await (await owner.PostAsJsonAsync(path, new { message = "Hi", status = "investigating", statusPageId = defaultPage })).AssertIncidentErrorAsync(422, "statusPageId");

        var hidden = await (await owner.PostAsJsonAsync(path, new { message = "Only for us", status = "identified", isPublic = false })).ReadJsonAsync();
        Assert.False(hidden["data"]!["isPublic"]!.GetValue<bool>());
        using var guest = api.AnonymousClient();
        Assert.Empty((await guest.GetAsync($"/pages/{slug}/api/v1/incidents").DataAsync()).AsArray());
        Assert.Single((await (await owner.GetAsync(path)).ReadJsonAsync())["data"]!.AsArray());
    }
}
