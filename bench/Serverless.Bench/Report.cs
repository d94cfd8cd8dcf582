using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;

namespace Serverless.Bench;

/// <summary>
/// The one table: reads bench/.out/results.jsonl, takes the median of each measurement over its runs, and prints
/// Markdown with the machine's description; with <c>readme</c>, also replaces what stands between the
/// <c>bench:results</c> markers in bench/README.md (run from the repository's root, as bench/run.sh does). A target missed is marked ✗.
/// </summary>
public static class Report
{
    private const string Start = "<!-- bench:results:start -->";
    private const string End = "<!-- bench:results:end -->";

    public static void Write(string resultsPath, bool readme, string runs, string seconds)
    {
        var rows = File.ReadAllLines(resultsPath).Where(l => l.StartsWith('{')).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        var text = new StringBuilder();
        Machine(text, rows, runs, seconds);
        Api(text, rows);
        Operations(text, rows);
        Flow(text, rows);
        Mapper(text, rows);
        Startup(text, rows);
        Spike(text, rows);
        Limits(text, rows);
        Console.Write(text);
        if (readme)
        {
            const string path = "bench/README.md";
            var current = File.ReadAllText(path);
            var from = current.IndexOf(Start, StringComparison.Ordinal);
            var to = current.IndexOf(End, StringComparison.Ordinal);
            if (from < 0 || to < from)
            {
                throw new InvalidOperationException($"{path} has no {Start} … {End} section.");
            }
            File.WriteAllText(path, current[..(from + Start.Length)] + "\n" + text + current[to..]);
        }
    }

    private static void Machine(StringBuilder text, List<JsonObject> rows, string runs, string seconds)
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var memory = File.Exists("/proc/meminfo")
            ? long.Parse(File.ReadLines("/proc/meminfo").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024 / 1024
            : 0;
        var loads = string.Join(", ", rows.Where(r => S(r, "scenario") == "load").Select(r => $"{S(r, "name")} {D(r, "loadavg"):0.0}"));
        text.Append(CultureInfo.InvariantCulture, $"""
            Run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC by `bench/run.sh`: {cpu ?? RuntimeInformation.ProcessArchitecture.ToString()}, {Environment.ProcessorCount} cores, {memory} GB,
            {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, Azurite in memory on the same machine. The
            machine is shared with other work: the 1-minute load average when each scenario started was {loads}.
            Medians of {runs} runs of {seconds} s where a scenario is timed; milliseconds unless named. ✗ marks a missed target.


            """);
    }

    private static void Api(StringBuilder text, List<JsonObject> rows)
    {
        var api = rows.Where(r => S(r, "scenario") == "api").ToList();
        if (api.Count == 0)
        {
            return;
        }
        var calls = rows.Where(r => S(r, "scenario") == "calls").ToDictionary(r => S(r, "shape"), r => r);
        text.Append("""
            ### 1. API throughput and latency (wrk) beside the floor (the same storage calls, made directly)

            Target: app req/s ≥ 0.8× the floor's, app p99 ≤ 1.5× the floor's.

            | request | conn | app req/s | p50 | p95 | p99 | floor req/s | p50 | p95 | p99 | req/s ratio | p99 ratio | non-2xx | storage calls |
            |---|---|---|---|---|---|---|---|---|---|---|---|---|---|

            """);
        foreach (var group in api.GroupBy(r => (S(r, "shape"), (int)D(r, "connections"))))
        {
            var app = group.Where(r => S(r, "side") == "app").Select(r => r["result"]!.AsObject()).ToList();
            var floor = group.Where(r => S(r, "side") == "floor").Select(r => r["result"]!.AsObject()).ToList();
            var rps = Median(app, "rps");
            var floorRps = Median(floor, "rps");
            var p99 = Median(app, "p99");
            var floorP99 = Median(floor, "p99");
            var callCount = calls.TryGetValue(group.Key.Item1, out var c) ? D(c, "per_request").ToString("0.#", CultureInfo.InvariantCulture) : "";
            text.Append(CultureInfo.InvariantCulture,
                $"| {Label(group.Key.Item1)} | {group.Key.Item2} | {rps:0} | {Median(app, "p50"):0.0} | {Median(app, "p95"):0.0} | {p99:0.0} | {floorRps:0} | {Median(floor, "p50"):0.0} | {Median(floor, "p95"):0.0} | {floorP99:0.0} | {Mark(rps / floorRps, 0.8, true)} | {Mark(p99 / floorP99, 1.5, false)} | {app.Sum(a => D(a, "non2xx") + D(a, "errors")):0} | {callCount} |\n");
        }
        var verify = rows.FirstOrDefault(r => S(r, "scenario") == "verify");
        if (verify is not null)
        {
            var answered = api.Where(r => S(r, "side") == "app").Select(r => (Shape: S(r, "shape"), Result: r["result"]!.AsObject()))
                .GroupBy(r => r.Shape).ToDictionary(g => g.Key, g => g.Sum(r => D(r.Result, "requests") - D(r.Result, "non2xx")));
            // `bench calls` sent 21 of each shape (one to warm up, twenty counted) before wrk ran.
            text.Append(CultureInfo.InvariantCulture, $"""

                Work done: {D(verify, "flows_created"):0} flows in the POSTs' workspace for {answered.GetValueOrDefault("flows-create") + 21:0} answered 2xx, and
                {D(verify, "notes"):0} war-room notes for {answered.GetValueOrDefault("warroom-note") + 21:0} (wrk stops counting at its deadline while the last requests are still in
                flight, so storage may hold up to one per connection more). Storage calls per request, counted with an EventPipe session on
                the app (`bench calls`): {string.Join("; ", calls.Values.Select(c => $"{Label(S(c, "shape"))}: {string.Join(", ", c["calls"]!.AsObject().Select(k => $"{k.Key} ×{k.Value}"))}"))}.

                """);
        }
        text.Append('\n');
    }

    private static void Operations(StringBuilder text, List<JsonObject> rows)
    {
        var operations = rows.Where(r => S(r, "scenario") == "operations").ToList();
        if (operations.Count == 0)
        {
            return;
        }
        text.Append("""
            ### 2. Operations: `POST …/verify-credential` to the poll's 303 (polled every 10 ms)

            Targets: p50 under 30 ms, p99 under 150 ms; idle pick-up under 50 ms.

            | measurement | clients | operations | p50 | p95 | p99 | operations/s |
            |---|---|---|---|---|---|---|

            """);
        foreach (var r in operations)
        {
            var name = S(r, "name");
            var timed = name.StartsWith("turnaround", StringComparison.Ordinal) || name.StartsWith("fast", StringComparison.Ordinal);
            var pickup = name == "idle pick-up";
            text.Append(CultureInfo.InvariantCulture,
                $"| {name} | {D(r, "clients"):0} | {D(r, "count"):0} | {(timed ? Mark(D(r, "p50"), 30, false, "0.0") : pickup ? Mark(D(r, "p50"), 50, false, "0.0") : D(r, "p50").ToString("0.0", CultureInfo.InvariantCulture))} | {D(r, "p95"):0.0} | {(timed ? Mark(D(r, "p99"), 150, false, "0.0") : D(r, "p99").ToString("0.0", CultureInfo.InvariantCulture))} | {(r["per_second"] is null ? "" : D(r, "per_second").ToString("0", CultureInfo.InvariantCulture))} |\n");
        }
        if (rows.FirstOrDefault(r => S(r, "scenario") == "operations-check") is { } check)
        {
            text.Append(CultureInfo.InvariantCulture, $"\nWork done: {D(check, "verified"):0} of {D(check, "operations"):0} operations reached 303 with `verified: true`.\n");
        }
        text.Append('\n');
    }

    private static void Flow(StringBuilder text, List<JsonObject> rows)
    {
        if (rows.FirstOrDefault(r => S(r, "scenario") == "flow") is not { } r)
        {
            return;
        }
        text.Append(CultureInfo.InvariantCulture, $"""
            ### 3. Flow throughput: webhook → JSONata mapper → REST request to a local sink, 16 concurrent senders

            Target: at least 500 messages/s.

            | delivered | messages/s | accept→deliver p50 | p99 | floor messages/s | app / floor | storage calls per message |
            |---|---|---|---|---|---|---|
            | {D(r, "delivered"):0}/{D(r, "messages"):0} | {Mark(D(r, "per_second"), 500, true, "0")} | {D(r, "p50"):0} | {D(r, "p99"):0} | {D(r, "floor_per_second"):0} | {D(r, "per_second") / D(r, "floor_per_second"):0.00}x | {D(r, "calls_per_message"):0.0} |

            Storage calls per message, by kind: {string.Join(", ", r["calls"]!.AsObject().Select(k => $"{k.Key} ×{k.Value}"))}.


            """);
    }

    private static void Mapper(StringBuilder text, List<JsonObject> rows)
    {
        var app = rows.Where(r => S(r, "scenario") == "mapper" && S(r, "engine") == "app").ToDictionary(r => S(r, "name"));
        var node = rows.Where(r => S(r, "scenario") == "mapper" && S(r, "engine") == "node").ToDictionary(r => S(r, "name"));
        if (app.Count == 0)
        {
            return;
        }
        text.Append("""
            ### 4. Mapper cost: µs per JSONata evaluation, the app's engine (jsonata in V8 via ClearScript) and jsonata under Node

            Target: at most 1.5× Node's time per evaluation.

            | mapping | app µs | Node µs | app / Node |
            |---|---|---|---|

            """);
        foreach (var (name, a) in app)
        {
            var n = node.TryGetValue(name, out var x) ? D(x, "us") : double.NaN;
            text.Append(CultureInfo.InvariantCulture, $"| {name} | {D(a, "us"):0.0} | {n:0.0} | {Mark(D(a, "us") / n, 1.5, false)} |\n");
        }
        if (rows.FirstOrDefault(r => S(r, "scenario") == "mapper-growth") is { } growth)
        {
            text.Append(CultureInfo.InvariantCulture, $"""

                Allocation growth over {D(growth, "evaluations"):N0} evaluations (the mappings in turn): managed heap after a full GC {D(growth, "heap_before_kb"):0} KB before, {D(growth, "heap_after_kb"):0} KB after; process RSS {D(growth, "rss_before_mb"):0} MB before, {D(growth, "rss_after_mb"):0} MB after.

                """);
        }
        text.Append('\n');
    }

    private static void Startup(StringBuilder text, List<JsonObject> rows)
    {
        var startup = rows.Where(r => S(r, "scenario") == "startup").ToList();
        var rss = rows.Where(r => S(r, "scenario") == "rss").ToList();
        if (startup.Count == 0 && rss.Count == 0)
        {
            return;
        }
        text.Append("""
            ### 5. Start-up and memory

            Targets: under 1 s to the first 200 on `/` and on the first authenticated call; under 200 MB resident.

            | build | process start → first 200 on `/` | → first authenticated 200 (`GET /v2/users/me`) |
            |---|---|---|

            """);
        foreach (var group in startup.GroupBy(r => S(r, "build")))
        {
            var label = group.Key == "release" ? "Release build (`dotnet Serverless.Functions.dll`)" : "self-contained publish (`scripts/publish.sh`)";
            text.Append(CultureInfo.InvariantCulture,
                $"| {label} | {Mark(Median([.. group], "root_ms"), 1000, false, "0")} | {Mark(Median([.. group], "authenticated_ms"), 1000, false, "0")} |\n");
        }
        text.Append("\n| app state | resident memory MB |\n|---|---|\n");
        foreach (var r in rss)
        {
            text.Append(CultureInfo.InvariantCulture, $"| {S(r, "state")} | {Mark(D(r, "mb"), 200, false, "0")} |\n");
        }
        text.Append('\n');
    }

    private static void Spike(StringBuilder text, List<JsonObject> rows)
    {
        var spike = rows.Where(r => S(r, "scenario") == "spike").ToList();
        if (spike.Count == 0)
        {
            return;
        }
        text.Append("""
            ### 6. Issue 12 part 5: the status page's guest reads at 64 connections, cached and uncached (`STATUS_PAGE_CACHE=false`)

            Targets: cached at least 10× the uncached throughput, p99 under 50 ms.

            | guest read | cached req/s | p99 | uncached req/s | p99 | cached / uncached | non-2xx |
            |---|---|---|---|---|---|---|

            """);
        foreach (var group in spike.GroupBy(r => S(r, "shape")))
        {
            var cached = group.Where(r => S(r, "side") == "cached").Select(r => r["result"]!.AsObject()).ToList();
            var uncached = group.Where(r => S(r, "side") == "uncached").Select(r => r["result"]!.AsObject()).ToList();
            text.Append(CultureInfo.InvariantCulture,
                $"| {Label(group.Key)} | {Median(cached, "rps"):0} | {Mark(Median(cached, "p99"), 50, false, "0.0")} | {Median(uncached, "rps"):0} | {Median(uncached, "p99"):0.0} | {Mark(Median(cached, "rps") / Median(uncached, "rps"), 10, true)} | {cached.Concat(uncached).Sum(a => D(a, "non2xx") + D(a, "errors")):0} |\n");
        }
        text.Append('\n');
    }

    private static void Limits(StringBuilder text, List<JsonObject> rows)
    {
        var limits = rows.Where(r => S(r, "scenario") == "limits" && r["result"] is not null).ToList();
        if (limits.Count == 0)
        {
            return;
        }
        var unloaded = Median([.. limits.Where(r => S(r, "flood") == "none").Select(r => r["result"]!.AsObject())], "p99");
        text.Append(CultureInfo.InvariantCulture, $"""
            ### 7. Issue 12 part 6: a flood (wrk, 64 connections) from one API key and from one address; another tenant's reads meanwhile

            Target: the flood answered 429 with `Retry-After`; the other tenant's p99 within 1.5× of its unloaded value ({unloaded:0.0} ms; `GET /v2/users/me`, 2 connections, 250 ms apart). The default limits: 600 a minute per key, and per address for guest reads.

            | flood | flooder req/s | flooder non-2xx (429) | a flooder's answer: status, Retry-After (s) | other tenant p50 | p99 | p99 / unloaded | other tenant non-2xx |
            |---|---|---|---|---|---|---|---|

            """);
        foreach (var group in limits.Where(r => S(r, "flood") != "none").GroupBy(r => S(r, "flood")))
        {
            var other = group.Select(r => r["result"]!.AsObject()).ToList();
            var all = rows.Where(r => S(r, "scenario") == "limits" && S(r, "flood") == group.Key).ToList();
            var flooder = all.Select(r => r["flooder"]).OfType<JsonObject>().FirstOrDefault() ?? [];
            var retry = all.Select(r => S(r, "retry_after")).FirstOrDefault(r => r.Length > 0) ?? "";
            text.Append(CultureInfo.InvariantCulture,
                $"| {(group.Key == "flood-key" ? "one API key, `GET /v2/users/me`" : "one address, guest `GET /api/v1/components`")} | {D(flooder, "rps"):0} | {D(flooder, "non2xx"):0} of {D(flooder, "requests"):0} | {retry} | {Median(other, "p50"):0.0} | {Median(other, "p99"):0.0} | {Mark(Median(other, "p99") / unloaded, 1.5, false)} | {other.Sum(a => D(a, "non2xx")):0} |\n");
        }
        text.Append('\n');
    }

    private static string Label(string shape) => shape switch
    {
        "flows-list" => "`GET /v2/flows?workspace_id=` (50)",
        "flows-create" => "`POST /v2/flows`",
        "users-me" => "`GET /v2/users/me`",
        "components-guest" => "guest `GET /api/v1/components` (20)",
        "warroom-note" => "`POST /v3/incidents/{id}/warroom`",
        "access-token" => "`GET /oauth/access-token`",
        "status-html" => "`GET /status` (HTML)",
        "summary-json" => "`GET /api/v2/summary.json`",
        _ => shape,
    };

    /// <summary>The value, with ✗ when it misses its target (at least <paramref name="target"/> when <paramref name="atLeast"/>, else at most).</summary>
    private static string Mark(double value, double target, bool atLeast, string format = "0.00")
    {
        if (double.IsNaN(value) || double.IsInfinity(value))
        {
            return "n/a";
        }
        var formatted = value.ToString(format, CultureInfo.InvariantCulture) + (format == "0.00" ? "x" : "");
        return double.IsNaN(value) || (atLeast ? value >= target : value <= target) ? formatted : formatted + " ✗";
    }

    private static double Median(List<JsonObject> rows, string name)
    {
        var values = rows.Select(r => D(r, name)).Where(v => !double.IsNaN(v)).Order().ToList();
        return values.Count == 0 ? double.NaN : values.Count % 2 == 1 ? values[values.Count / 2] : (values[values.Count / 2 - 1] + values[values.Count / 2]) / 2;
    }

    private static string S(JsonObject row, string name) => row[name]?.ToString() ?? "";

    private static double D(JsonObject row, string name) =>
        row[name] is JsonValue v && double.TryParse(v.ToString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : double.NaN;
}
