using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Serverless.Functions.Hosting;
using Serverless.Functions.IntegrationPlatform.Executions;
using Serverless.Functions.Operations;
using Serverless.Functions.Storage;
using Serverless.Functions.Tests.Hosting;
using Serverless.Functions.Tests.Infrastructure;
using Serverless.Functions.Tests.IntegrationPlatform.Executions;
using Serverless.Functions.Tests.IntegrationPlatform.Flows;
using Xunit.Abstractions;
using static Serverless.Functions.Tests.IntegrationPlatform.Flows.FlowSetup;
using static Serverless.Functions.Tests.Infrastructure.JsonApiAssertions;

namespace Serverless.Functions.Tests.Resilience;

/// <summary>
/// The app in host mode, so no poller or timer of its own runs: it only sets up users, contracts and flows over its
/// in-memory server. The work is done by a real standalone process of the app on the same storage, which the test kills.
/// </summary>
public sealed class SetUpOnlyFixture : ApiFixture
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting(CustomHandler.HostPortSetting, "40998");
    }
}

/// <summary>
/// A worker killed mid-work loses nothing: executions against a slow upstream and a flow taking webhook traffic are in
/// flight when the process gets SIGKILL; a new process on the same storage finishes every accepted one. The full run
/// (docs/resilience.md) is <c>RESILIENCE_OPERATIONS=500</c>; the suite runs 100.
/// </summary>
[Collection(Tests.Hosting.Alone.Name)] // loads both cores for a minute: run after the parallel tests, not beside them
public sealed class WorkerKillTests(SetUpOnlyFixture api, ITestOutputHelper output) : IClassFixture<SetUpOnlyFixture>
{
    private static readonly int Operations = int.TryParse(Environment.GetEnvironmentVariable("RESILIENCE_OPERATIONS"), out var n) ? n : 100;

    [Fact]
    public async Task EveryAcceptedExecutionAndWebhookMessageCompletesAfterTheWorkerIsKilled()
    {
        // The upstream takes a second per call, so many executions are mid-call when the worker dies.
        var upstreamCalls = new ConcurrentDictionary<int, int>();
        await using var upstream = await LocalHttpServer.StartAsync(app => app.MapGet("/slow/{n:int}", async (int n) =>
        {
            upstreamCalls.AddOrUpdate(n, 1, (_, c) => c + 1);
            await Task.Delay(1000);
            return Results.Ok(new { ok = true });
        }));
        var (sink, received) = await SinkAsync("/in");
        await using var _ = sink;

        var port = Azurite.FreePort();
        var worker = await StartWorkerAsync(port);
        try
        {
            // The poll answers 303; a client that follows it drops its Authorization header on the way.
            using var app = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var s = await FlowSetup.CreateAsync(api);
            app.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{s.Owner.Email}:{s.Owner.ApiKey}")));
            var rest = await RestApiComponentAsync(s);
            var flow = await s.CreateFlowAsync(Graph(
                [Node("step_1", "components/webhook:receive", new { auth = new { type = "NO_AUTH" } }),
                 Node("step_2", "components/rest-api:httpRequestAxios", new { reader = new { method = "POST", url = "\"" + new Uri(sink.Url, "/in") + "\"", body = "$" } })],
                [Edge("step_1", "step_2")]));
            await s.StartAsync(flow);

            // Webhook traffic from four senders for the whole test; only the messages answered 2xx were accepted.
            var accepted = new ConcurrentBag<int>();
            using var stopSending = new CancellationTokenSource();
            var next = 0;
            var senders = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            {
                using var hook = new HttpClient { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
                while (!stopSending.IsCancellationRequested)
                {
                    var m = Interlocked.Increment(ref next);
                    try
                    {
                        var response = await hook.PostAsync($"/hook/{flow}", Json($$"""{"m":{{m}}}"""));
                        if (response.IsSuccessStatusCode)
                        {
                            accepted.Add(m);
                        }
                        // Traffic, not a flood: unpaced, the senders kept the one Azurite so busy that the test measured it.
                        await Task.Delay(20);
                    }
                    catch (HttpRequestException)
                    {
                        await Task.Delay(100); // the worker is down: a client would retry later
                    }
                    catch (TaskCanceledException)
                    {
                    }
                }
            })).ToList();

            // Every execution accepted with 202 before the kill.
            var polls = new ConcurrentDictionary<int, string>();
            await Parallel.ForEachAsync(Enumerable.Range(0, Operations), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
            {
                var response = await app.PostAsync($"/v2/components/{rest}/versions/latest/verify-credential",
                    ScheduledExecutionsTests.Execution("verify-credential", s.Workspace, new { fields = new { url = new Uri(upstream.Url, $"/slow/{i}").ToString(), auth = new { type = "No Auth" } } }), ct);
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                polls[i] = response.Headers.Location!.PathAndQuery;
            });
            await ApiFixture.EventuallyAsync(() => Task.FromResult(upstreamCalls.Count >= Math.Min(20, Operations / 4)), "executions to be calling the upstream");

            var inFlight = upstreamCalls.Count;
            worker.Kill(); // SIGKILL: no shutdown, no settling
            await worker.WaitForExitAsync();
            var done = (await ExecutionsAsync()).Count(r => OperationStatus.IsFinished(r.GetString("Status")));
            worker.Dispose();
            var restarted = DateTimeOffset.UtcNow;
            worker = await StartWorkerAsync(port);
            var serving = DateTimeOffset.UtcNow - restarted;

            await ApiFixture.EventuallyAsync(async () =>
                (await ExecutionsAsync()).Count(r => OperationStatus.IsFinished(r.GetString("Status"))) == Operations,
                "every execution to finish after the restart", seconds: 120);
            await Task.Delay(2000);
            await stopSending.CancelAsync();
            await Task.WhenAll(senders);
            await ApiFixture.EventuallyAsync(() => Task.FromResult(accepted.ToHashSet().IsSubsetOf(received.Select(r => r["m"]!.GetValue<int>()))),
                "every accepted webhook message to be delivered", seconds: 120);

            var rows = await ExecutionsAsync();
            var lastFinished = rows.Max(r => r.GetDateTimeOffset("Completed")!.Value);
            foreach (var (i, poll) in polls)
            {
                var answer = await app.GetAsync(poll);
                Assert.Equal(HttpStatusCode.SeeOther, answer.StatusCode);
                var result = await (await app.GetAsync(answer.Headers.Location!.OriginalString)).ReadJsonAsync();
                Assert.True(result["data"]!["attributes"]!["result"]!["data"]!["verified"]!.GetValue<bool>(), $"execution {i} verified");
            }
            // The upstream call is not a checkpointed step: at least once, and at most once more for the ones killed mid-call.
            Assert.Equal(Operations, upstreamCalls.Count);
            Assert.All(upstreamCalls.Values, calls => Assert.InRange(calls, 1, 2));
            var reran = upstreamCalls.Values.Count(c => c == 2);
            var delivered = received.Select(r => r["m"]!.GetValue<int>()).ToList();
            var seconds = (lastFinished - restarted).TotalSeconds;
            output.WriteLine($"executions: {Operations} accepted, {done} finished before the kill, {inFlight} had called the upstream; " +
                $"{rows.Count(r => r.GetString("Status") == OperationStatus.Succeeded)} of {Operations} reached 303 with a result, the last {Math.Max(0, seconds):F1} s after the restart (the new process answered after {serving.TotalSeconds:F1} s); {reran} re-ran their upstream call");
            output.WriteLine($"webhooks: {accepted.Count} accepted, {accepted.Intersect(delivered).Count()} delivered, {delivered.Count - delivered.Distinct().Count()} delivered twice");
            Assert.InRange(seconds, double.MinValue, 60);
        }
        finally
        {
            worker.Kill(entireProcessTree: true);
            worker.Dispose();
        }
    }

    /// <summary>
    /// The executions' rows, read with the SDK's patient defaults rather than the app's clients: the webhook senders keep
    /// Azurite busy, and a query past the app's 4-s network timeout (StorageOutage) failed the test, not the app.
    /// </summary>
    private async Task<List<Azure.Data.Tables.TableEntity>> ExecutionsAsync()
    {
        var table = new Azure.Data.Tables.TableClient(api.ConnectionString, api.Prefix + StorageLayout.Tables.Operations);
        var rows = new List<Azure.Data.Tables.TableEntity>();
        // Filtered here: with the same filter sent to Azurite (a column that is not a key) the test took 7 minutes, not 1.
        await foreach (var row in table.QueryAsync<Azure.Data.Tables.TableEntity>())
        {
            if (row.GetString("Kind") == ComponentMethodExecution.KindName)
            {
                rows.Add(row);
            }
        }
        return rows;
    }

    private static async Task<string> RestApiComponentAsync(FlowSetup s)
    {
        var list = await (await s.Client.GetAsync($"/v2/components?contract_id={s.Contract}")).ReadJsonAsync();
        return list["data"]!.AsArray().Single(c => c!["attributes"]!["name"]!.GetValue<string>() == "rest-api")!["id"]!.GetValue<string>();
    }

    /// <summary>The app's executable, standalone, on the fixture's storage and keys; answers <c>GET /</c> when returned.</summary>
    private async Task<Process> StartWorkerAsync(int port)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "Serverless.Functions.dll") },
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment[StorageAccount.ConnectionSetting] = api.ConnectionString;
        start.Environment[StorageAccount.NamePrefixSetting] = api.Prefix;
        start.Environment["ENCRYPTION_KEY"] = api.EncryptionKey;
        start.Environment["BOOTSTRAP_ADMIN_EMAIL"] = api.AdminEmail;
        start.Environment["BOOTSTRAP_ADMIN_API_KEY"] = api.AdminKey;
        start.Environment.Remove(CustomHandler.HostPortSetting);
        start.Environment[CustomHandler.PortSetting] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["QUEUE_POLL_INTERVAL"] = "00:00:00.200";
        start.Environment["OUTBOUND_ALLOW_PRIVATE_NETWORKS"] = "true";
        start.Environment["WEBHOOK_REQUESTS_PER_MINUTE"] = "1000000";
        start.Environment["RATE_LIMIT_PER_KEY"] = "1000000";
        start.Environment["RATE_LIMIT_ANONYMOUS_WRITES"] = "1000000";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(start)!;
        var log = Environment.GetEnvironmentVariable("RESILIENCE_WORKER_LOG");
        process.OutputDataReceived += (_, e) => { if (log is not null && e.Data is not null) { lock (start) { File.AppendAllText(log, e.Data + "\n"); } } };
        process.ErrorDataReceived += (_, e) => { if (log is not null && e.Data is not null) { lock (start) { File.AppendAllText(log, e.Data + "\n"); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var (index, _) = await HostingTests.FirstIndexAsync(port, process);
        Assert.NotNull(index);
        return process;
    }
}
