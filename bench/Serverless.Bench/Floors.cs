using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Azure;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;

namespace Serverless.Bench;

/// <summary>
/// The floor of each API request shape: the storage calls the app makes for one request, as <c>bench calls</c> counted
/// them on the running app (read back from results.jsonl), replayed directly with the same SDK against the same Azurite
/// by as many tasks as wrk had connections, for as long, in tables of their own with rows of about the app's size
/// (1.5 KB; a list as long as the app's page). Prints, for each connection count, the JSON line bench/wrk/report.lua
/// prints.
/// </summary>
public static class Floors
{
    public static async Task RunAsync(string storage, string resultsPath, string shape, double seconds, IEnumerable<int> connectionCounts)
    {
        var counted = File.ReadLines(resultsPath).Select(l => JsonNode.Parse(l)!.AsObject())
            .Single(r => r["scenario"]!.ToString() == "calls" && r["shape"]!.ToString() == shape)["calls"]!.AsObject();
        var listSize = shape switch { "flows-list" => 50, "components-guest" => 20, _ => 10 };
        var steps = new List<Func<Task>>();
        foreach (var (kind, perRequest) in counted)
        {
            var step = await StepAsync(storage, kind, listSize);
            for (var i = 0; i < (int)Math.Round(perRequest!.GetValue<double>()); i++)
            {
                steps.Add(step);
            }
        }
        async Task Request()
        {
            foreach (var step in steps)
            {
                await step();
            }
        }
        for (var i = 0; i < 20; i++)
        {
            await Request();
        }
        foreach (var connections in connectionCounts)
        {
            Console.WriteLine(JsonSerializer.Serialize(await MeasureAsync(Request, connections, seconds)));
        }
    }

    /// <summary>One storage call of the kind <see cref="StorageCalls.Describe"/> names, on a table or container of its own.</summary>
    private static async Task<Func<Task>> StepAsync(string storage, string kind, int listSize)
    {
        var parts = kind.Split(' ');
        var (method, resource) = (parts[0], parts[1]);
        if (resource is "queue")
        {
            var queue = new QueueClient(storage, "floor-" + parts[2].ToLowerInvariant());
            await queue.CreateIfNotExistsAsync();
            return method == "POST" ? () => queue.SendMessageAsync(new string('m', 700)) : () => queue.ReceiveMessagesAsync(1);
        }
        if (resource is "blob")
        {
            var container = new BlobContainerClient(storage, "floor-" + parts[2].ToLowerInvariant());
            await container.CreateIfNotExistsAsync();
            var blob = container.GetBlobClient("row");
            await blob.UploadAsync(BinaryData.FromString(new string('b', 2000)), overwrite: true);
            return method == "GET" ? () => blob.DownloadContentAsync() : () => blob.UploadAsync(BinaryData.FromString(new string('b', 2000)), overwrite: true);
        }
        var name = resource.EndsWith("(key)", StringComparison.Ordinal) ? resource[..^5] : resource;
        var table = new TableServiceClient(storage).GetTableClient("Floor" + name.TrimStart('$'));
        await table.CreateIfNotExistsAsync();
        var data = new string('x', 1500);
        await table.UpsertEntityAsync(new TableEntity("p", "r") { ["Data"] = data });
        if (parts.Length > 2 && parts[2] == "query")
        {
            await table.SubmitTransactionAsync(Enumerable.Range(0, listSize).Select(i => new TableTransactionAction(TableTransactionActionType.UpsertReplace,
                new TableEntity("list", $"item-{i:D4}") { ["Data"] = data })));
            return () => Query(table, "list");
        }
        return (method, resource.EndsWith("(key)", StringComparison.Ordinal)) switch
        {
            ("GET", true) => () => Point(table, "p", "r"),
            ("PUT", true) => () => table.UpdateEntityAsync(new TableEntity("p", "r") { ["Data"] = data }, ETag.All, TableUpdateMode.Replace),
            ("MERGE" or "PATCH", true) => () => table.UpdateEntityAsync(new TableEntity("p", "r") { ["At"] = DateTimeOffset.UtcNow }, ETag.All, TableUpdateMode.Merge),
            ("DELETE", true) => () => table.DeleteEntityAsync("p", Guid.NewGuid().ToString("N")),
            ("POST", false) when name == "$batch" => () => table.SubmitTransactionAsync([
                new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity("p", "r") { ["Data"] = data }),
                new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity("p", "s") { ["Data"] = data })]),
            ("POST", false) => () => table.AddEntityAsync(new TableEntity("p", Guid.NewGuid().ToString("N")) { ["Data"] = data }),
            _ => throw new InvalidOperationException($"No floor step for '{kind}'."),
        };
    }

    private static async Task<object> MeasureAsync(Func<Task> request, int connections, double seconds)
    {
        var times = new ConcurrentBag<double>();
        var errors = 0;
        var deadline = Stopwatch.GetTimestamp() + (long)(Stopwatch.Frequency * seconds);
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
        {
            while (Stopwatch.GetTimestamp() < deadline)
            {
                var start = Stopwatch.GetTimestamp();
                try
                {
                    await request();
                    times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
                catch (RequestFailedException)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        }));
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var sorted = times.Order().ToList();
        return new
        {
            connections,
            requests = sorted.Count,
            rps = Math.Round(sorted.Count / elapsed, 1),
            p50 = Operations.Percentile(sorted, 0.50),
            p95 = Operations.Percentile(sorted, 0.95),
            p99 = Operations.Percentile(sorted, 0.99),
            non2xx = 0,
            errors,
        };
    }

    private static Task Point(TableClient table, string partition, string row) =>
        table.GetEntityIfExistsAsync<TableEntity>(partition, row);

    private static async Task Query(TableClient table, string partition)
    {
        await foreach (var page in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition}")).AsPages())
        {
            _ = page.Values.Count;
        }
    }
}
