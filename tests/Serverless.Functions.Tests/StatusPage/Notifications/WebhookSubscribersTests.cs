using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Functions.StatusPage.Notifications;
using Serverless.Functions.Tests.Infrastructure;
using Serverless.Functions.Tests.StatusPage.Cachet;

namespace Serverless.Functions.Tests.StatusPage.Notifications;

/// <summary>Webhook and Slack subscribers: signed deliveries to a local server, retries with back-off, then disabling.</summary>
public sealed class WebhookSubscribersTests(WebhookSubscribersTests.Hooks api) : IClassFixture<WebhookSubscribersTests.Hooks>
{
    /// <summary>A fake clock, so back-off is driven, not waited for.</summary>
    public sealed class Hooks : ApiFixture
    {
        protected override bool UsesFakeTime => true;
    }

    /// <summary>One request the stand-in endpoint received.</summary>
    private sealed record Received(string Body, IReadOnlyDictionary<string, string> Headers)
    {
        public JsonNode Json => JsonNode.Parse(Body)!;

        public string? Event => Headers.GetValueOrDefault("X-Status-Event");
    }

    /// <summary>A stand-in endpoint that keeps what it receives and answers the nth request with <paramref name="status"/>(n).</summary>
    private static async Task<(LocalHttpServer Server, ConcurrentQueue<Received> Calls)> EndpointAsync(Func<int, int> status)
    {
        var calls = new ConcurrentQueue<Received>();
        var count = 0;
        var server = await LocalHttpServer.StartAsync(app => app.MapPost("/hook", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            calls.Enqueue(new Received(body, request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)));
            return Results.StatusCode(status(Interlocked.Increment(ref count)));
        }));
        return (server, calls);
    }

    private static void AssertSigned(Received call, string secret)
    {
        var timestamp = call.Headers["X-Status-Timestamp"];
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{call.Body}")));
        Assert.Equal("sha256=" + expected, call.Headers["X-Status-Signature"]);
    }

    [Fact]
    public async Task AWebhookReceivesSignedDeliveriesOfIncidentsAndComponentChangesOnceEach()
    {
        var (server, calls) = await EndpointAsync(_ => 200);
        await using var _ = server;
        var (path, _) = await CachetApiTests.NewPageAsync(api);
        using var client = api.CachetClient();
        var component = await client.PostDataAsync($"{path}/components", new { name = "API", status = 1 });
        var hook = await client.PostDataAsync($"{path}/subscribers/webhooks", new { type = "webhook", url = new Uri(server.Url, "/hook").AbsoluteUri });
        var secret = hook["secret"]!.GetValue<string>();
        Assert.StartsWith("whsec_", secret);
        Assert.Equal("127.0.0.1", hook["host"]!.GetValue<string>());
        Assert.NotNull(hook["verified_at"]);
        var test = Assert.Single(calls);
        Assert.Equal("test", test.Event);
        AssertSigned(test, secret);

        await client.PutAsJsonAsync($"{path}/components/{component.Id()}", new { status = 3 });
        await client.PostDataAsync($"{path}/incidents", new { name = "Elevated errors", message = "Looking into it", status = 1 });
        await ApiFixture.EventuallyAsync(() => Task.FromResult(calls.Count >= 3), "two deliveries");

        var change = Assert.Single(calls, c => c.Event == "component.updated");
        AssertSigned(change, secret);
        Assert.Equal("partial_outage", change.Json["component_update"]!["new_status"]!.GetValue<string>());
        Assert.Equal("operational", change.Json["component_update"]!["old_status"]!.GetValue<string>());
        Assert.Equal("API", change.Json["component"]!["name"]!.GetValue<string>());
        // Its one component in partial outage: Statuspage says "Partial System Outage", major.
        Assert.Equal("major", change.Json["page"]!["status_indicator"]!.GetValue<string>());
        var incident = Assert.Single(calls, c => c.Event == "incident.created");
        AssertSigned(incident, secret);
        Assert.Equal("Elevated errors", incident.Json["incident"]!["name"]!.GetValue<string>());
        Assert.Equal("investigating", incident.Json["incident"]!["status"]!.GetValue<string>());
        Assert.NotEqual(change.Headers["X-Status-Delivery"], incident.Headers["X-Status-Delivery"]);

        // The sweep finds nothing pending: nothing is delivered twice.
        api.Clock.Advance(TimeSpan.FromMinutes(5));
        await api.Services.GetRequiredService<StatusNotificationSweep>().RunAsync(CancellationToken.None);
        await Task.Delay(1500);
        Assert.Equal(3, calls.Count);
    }

    [Fact]
    public async Task AFailingWebhookIsRetriedWithBackOffThenDisabled()
    {
        // The test delivery succeeds; everything after fails.
        var (server, calls) = await EndpointAsync(n => n == 1 ? 200 : 500);
        await using var _ = server;
        var (path, _) = await CachetApiTests.NewPageAsync(api);
        using var client = api.CachetClient();
        var component = await client.PostDataAsync($"{path}/components", new { name = "API", status = 1 });
        var hook = await client.PostDataAsync($"{path}/subscribers/webhooks", new { url = new Uri(server.Url, "/hook").AbsoluteUri });
        await client.PutAsJsonAsync($"{path}/components/{component.Id()}", new { status = 4 });
        await ApiFixture.EventuallyAsync(() => Task.FromResult(calls.Count == 2), "the first attempt");

        var sweep = api.Services.GetRequiredService<StatusNotificationSweep>();
        // Not due yet: a sweep half a minute later tries nothing.
        api.Clock.Advance(TimeSpan.FromSeconds(30));
        await sweep.RunAsync(CancellationToken.None);
        await Task.Delay(1000);
        Assert.Equal(2, calls.Count);
        foreach (var (wait, attempts) in new[] { (1, 3), (2, 4), (4, 5), (8, 6) })
        {
            api.Clock.Advance(TimeSpan.FromMinutes(wait));
            await sweep.RunAsync(CancellationToken.None);
            await ApiFixture.EventuallyAsync(() => Task.FromResult(calls.Count == attempts), $"attempt {attempts - 1}");
        }

        var listed = (await client.GetAsync($"{path}/subscribers/webhooks").DataAsync()).AsArray().Single(w => w!["id"]!.GetValue<int>() == hook.Id())!;
        Assert.NotNull(listed["disabled_at"]);
        Assert.Equal(5, listed["failures"]!.GetValue<int>());
        Assert.Equal("The endpoint answered 500.", listed["last_error"]!.GetValue<string>());
        Assert.Null(listed["secret"]);

        // Disabled: later changes go nowhere.
        await client.PutAsJsonAsync($"{path}/components/{component.Id()}", new { status = 1 });
        api.Clock.Advance(TimeSpan.FromMinutes(30));
        await sweep.RunAsync(CancellationToken.None);
        await Task.Delay(1500);
        Assert.Equal(6, calls.Count);
    }

    [Fact]
    public async Task ASlackUrlReceivesAFormattedMessage()
    {
        var (server, calls) = await EndpointAsync(_ => 200);
        await using var _ = server;
        var (path, _) = await CachetApiTests.NewPageAsync(api);
        using var client = api.CachetClient();
        var component = await client.PostDataAsync($"{path}/components", new { name = "Checkout", status = 1 });
        var slack = await client.PostDataAsync($"{path}/subscribers/webhooks", new { type = "slack", url = new Uri(server.Url, "/hook").AbsoluteUri });
        Assert.Null(slack["secret"]);
        Assert.StartsWith("*Subscribed to Acme ", Assert.Single(calls).Json["text"]!.GetValue<string>());

        await client.PutAsJsonAsync($"{path}/components/{component.Id()}", new { status = 2 });
        await ApiFixture.EventuallyAsync(() => Task.FromResult(calls.Count == 2), "the Slack message");
        var message = calls.Last();
        Assert.Equal(["text"], message.Json.AsObject().Select(p => p.Key));
        var text = message.Json["text"]!.GetValue<string>();
        Assert.Matches(@"^\*Acme [^*]+: Checkout is Performance Issues\*\nCheckout changed from Operational to Performance Issues\.\n<http://[^|]+/pages/[^|]+\|View the status page>$", text);
        Assert.False(message.Headers.ContainsKey("X-Status-Signature"));
    }

    [Fact]
    public async Task SubscribingRefusesBadInputUnreachableUrlsAndOtherTenantsAndStoresNothing()
    {
        var (server, _) = await EndpointAsync(_ => 404);
        await using var _ = server;
        var (path, _) = await CachetApiTests.NewPageAsync(api);
        using var client = api.CachetClient();
        await (await client.PostAsJsonAsync($"{path}/subscribers/webhooks", new { type = "webhook" })).AssertValidationAsync("The url field is required.");
        await (await client.PostAsJsonAsync($"{path}/subscribers/webhooks", new { type = "sms", url = "https://example.com/" }))
            .AssertValidationAsync("The selected type is invalid: use webhook or slack.");
        await (await client.PostAsJsonAsync($"{path}/subscribers/webhooks", new { url = "ftp://example.com/" })).AssertValidationAsync("The url format is invalid.");
        await (await client.PostAsJsonAsync($"{path}/subscribers/webhooks", new { url = "https://example.com/", components = new[] { 999 } }))
            .AssertValidationAsync("The components must be ids of this page's components.");
        await (await client.PostAsJsonAsync($"{path}/subscribers/webhooks", new { url = new Uri(server.Url, "/hook").AbsoluteUri }))
            .AssertValidationAsync("The url did not accept the test delivery: The endpoint answered 404.");
        // The cloud metadata address is refused whatever the settings.
        var metadata = await (await client.PostAsJsonAsync($"{path}/subscribers/webhooks", new { url = "http://169.254.169.254/latest" })).AssertValidationAsync();
        Assert.StartsWith("The url did not accept the test delivery", Assert.Single(metadata));
        Assert.Empty((await client.GetAsync($"{path}/subscribers/webhooks").DataAsync()).AsArray());

        using var guest = api.AnonymousClient();
        await (await guest.GetAsync($"{path}/subscribers/webhooks")).AssertCachetErrorAsync(401);
        await (await guest.PostAsJsonAsync($"{path}/subscribers/webhooks", new { url = "https://example.com/" })).AssertCachetErrorAsync(401);
        var stranger = await api.CreateOtherTenantAdminAsync();
        using var other = api.CachetClient(stranger.ApiKey);
        await (await other.GetAsync($"{path}/subscribers/webhooks")).AssertCachetErrorAsync(401);
        await (await other.DeleteAsync($"{path}/subscribers/webhooks/1")).AssertCachetErrorAsync(401);
        await (await client.DeleteAsync($"{path}/subscribers/webhooks/1")).AssertCachetErrorAsync(404);
    }

    [Fact]
    public async Task AVisitorSubscribesAWebhookFromThePublicPageAndSeesItsSecretOnce()
    {
        var (server, calls) = await EndpointAsync(_ => 200);
        await using var _ = server;
        var (path, _) = await CachetApiTests.NewPageAsync(api);
        var html = path[..^"/api/v1".Length];
        using var guest = api.AnonymousClient();
        Assert.Contains("subscribe/webhook", await guest.GetStringAsync($"{html}/subscribe"));
        var answer = await guest.PostAsync($"{html}/subscribe/webhook",
            new FormUrlEncodedContent([new("url", new Uri(server.Url, "/hook").AbsoluteUri)]));
        var page = await answer.Content.ReadAsStringAsync();
        Assert.Equal(200, (int)answer.StatusCode);
        var secret = System.Text.RegularExpressions.Regex.Match(page, "whsec_[0-9a-f]{64}").Value;
        AssertSigned(Assert.Single(calls), secret);
        using var client = api.CachetClient();
        Assert.Single((await client.GetAsync($"{path}/subscribers/webhooks").DataAsync()).AsArray());

        var refused = await guest.PostAsync($"{html}/subscribe/webhook", new FormUrlEncodedContent([new("url", "not a url")]));
        Assert.Equal(400, (int)refused.StatusCode);
        Assert.Contains("url", await refused.Content.ReadAsStringAsync());
    }
}
