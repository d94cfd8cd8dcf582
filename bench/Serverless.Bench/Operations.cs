using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Azure.Data.Tables;

namespace Serverless.Bench;

/// <summary>
/// Operation turnaround: <c>POST /v2/components/{rest-api}/versions/latest/verify-credential</c> (the worker GETs a
/// local upstream) to the poll's <c>303</c>, polled every 10 ms, at 1 and 32 concurrent clients; sustained operations
/// per second; the idle pick-up alone (202 to the worker's call upstream, after 1.5 s of quiet); and fast operations
/// started beside slow ones (an upstream that takes 2 s) against fast ones alone. Its floor is the engine's storage
/// calls for one operation made directly (row insert, enqueue, receive, row to running, row to done, delete, the
/// poll's reads).
/// </summary>
public static class Operations
{
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(60);

    public static async Task RunAsync(Uri baseUrl, string storage)
    {
        using var upstream = new Upstream(7291);
        using var api = new Api(baseUrl);
        var admin = ("Authorization", Api.Env("BENCH_ADMIN_BASIC"));
        var components = await api.GetAsync($"/v2/components?contract_id={Api.Env("BENCH_CONTRACT")}", admin);
        var restApi = components["data"]!.AsArray().Single(c => c!["attributes"]!["name"]!.ToString() == "rest-api")!["id"]!.ToString();
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, MaxConnectionsPerServer = 256 }) { BaseAddress = baseUrl };
        http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", Api.Env("BENCH_ADMIN_BASIC"));
        var next = 0;
        var succeeded = 0;

        // One operation: its turnaround in ms, and the 202's time (for the pick-up).
        async Task<(double Milliseconds, long Accepted, int N)> OneAsync(string path)
        {
            var n = Interlocked.Increment(ref next);
            var body = """{"data":{"type":"verify-credential","attributes":{"fields":{"auth":{"type":"No Auth"},"url":"URL"}},"relationships":{"workspace":{"data":{"id":"WORKSPACE","type":"workspace"}}}}}"""
                .Replace("URL", $"http://127.0.0.1:{upstream.Port}{path}?n={n}", StringComparison.Ordinal)
                .Replace("WORKSPACE", Api.Env("BENCH_LIST_WORKSPACE"), StringComparison.Ordinal);
            var start = Stopwatch.GetTimestamp();
            using var accepted = await http.PostAsync($"/v2/components/{restApi}/versions/latest/verify-credential",
                new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
            var acceptedAt = Stopwatch.GetTimestamp();
            if (accepted.StatusCode != HttpStatusCode.Accepted)
            {
                throw new InvalidOperationException($"verify-credential answered {(int)accepted.StatusCode}: {await accepted.Content.ReadAsStringAsync()}");
            }
            var poll = PathOf(accepted.Headers.Location!);
            while (true)
            {
                using var response = await http.GetAsync(poll);
                if (response.StatusCode == HttpStatusCode.SeeOther)
                {
                    var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                    using var result = await http.GetAsync(PathOf(response.Headers.Location!));
                    var text = await result.Content.ReadAsStringAsync();
                    if (text.Contains("\"verified\":true", StringComparison.Ordinal))
                    {
                        Interlocked.Increment(ref succeeded);
                    }
                    return (elapsed, acceptedAt, n);
                }
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    throw new InvalidOperationException($"poll answered {(int)response.StatusCode} after {Stopwatch.GetElapsedTime(start)}");
                }
                if (Stopwatch.GetElapsedTime(start) > GiveUpAfter)
                {
                    // Counted as not done (the check line shows it) and timed as what the client waited.
                    return (Stopwatch.GetElapsedTime(start).TotalMilliseconds, acceptedAt, n);
                }
                await Task.Delay(PollEvery);
            }
        }

        async Task<List<double>> ClientsAsync(int clients, int perClient, string path)
        {
            var times = new ConcurrentBag<double>();
            await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
            {
                for (var i = 0; i < perClient; i++)
                {
                    times.Add((await OneAsync(path)).Milliseconds);
                }
            }));
            return [.. times.Order()];
        }

        await ClientsAsync(4, 5, "/fast"); // warm-up
        succeeded = 0;
        var total = 0;
        var one = await ClientsAsync(1, 100, "/fast");
        total += one.Count;
        Print("turnaround", 1, one, null);
        var started = Stopwatch.GetTimestamp();
        var many = await ClientsAsync(32, 10, "/fast");
        total += many.Count;
        Print("turnaround", 32, many, many.Count / Stopwatch.GetElapsedTime(started).TotalSeconds);

        var pickups = new List<double>();
        for (var i = 0; i < 10; i++)
        {
            await Task.Delay(1500);
            var (_, acceptedAt, n) = await OneAsync("/fast");
            total++;
            if (upstream.Arrivals.TryGetValue(n, out var arrived))
            {
                pickups.Add(Stopwatch.GetElapsedTime(acceptedAt, arrived).TotalMilliseconds);
            }
        }
        Print("idle pick-up", 1, [.. pickups.Order()], null);

        // Fast operations alone, then the same beside 16 slow ones started first.
        var alone = await ClientsAsync(16, 4, "/fast");
        total += alone.Count;
        Print("fast alone", 16, alone, null);
        var slow = ClientsAsync(16, 1, "/slow");
        await Task.Delay(100);
        var mixed = await ClientsAsync(16, 4, "/fast");
        var slowTimes = await slow;
        total += mixed.Count + slowTimes.Count;
        Print("fast beside 16 slow (2 s)", 16, mixed, null);
        Print("slow (2 s upstream)", 16, slowTimes, null);
        Console.WriteLine(JsonSerializer.Serialize(new { scenario = "operations-check", operations = total, verified = succeeded }));

        var floor = await FloorAsync(storage, 32, 10);
        Print("floor: the engine's storage calls", 32, floor.Times, floor.PerSecond);
    }

    private static string PathOf(Uri location) => location.IsAbsoluteUri ? location.PathAndQuery : location.OriginalString;

    private static void Print(string name, int clients, List<double> sorted, double? perSecond) =>
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            scenario = "operations",
            name,
            clients,
            count = sorted.Count,
            p50 = Percentile(sorted, 0.50),
            p95 = Percentile(sorted, 0.95),
            p99 = Percentile(sorted, 0.99),
            per_second = perSecond,
        }));

    public static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : Math.Round(sorted[Math.Min(sorted.Count - 1, (int)(sorted.Count * p))], 2);

    /// <summary>One operation's storage calls, made directly: the row and the message, the worker's moves, the poll's reads.</summary>
    private static async Task<(List<double> Times, double PerSecond)> FloorAsync(string storage, int clients, int perClient)
    {
        var table = new TableServiceClient(storage).GetTableClient("BenchFloorOperations");
        await table.CreateIfNotExistsAsync();
        var queue = new Azure.Storage.Queues.QueueClient(storage, "bench-floor-operations");
        await queue.CreateIfNotExistsAsync();
        var times = new ConcurrentBag<double>();
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            for (var i = 0; i < perClient; i++)
            {
                var start = Stopwatch.GetTimestamp();
                var id = Guid.NewGuid().ToString("N");
                var row = new TableEntity(id, "") { ["Status"] = "pending", ["Input"] = new string('i', 300) };
                await table.AddEntityAsync(row);
                await queue.SendMessageAsync(id);
                await table.GetEntityAsync<TableEntity>(id, ""); // the first poll
                var message = (await queue.ReceiveMessageAsync()).Value;
                var current = (await table.GetEntityAsync<TableEntity>(id, "")).Value;
                current["Status"] = "running";
                var running = await table.UpdateEntityAsync(current, current.ETag, TableUpdateMode.Replace);
                current["Status"] = "succeeded";
                current["Result"] = "{\"verified\":true}";
                await table.UpdateEntityAsync(current, running.Headers.ETag!.Value, TableUpdateMode.Replace);
                if (message is not null)
                {
                    await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                }
                await table.GetEntityAsync<TableEntity>(id, ""); // the poll that sees it done
                times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        }));
        return ([.. times.Order()], clients * perClient / Stopwatch.GetElapsedTime(started).TotalSeconds);
    }
}
