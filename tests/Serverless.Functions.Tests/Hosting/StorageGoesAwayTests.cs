using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Serverless.Functions.Storage;
using Serverless.Functions.Tests.Incidents;
using Serverless.Functions.Tests.Infrastructure;
using Serverless.Functions.Tests.IntegrationPlatform.Executions;
using Xunit.Abstractions;

namespace Serverless.Functions.Tests.Hosting;

/// <summary>The app on an Azurite of its own, which the test stops and starts again on the same ports and data.</summary>
public sealed class StorageOutageFixture : ApiFixture
{
    public PrivateAzurite Azurite { get; } = new();

    protected override async Task<string> StartStorageAsync()
    {
        await Azurite.StartAsync();
        return Azurite.ConnectionString;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        // The load is one key's and one address's; the limits are another part's subject, not this one's.
        builder.UseSetting("RATE_LIMIT_PER_KEY", "1000000");
        builder.UseSetting("RATE_LIMIT_ANONYMOUS_READS", "1000000");
        builder.UseSetting("RATE_LIMIT_ANONYMOUS_WRITES", "1000000");
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Azurite.DisposeAsync();
    }
}

/// <summary>
/// Issue 12, part 3 (docs/resilience.md, "Storage goes away"): writes on all three surfaces and reads of the status page
/// go on while Azurite is stopped for 10 s and started again on the same data. The figures are printed; run with
/// <c>--logger "console;verbosity=detailed"</c> to see them.
/// </summary>
[Collection(Alone.Name)] // loads both cores for a minute: run after the parallel tests, not beside them
public sealed class StorageGoesAwayTests(StorageOutageFixture api, ITestOutputHelper output) : IClassFixture<StorageOutageFixture>
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(10);

    private sealed record Sample(string Surface, string? Write, int Status, double StartedAt, double EndedAt, string? Problem)
    {
        public double Latency => EndedAt - StartedAt;
    }

    [Fact]
    public async Task WhileStorageIsAwayEverySurfaceAnswers503AndNoAcceptedWriteIsLost()
    {
        // What the load needs: an incident to write notes on, a workspace for operations, a slow system to verify against.
        using var admin = api.AdminClient();
        using var incidents = await api.IncidentClientAsync(api.AdminKey);
        var (_, serviceKey) = await IncidentTestKit.CreateServiceAsync(incidents);
        var incident = await api.RaiseAsync(incidents, serviceKey, new { message = "Checkout is failing", event_id = "outage-" + Guid.NewGuid().ToString("N") });
        var contract = await api.CreateContractAsync();
        var workspace = await ApiFixture.CreateWorkspaceAsync(admin, contract);
        var components = await (await admin.GetAsync($"/v2/components?contract_id={contract}")).ReadJsonAsync();
        var restApi = components["data"]!.AsArray().Single(c => c!["attributes"]!["name"]!.GetValue<string>() == "rest-api")!["id"]!.GetValue<string>();
        // The system the operations verify against answers once storage is back, so they are in flight across the outage.
        var storageBack = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await LocalHttpServer.StartAsync(app => app.MapGet("/slow", async () =>
        {
            await storageBack.Task;
            return Results.Ok(new { me = "ok" });
        }));

        var clock = Stopwatch.StartNew();
        var samples = new ConcurrentQueue<Sample>();
        using var stop = new CancellationTokenSource();
        var counter = 0;
        string Next(string kind) => $"{kind}{Interlocked.Increment(ref counter)}";
        async Task LoopAsync(string surface, Func<string, HttpRequestMessage> request, bool isWrite, Func<HttpResponseMessage, string, string?> check503)
        {
            using var client = api.AnonymousClient();
            client.Timeout = TimeSpan.FromSeconds(60);
            while (!stop.IsCancellationRequested)
            {
                var write = isWrite ? Next(surface) : null;
                var started = clock.Elapsed.TotalSeconds;
                int status;
                string? problem = null;
                try
                {
                    using var response = await client.SendAsync(request(write ?? ""));
                    status = (int)response.StatusCode;
                    var text = await response.Content.ReadAsStringAsync();
                    if (status == 503)
                    {
                        problem = response.Headers.RetryAfter?.Delta is { } delta && delta > TimeSpan.Zero ? check503(response, text) : "no Retry-After";
                    }
                    else if (status >= 300)
                    {
                        problem = $"{status}: {text[..Math.Min(200, text.Length)]}";
                    }
                }
                catch (Exception ex)
                {
                    status = 0;
                    problem = ex.GetType().Name + ": " + ex.Message;
                }
                samples.Enqueue(new Sample(surface, write, status, started, clock.Elapsed.TotalSeconds, problem));
                await Task.Delay(50);
            }
        }

        HttpRequestMessage Post(string path, object body, Action<HttpRequestMessage> auth)
        {
            var message = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
            auth(message);
            return message;
        }
        HttpRequestMessage Get(string path) => new(HttpMethod.Get, path);
        void Basic(HttpRequestMessage m) => m.Headers.Authorization = admin.DefaultRequestHeaders.Authorization;
        void Cachet(HttpRequestMessage m) => m.Headers.Add("X-Cachet-Token", api.AdminKey);
        void Bearer(HttpRequestMessage m) => m.Headers.Authorization = incidents.DefaultRequestHeaders.Authorization;

        var loops = new List<Task>();
        loops.Add(LoopAsync("v2", w => Post("/v2/users", new
        {
            data = new { type = "user", attributes = new { first_name = "Load", last_name = w, email = $"{w}@{api.Prefix}.example.com" } },
        }, Basic), true, JsonApi503));
        loops.Add(LoopAsync("cachet", w => Post("/api/v1/components", new { name = w, status = 1 }, Cachet), true, Cachet503));
        loops.Add(LoopAsync("v3", w => Post($"/v3/incidents/{incident}/warroom", new { message = w }, Bearer), true, Incident503));
        loops.Add(LoopAsync("status-html", _ => Get("/status"), false, Html503));
        loops.Add(LoopAsync("status-json", _ => Get("/api/v2/status.json"), false, Cachet503));
        loops.Add(LoopAsync("oauth", _ =>
        {
            var exchange = Get("/oauth/access-token");
            exchange.Headers.Add("X-Refresh-Token", api.AdminKey);
            return exchange;
        }, false, Incident503));

        await Task.Delay(TimeSpan.FromSeconds(3));
        // Operations taken just before the outage, whose upstream answers after it: they finish once storage is back.
        var polls = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var accepted = await admin.PostAsync($"/v2/components/{restApi}/versions/latest/verify-credential", ScheduledExecutionsTests.Execution("verify-credential",
                workspace, new { fields = new { url = new Uri(upstream.Url, "/slow").ToString(), auth = new { type = "No Auth" } } }));
            await accepted.ReadJsonAsync(202);
            polls.Add(accepted.Headers.Location!.PathAndQuery);
        }
        await Task.Delay(TimeSpan.FromMilliseconds(500));

        var downAt = clock.Elapsed.TotalSeconds;
        await api.Azurite.StopAsync();
        var stoppedAt = clock.Elapsed.TotalSeconds;
        await Task.Delay(Outage);
        var startingAt = clock.Elapsed.TotalSeconds;
        await api.Azurite.StartAsync();
        var upAt = clock.Elapsed.TotalSeconds;
        storageBack.SetResult();

        // Recovered when every surface has answered a write 2xx that started after storage came back.
        string[] surfaces = ["v2", "cachet", "v3", "status-html", "status-json", "oauth"];
        await ApiFixture.EventuallyAsync(() => Task.FromResult(surfaces.All(s => samples.Any(x => x.Surface == s && x.StartedAt >= upAt && x.Status is >= 200 and < 300))),
            "every surface to answer again", 60);
        var recoveredAt = surfaces.Max(s => samples.Where(x => x.Surface == s && x.StartedAt >= upAt && x.Status is >= 200 and < 300).Min(x => x.EndedAt));
        await Task.Delay(TimeSpan.FromSeconds(2));
        await stop.CancelAsync();
        await Task.WhenAll(loops);

        var all = samples.ToList();
        var lost = await LostWritesAsync(all, admin, incidents, incident);
        var whileDown = all.Where(s => s.StartedAt >= downAt && s.StartedAt < upAt).ToList();
        var writes = all.Where(s => s.Write is not null).ToList();
        var figures = string.Join(Environment.NewLine, surfaces.Select(s =>
        {
            var mine = all.Where(x => x.Surface == s).ToList();
            return $"  {s,-12} requests {mine.Count,5}  2xx {mine.Count(x => x.Status is >= 200 and < 300),5}  503 {mine.Count(x => x.Status == 503),5}  " +
                   $"other {mine.Count(x => x.Status is not (>= 200 and < 300) and not 503),3}  max latency while down {whileDown.Where(x => x.Surface == s).Select(x => x.Latency).DefaultIfEmpty().Max():0.00} s";
        }));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            Storage goes away: Azurite stopped at {downAt:0.0} s (its process gone by {stoppedAt:0.0} s), started again at {startingAt:0.0} s, listening at {upAt:0.0} s
            writes attempted {writes.Count}, answered 2xx {writes.Count(w => w.Status is >= 200 and < 300)}, answered 503 {writes.Count(w => w.Status == 503)}, lost {lost.Count}
            max latency while down {whileDown.Select(x => x.Latency).DefaultIfEmpty().Max():0.00} s (a storage call gives up within {StorageOutage.CallBudget.TotalSeconds:0} s)
            seconds to recover (storage back to every surface answering 2xx) {recoveredAt - upAt:0.00}
            {figures}
            """));

        // The operations taken before the outage reach 303 with their result.
        var operationsDone = 0;
        var operationsDoneAt = 0.0;
        foreach (var poll in polls)
        {
            await ApiFixture.EventuallyAsync(async () =>
            {
                using var response = await admin.GetAsync(poll);
                return response.StatusCode == System.Net.HttpStatusCode.SeeOther;
            }, "an operation taken before the outage to finish", 90);
            using var done = await admin.GetAsync(poll);
            var result = await (await admin.GetAsync(done.Headers.Location!.OriginalString)).ReadJsonAsync();
            Assert.True(result["data"]!["attributes"]!["result"]!["data"]!["verified"]!.GetValue<bool>(), result.ToJsonString());
            operationsDone++;
            operationsDoneAt = clock.Elapsed.TotalSeconds;
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"operations taken before the outage and completed after it: {operationsDone} of {polls.Count}, the last {operationsDoneAt - upAt:0.0} s after storage was back"));

        Assert.Empty(all.Where(s => s.Problem is not null).Select(s => $"{s.Surface} at {s.StartedAt:0.0} s: {s.Problem}").Take(10));
        Assert.All(surfaces, s => Assert.Contains(whileDown, x => x.Surface == s && x.Status == 503));
        Assert.All(whileDown, s => Assert.True(s.Latency < StorageOutage.CallBudget.TotalSeconds, $"{s.Surface} took {s.Latency:0.00} s"));
        Assert.Empty(lost);
        using var me = await admin.GetAsync("/v2/users/me");
        await me.ReadJsonAsync();
    }

    /// <summary>
    /// Every write answered 2xx that storage does not hold; and every write answered 503 that storage holds only in
    /// part. A 503 user may exist (its answer was lost) but then completely, and sending it again must work or find it.
    /// </summary>
    private async Task<List<string>> LostWritesAsync(List<Sample> samples, HttpClient admin, HttpClient incidents, string incident)
    {
        var lost = new List<string>();
        var components = (await (await admin.GetAsync("/api/v1/components?per_page=100000")).ReadJsonAsync())["data"]!.AsArray()
            .ToDictionary(c => c!["name"]!.GetValue<string>(), c => c!["id"]!.GetValue<int>());
        var notes = (await (await incidents.GetAsync($"/v3/incidents/{incident}/warroom")).ReadJsonAsync())["data"]!.AsArray()
            .Select(n => n!["message"]!.GetValue<string>()).ToHashSet();
        foreach (var write in samples.Where(s => s.Write is not null))
        {
            var name = write.Write!;
            var accepted = write.Status is >= 200 and < 300;
            switch (write.Surface)
            {
                case "v2":
                    var email = $"{name}@{api.Prefix}.example.com";
                    var found = (await (await admin.GetAsync($"/v2/users?email={Uri.EscapeDataString(email)}")).ReadJsonAsync())["data"]!.AsArray();
                    if (accepted && found.Count != 1)
                    {
                        lost.Add(name);
                    }
                    else if (!accepted)
                    {
                        using var again = await admin.PostAsync("/v2/users", JsonApiAssertions.Json(new
                        {
                            data = new { type = "user", attributes = new { first_name = "Load", last_name = name, email } },
                        }));
                        if (!(again.IsSuccessStatusCode || ((int)again.StatusCode == 409 && found.Count == 1)))
                        {
                            lost.Add($"{name} half-written: sent again it answers {(int)again.StatusCode}");
                        }
                    }
                    break;
                case "cachet":
                    if (accepted && !components.ContainsKey(name))
                    {
                        lost.Add(name);
                    }
                    else if (!accepted && components.TryGetValue(name, out var id))
                    {
                        using var read = await admin.GetAsync($"/api/v1/components/{id}");
                        if (!read.IsSuccessStatusCode)
                        {
                            lost.Add($"{name} half-written: listed but reading it answers {(int)read.StatusCode}");
                        }
                    }
                    break;
                case "v3":
                    if (accepted && !notes.Contains(name))
                    {
                        lost.Add(name);
                    }
                    break;
            }
        }
        return lost;
    }

    private static string? JsonApi503(HttpResponseMessage response, string text)
    {
        var error = JsonNode.Parse(text)?["errors"]?[0];
        return error?["status"]?.GetValue<string>() == "503" && error["meta"]?["request_id"] is not null && !text.Contains("   at ", StringComparison.Ordinal)
            ? null : "not a JSON:API error: " + text;
    }

    private static string? Cachet503(HttpResponseMessage response, string text)
    {
        var error = JsonNode.Parse(text)?["errors"]?[0];
        return error?["status"]?.GetValue<int>() == 503 && error["detail"] is not null ? null : "not a Cachet error: " + text;
    }

    private static string? Incident503(HttpResponseMessage response, string text)
    {
        var body = JsonNode.Parse(text);
        return body?["status"]?.GetValue<int>() == 503 && body["type"]?.GetValue<string>() == "service_unavailable" && body["meta"]?["status"]?.GetValue<int>() == 503 && body["errors"]?[0]?["code"] is not null
            ? null : "not an incident error: " + text;
    }

    private static string? Html503(HttpResponseMessage response, string text) =>
        response.Content.Headers.ContentType?.MediaType == "text/html" && text.Contains("<html", StringComparison.OrdinalIgnoreCase) ? null : "not the HTML error page: " + text;
}
