using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Serverless.Bench;

// Latency of the status page's hottest read and write through the running app, side by side with the floor: the same
// storage calls the app makes for them, made directly. bench/run.sh starts the app and its storage and runs this.
var baseUrl = new Uri(Environment.GetEnvironmentVariable("BENCH_BASE_URL") ?? "http://127.0.0.1:7190");
var key = Environment.GetEnvironmentVariable("BOOTSTRAP_ADMIN_API_KEY") ?? throw new InvalidOperationException("Set BOOTSTRAP_ADMIN_API_KEY.");
var storage = Environment.GetEnvironmentVariable("AzureWebJobsStorage") ?? throw new InvalidOperationException("Set AzureWebJobsStorage.");
var iterations = int.Parse(Environment.GetEnvironmentVariable("BENCH_ITERATIONS") ?? "300", CultureInfo.InvariantCulture);

using var http = new HttpClient { BaseAddress = baseUrl };
http.DefaultRequestHeaders.Add("X-Cachet-Token", key);
using var guest = new HttpClient { BaseAddress = baseUrl };
var tables = new TableServiceClient(storage);
TableClient Table(string name) => tables.GetTableClient(name);

// Data: twenty components and one metric on the default page, as a small real page has.
for (var i = 0; i < 20; i++)
{
    (await http.PostAsJsonAsync("/api/v1/components", new { name = $"Component {i}", status = 1 })).EnsureSuccessStatusCode();
}
var metricResponse = await http.PostAsJsonAsync("/api/v1/metrics", new { name = "Latency", suffix = "ms", default_value = 0 });
var metricId = (await metricResponse.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonObject>())!["data"]!["id"]!.GetValue<int>();
var pageId = (await Table("StatusPages").GetEntityAsync<TableEntity>("pages", "default")).Value.GetString("PageId");
var keyHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
var value = 0;

var scenarios = new (string Name, Func<Task> App, Func<Task> Floor)[]
{
    ("GET /api/v1/components (guest, 20 items)",
        async () => (await guest.GetAsync("/api/v1/components")).EnsureSuccessStatusCode(),
        async () =>
        {
            await Table("StatusPages").GetEntityIfExistsAsync<TableEntity>("pages", "default");
            await ListAsync(Table("StatusItems"), TableClient.CreateQueryFilter($"PartitionKey eq {pageId} and RowKey gt {"component-"} and RowKey lt {"component."}"));
        }),
    ("POST /api/v1/metrics/{id}/points (token)",
        async () => (await http.PostAsJsonAsync($"/api/v1/metrics/{metricId}/points", new { value = ++value })).EnsureSuccessStatusCode(),
        async () =>
        {
            var items = Table("StatusItems");
            await Table("StatusPages").GetEntityIfExistsAsync<TableEntity>("pages", "default");
            var index = await Table("ApiKeys").GetEntityAsync<TableEntity>(keyHash, "");
            await Table("Users").GetEntityIfExistsAsync<TableEntity>(index.Value.GetString("TenantId"), index.Value.GetString("UserId"));
            await items.GetEntityIfExistsAsync<TableEntity>(pageId, $"metric-{metricId:D10}");
            var partition = $"{pageId}-{metricId:D10}";
            await ListAsync(Table("StatusMetricPoints"),
                TableClient.CreateQueryFilter($"PartitionKey eq {partition} and CreatedAt ge {DateTimeOffset.UtcNow.AddMinutes(-5)} and Value gt {++value - 0.0001} and Value lt {value + 0.0001}"));
            var counter = (await items.GetEntityAsync<TableEntity>(pageId, "counter-point")).Value;
            counter["Next"] = counter.GetInt32("Next")!.Value + 1;
            await items.SubmitTransactionAsync([new TableTransactionAction(TableTransactionActionType.UpdateReplace, counter, counter.ETag)]);
            await Table("StatusMetricPoints").AddEntityAsync(new TableEntity(partition, $"{counter.GetInt32("Next"):D10}") { ["Value"] = (double)value, ["Counter"] = 1, ["CreatedAt"] = DateTimeOffset.UtcNow });
        }),
};

Console.WriteLine($"{iterations} sequential calls each, after 30 to warm up; milliseconds.");
Console.WriteLine();
Console.WriteLine("| scenario | app p50 | app p95 | floor p50 | floor p95 | app / floor (p50) |");
Console.WriteLine("|---|---|---|---|---|---|");
foreach (var (name, app, floor) in scenarios)
{
    var a = await MeasureAsync(app, iterations);
    var f = await MeasureAsync(floor, iterations);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {a.P50:0.00} | {a.P95:0.00} | {f.P50:0.00} | {f.P95:0.00} | {a.P50 / f.P50:0.0}x |"));
}

await FlowThroughput.RunAsync(baseUrl, key, storage);

static async Task<(double P50, double P95)> MeasureAsync(Func<Task> call, int iterations)
{
    for (var i = 0; i < 30; i++)
    {
        await call();
    }
    var times = new List<double>(iterations);
    for (var i = 0; i < iterations; i++)
    {
        var start = Stopwatch.GetTimestamp();
        await call();
        times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    }
    times.Sort();
    return (times[iterations / 2], times[(int)(iterations * 0.95)]);
}

static async Task ListAsync(TableClient table, string filter)
{
    await foreach (var page in table.QueryAsync<TableEntity>(filter).AsPages())
    {
        _ = page.Values.Count;
    }
}
