using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Azure.Storage.Queues;

namespace Serverless.Bench;

/// <summary>
/// Messages through a running flow, webhook → JSONata mapper → REST request to a local sink, end to end: messages per
/// second, and the time from the webhook's answer to the sink's receipt. Its floor is the storage calls the runtime
/// makes for one message (webhook: the flow's index and row, the trigger's snapshot, the enqueue; worker: the
/// receive, the flow's row, the step's snapshot, the delete), made directly at the same concurrency. Prints a JSON line
/// with the storage calls per message (counted on the app, receives included) and the app's peak resident memory.
/// </summary>
public static class FlowThroughput
{
    public static async Task RunAsync(Uri baseUrl, string key, string storage, int pid)
    {
        var messages = int.Parse(Environment.GetEnvironmentVariable("BENCH_FLOW_MESSAGES") ?? "1000", CultureInfo.InvariantCulture);
        const int Concurrency = 16;
        var arrivals = new ConcurrentDictionary<int, long>();
        using var sink = new HttpListener();
        var sinkPort = 7290;
        sink.Prefixes.Add($"http://127.0.0.1:{sinkPort}/");
        sink.Start();
        _ = Task.Run(async () =>
        {
            while (sink.IsListening)
            {
                var context = await sink.GetContextAsync();
                var body = JsonNode.Parse(context.Request.InputStream)!;
                arrivals.TryAdd((int)body["n"]!.GetValue<double>(), Stopwatch.GetTimestamp());
                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        });

        using var http = new HttpClient { BaseAddress = baseUrl };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Environment.GetEnvironmentVariable("BOOTSTRAP_ADMIN_EMAIL")}:{key}")));
        async Task<JsonObject> Post(string path, string json)
        {
            var response = await http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
            var text = await response.Content.ReadAsStringAsync();
            return response.IsSuccessStatusCode ? JsonNode.Parse(text)!.AsObject() : throw new InvalidOperationException($"{path}: {text}");
        }
        var contract = (await Post("/v2/contracts", """{"data":{"type":"contract","attributes":{"name":"Bench"}}}"""))["data"]!["id"]!.ToString();
        var workspace = (await Post("/v2/workspaces", """{"data":{"type":"workspace","attributes":{"name":"Bench"},"relationships":{"contract":{"data":{"id":"CONTRACT","type":"contract"}}}}}""".Replace("CONTRACT", contract, StringComparison.Ordinal)))["data"]!["id"]!.ToString();
        var flowJson = new JsonObject
        {
            ["data"] = new JsonObject
            {
                ["type"] = "flow",
                ["attributes"] = new JsonObject
                {
                    ["name"] = "Bench",
                    ["type"] = "ordinary",
                    ["default_mapper_type"] = "jsonata",
                    ["graph"] = new JsonObject
                    {
                        ["nodes"] = new JsonArray(
                            new JsonObject { ["id"] = "step_1", ["command"] = "components/webhook:receive", ["fields"] = new JsonObject { ["auth"] = new JsonObject { ["type"] = "NO_AUTH" } } },
                            new JsonObject
                            {
                                ["id"] = "step_2",
                                ["command"] = "components/rest-api:httpRequestAxios",
                                ["fields"] = new JsonObject { ["reader"] = new JsonObject { ["method"] = "POST", ["url"] = $"\"http://127.0.0.1:{sinkPort}/in\"", ["body"] = "$" } },
                            }),
                        ["edges"] = new JsonArray(new JsonObject
                        {
                            ["source"] = "step_1",
                            ["target"] = "step_2",
                            ["config"] = new JsonObject { ["mapper"] = new JsonObject { ["n"] = "n", ["name"] = "customer.name" } },
                        }),
                    },
                },
                ["relationships"] = new JsonObject { ["workspace"] = new JsonObject { ["data"] = new JsonObject { ["id"] = workspace, ["type"] = "workspace" } } },
            },
        };
        var flow = (await Post("/v2/flows", flowJson.ToJsonString()))["data"]!["id"]!.ToString();
        await Post($"/v2/flows/{flow}/start", "");
        for (var i = 0; i < 100 && (await http.GetFromJsonAsync<JsonObject>($"/v2/flows/{flow}"))!["data"]!["attributes"]!["current_status"]!.ToString() != "active"; i++)
        {
            await Task.Delay(100);
        }

        using var anonymous = new HttpClient { BaseAddress = baseUrl };
        var accepted = new ConcurrentDictionary<int, long>();
        var next = 0;
        var start = Stopwatch.GetTimestamp();
        var peakRss = 0L;
        var calls = await StorageCalls.CountAsync(pid, async () =>
        {
            using var sampling = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                while (!sampling.IsCancellationRequested)
                {
                    peakRss = Math.Max(peakRss, ResidentMegabytes(pid));
                    await Task.Delay(200, CancellationToken.None);
                }
            });
            await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(async _ =>
            {
                int n;
                while ((n = Interlocked.Increment(ref next)) <= messages)
                {
                    var response = await anonymous.PostAsync($"/hook/{flow}", new StringContent("{\"n\":" + n + ",\"customer\":{\"name\":\"Ada\"}}", Encoding.UTF8, "application/json"));
                    response.EnsureSuccessStatusCode();
                    accepted[n] = Stopwatch.GetTimestamp();
                }
            }));
            var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 120;
            while (arrivals.Count < messages && Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(20);
            }
            await sampling.CancelAsync();
            await sampler;
        }, includeReceives: true);
        var seconds = Stopwatch.GetElapsedTime(start, arrivals.Values.DefaultIfEmpty(Stopwatch.GetTimestamp()).Max()).TotalSeconds;
        var latencies = arrivals.Where(a => accepted.ContainsKey(a.Key)).Select(a => Stopwatch.GetElapsedTime(accepted[a.Key], a.Value).TotalMilliseconds).Order().ToList();
        sink.Stop();

        var floor = await FloorAsync(storage, messages, Concurrency);
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["scenario"] = "flow",
            ["messages"] = messages,
            ["delivered"] = arrivals.Count,
            ["per_second"] = Math.Round(arrivals.Count / seconds, 1),
            ["p50"] = Percentile(latencies, 0.5),
            ["p99"] = Percentile(latencies, 0.99),
            ["floor_per_second"] = Math.Round(floor, 1),
            ["calls_per_message"] = Math.Round((double)calls.Count / messages, 2),
            ["calls"] = calls.GroupBy(c => c).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => Math.Round((double)g.Count() / messages, 2)),
        }));
        Console.WriteLine(JsonSerializer.Serialize(new { scenario = "rss", state = "under the flow load (peak)", mb = peakRss }));
    }

    /// <summary>The resident memory of process <paramref name="pid"/> (Linux /proc), in MB.</summary>
    public static long ResidentMegabytes(int pid) =>
        File.ReadLines($"/proc/{pid}/status").Where(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024).FirstOrDefault();

    private static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)(sorted.Count * p))];

    /// <summary>Messages per second of the runtime's storage calls alone, at the same concurrency.</summary>
    private static async Task<double> FloorAsync(string storage, int messages, int concurrency)
    {
        var tables = new TableServiceClient(storage);
        var table = tables.GetTableClient("BenchFloor");
        await table.CreateIfNotExistsAsync();
        await table.UpsertEntityAsync(new TableEntity("flow", "row") { ["Graph"] = new string('x', 600) });
        var queue = new QueueClient(storage, "bench-floor", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        await queue.CreateIfNotExistsAsync();
        var body = new string('m', 700);
        var next = 0;
        var start = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) <= messages)
            {
                await table.GetEntityIfExistsAsync<TableEntity>("flow", "index");
                await table.GetEntityIfExistsAsync<TableEntity>("flow", "row");
                await table.GetEntityIfExistsAsync<TableEntity>("flow", "snapshot");
                await queue.SendMessageAsync(body);
                var received = (await queue.ReceiveMessagesAsync(1)).Value;
                await table.GetEntityIfExistsAsync<TableEntity>("flow", "row");
                await table.GetEntityIfExistsAsync<TableEntity>("flow", "snapshot");
                foreach (var message in received)
                {
                    await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                }
            }
        }));
        return messages / Stopwatch.GetElapsedTime(start).TotalSeconds;
    }
}
