using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Serverless.Functions.Runtime.Scripting;

namespace Serverless.Bench.Scripting;

/// <summary>
/// The app's JSONata engine on the typical mappings of bench/mapper/mappings.json (the same file bench/mapper.mjs
/// times under Node): microseconds per evaluation, the mean over BENCH_MAPPER_ITERATIONS after a tenth of that to warm
/// up; then BENCH_MAPPER_GROWTH evaluations (a million by default, the mappings in turn) with the managed heap after a
/// full collection and the process's resident memory before and after.
/// </summary>
public static class Mapper
{
    public static void Run()
    {
        var iterations = Setting("BENCH_MAPPER_ITERATIONS", 5000);
        var growth = Setting("BENCH_MAPPER_GROWTH", 1_000_000);
        var file = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "mappings.json")))!;
        var input = file["input"]!;
        var bindings = new JsonataBindings(file["passthrough"]!.AsObject());
        var mappings = file["mappings"]!.AsObject().Select(m => (Name: m.Key, Text: m.Value!.GetValue<string>())).ToList();
        using var jsonata = new Jsonata();
        foreach (var (name, text) in mappings)
        {
            if (!jsonata.TryEvaluate(text, input, bindings, out var result) || result is null)
            {
                throw new InvalidOperationException($"{name}: {text} evaluated to nothing");
            }
            for (var i = 0; i < iterations / 10; i++)
            {
                jsonata.TryEvaluate(text, input, bindings, out _);
            }
            var started = Stopwatch.GetTimestamp();
            for (var i = 0; i < iterations; i++)
            {
                jsonata.TryEvaluate(text, input, bindings, out _);
            }
            var us = Stopwatch.GetElapsedTime(started).TotalMicroseconds / iterations;
            Console.WriteLine(JsonSerializer.Serialize(new { scenario = "mapper", engine = "app", name, us = Math.Round(us, 2) }));
        }

        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var rssBefore = Environment.WorkingSet;
        for (var i = 0; i < growth; i++)
        {
            var (_, text) = mappings[i % mappings.Count];
            jsonata.TryEvaluate(text, input, bindings, out _);
        }
        var heapAfter = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            scenario = "mapper-growth",
            evaluations = growth,
            heap_before_kb = heapBefore / 1024,
            heap_after_kb = heapAfter / 1024,
            rss_before_mb = rssBefore / 1024 / 1024,
            rss_after_mb = Environment.WorkingSet / 1024 / 1024,
        }));
    }

    private static int Setting(string name, int fallback) =>
        int.Parse(Environment.GetEnvironmentVariable(name) ?? fallback.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
