using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;

namespace Serverless.Bench;

/// <summary>
/// What the app asks of storage per request, counted rather than guessed: an EventPipe session on the running app
/// listens to the Azure SDK's own request events (<c>Azure-Core</c>, one per storage call, method and URI) while 20
/// requests of one shape are sent one after another. The queue pollers' receives are left out. The floors
/// (<see cref="Floors"/>) make these same calls.
/// </summary>
public static partial class StorageCalls
{
    private const int Requests = 20;

    public static async Task RunAsync(int pid, Uri baseUrl)
    {
        foreach (var shape in Shapes.Api)
        {
            using var api = new Api(baseUrl);
            await Shapes.SendAsync(api, shape); // warm: caches filled as under load
            var calls = await CountAsync(pid, async () =>
            {
                for (var i = 0; i < Requests; i++)
                {
                    await Shapes.SendAsync(api, shape);
                }
            });
            var byKind = calls.GroupBy(c => c).OrderBy(g => g.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => Math.Round((double)g.Count() / Requests, 2));
            Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["scenario"] = "calls", ["shape"] = shape, ["per_request"] = Math.Round((double)calls.Count / Requests, 2), ["calls"] = byKind,
            }));
        }
    }

    /// <summary>
    /// The storage calls the process with <paramref name="pid"/> makes while <paramref name="work"/> runs; the queue
    /// pollers' receives only with <paramref name="includeReceives"/> (idle polling would count against a request).
    /// </summary>
    public static async Task<List<string>> CountAsync(int pid, Func<Task> work, bool includeReceives = false)
    {
        var client = new DiagnosticsClient(pid);
        using var session = client.StartEventPipeSession([new EventPipeProvider("Azure-Core", EventLevel.Informational)], requestRundown: false);
        using var source = new EventPipeEventSource(session.EventStream);
        var calls = new ConcurrentQueue<string>();
        source.Dynamic.All += e =>
        {
            if (e.EventName == "Request" && e.PayloadByName("uri") is string uri && e.PayloadByName("method") is string method && (includeReceives || !IsPollerReceive(method, uri)))
            {
                calls.Enqueue(Describe(method, uri));
            }
        };
        var processing = Task.Run(source.Process);
        await Task.Delay(500);
        await work();
        await Task.Delay(500);
        await session.StopAsync(CancellationToken.None);
        await processing;
        return [.. calls];
    }

    private static bool IsPollerReceive(string method, string uri) =>
        method == "GET" && uri.Contains("/messages", StringComparison.Ordinal) && !uri.Contains("peekonly", StringComparison.OrdinalIgnoreCase);

    /// <summary><c>GET Users(key)</c>, <c>GET Flows query</c>, <c>POST $batch</c>, <c>PUT blob flows</c>: the table or container and the kind of call.</summary>
    public static string Describe(string method, string uri)
    {
        var path = new Uri(uri).AbsolutePath;
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var resource = parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : path;
        if (new Uri(uri).Port % 10 == 1 || uri.Contains("/messages", StringComparison.Ordinal))
        {
            return $"{method} queue {resource}";
        }
        if (parts.Length > 2)
        {
            return $"{method} blob {resource}";
        }
        var match = TableCall().Match(resource);
        return match.Success
            ? string.Create(CultureInfo.InvariantCulture, $"{method} {match.Groups[1].Value}{(match.Groups[2].Value.Length == 0 ? " query" : "(key)")}")
            : $"{method} {resource}";
    }

    [GeneratedRegex(@"^([^(]+)\((.*)\)$")]
    private static partial Regex TableCall();
}
