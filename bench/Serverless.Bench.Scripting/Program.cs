using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Serverless.Bench.Scripting;
using Serverless.Functions.Runtime.Scripting;

// The script engines alone, in process (no HTTP, no storage): what a mapper, an edge condition and a code step cost
// per message once warm, one call after another and from several threads at once. bench/run-scripting.sh runs this;
// with the argument `mapper`, bench/run.sh's mapper scenario (Mapper.cs).
if (args.FirstOrDefault() == "mapper")
{
    Mapper.Run();
    return;
}
var iterations = int.Parse(Environment.GetEnvironmentVariable("BENCH_ITERATIONS") ?? "20000", CultureInfo.InvariantCulture);
using var jsonata = new Jsonata();
using var sandbox = new CodeSandbox(new ConfigurationBuilder().Build());
var body = JsonNode.Parse("""{"order":{"id":"A-17","lines":[{"sku":"a","qty":2,"price":9.5},{"sku":"b","qty":1,"price":20}]},"customer":{"first":"Ada","last":"Lovelace"}}""")!;
var bindings = new JsonataBindings(JsonNode.Parse("""{"step_1":{"body":{"source":"webhook"}}}""")!.AsObject());
var mapper = JsonNode.Parse("""{"id":"order.id","name":"customer.first & ' ' & customer.last","total":"$sum(order.lines.(qty * price))","skus":"order.lines.sku","from":"$getPassthrough().step_1.body.source","missing":"nowhere"}""")!;
var message = new JsonObject { ["id"] = "m", ["body"] = body.DeepClone() };
var cfg = new JsonObject { ["code"] = "async function run(msg) { return { id: msg.body.order.id, lines: msg.body.order.lines.length }; }" };

var scenarios = new (string Name, Action Call)[]
{
    ("jsonata: one cached path", () => jsonata.TryEvaluate("order.id", body, bindings, out _)),
    ("jsonata: edge condition", () => jsonata.Test("$sum(order.lines.qty) > 2", body, bindings)),
    ("jsonata: 6-leaf mapper", () => jsonata.Map(mapper, body, bindings)),
    ("code step: run() returning a body", () => sandbox.Run("flow/step_3", cfg["code"]!.GetValue<string>(), message, cfg, null, null)),
};

Console.WriteLine($"{iterations} calls per scenario after {iterations / 10} to warm up; microseconds");
Console.WriteLine();
Console.WriteLine("| scenario | p50 | p99 | calls/s, 1 thread | calls/s, 4 threads |");
Console.WriteLine("|---|---|---|---|---|");
foreach (var (name, call) in scenarios)
{
    var count = name.StartsWith("code", StringComparison.Ordinal) ? iterations / 4 : iterations;
    for (var i = 0; i < count / 10; i++)
    {
        call();
    }
    var times = new double[count];
    var total = Stopwatch.StartNew();
    for (var i = 0; i < count; i++)
    {
        var started = Stopwatch.GetTimestamp();
        call();
        times[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
    }
    var serial = count / total.Elapsed.TotalSeconds;
    total.Restart();
    Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ => call());
    var parallel = count / total.Elapsed.TotalSeconds;
    Array.Sort(times);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {name} | {times[count / 2]:F0} | {times[count * 99 / 100]:F0} | {serial:F0} | {parallel:F0} |"));
}
