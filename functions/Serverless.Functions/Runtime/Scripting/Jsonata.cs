using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ClearScript;
using Microsoft.ClearScript.V8;

namespace Serverless.Functions.Runtime.Scripting;

/// <summary>A syntax or evaluation error; Message names the expression's problem (and position when known).</summary>
public sealed class JsonataException(string message) : Exception(message);

/// <summary>What <c>$getPassthrough()</c> and <c>$getFlowVariables()</c> return inside an expression.</summary>
public sealed record JsonataBindings(JsonObject? Passthrough = null, JsonObject? FlowVariables = null);

/// <summary>
/// JSONata as the reference implementation (jsonata.js 2.2.2) evaluates it, in V8 (component-model §6). V8 engines
/// are single-threaded, so each call rents one from a pool; each engine caches the expressions it has compiled. Values
/// cross into and out of V8 as JSON text. The platform's extensions are there: <c>$moment()</c> (chainable, §6.2),
/// <c>$getPassthrough()</c>, <c>$getFlowVariables()</c>, and the passthrough as <c>body.elasticio</c>. An evaluation
/// that runs past <see cref="TimeLimit"/> or the heap limit fails with a <see cref="JsonataException"/>, and its engine
/// is thrown away.
/// </summary>
public sealed class Jsonata : IDisposable
{
    public static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(5);
    private const int HeapMegabytes = 128;

    private readonly ConcurrentBag<Engine> idle = [];
    private readonly ConcurrentDictionary<Engine, byte> busy = new();
    private readonly int maxIdle = Math.Max(2, Environment.ProcessorCount * 2);
    private readonly Timer watchdog;

    public Jsonata()
    {
        watchdog = new Timer(_ => InterruptOverrunning(), null, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250));
    }

    /// <summary>Throws <see cref="JsonataException"/> on a syntax error (graph validation uses it).</summary>
    public void Compile(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        Answer(Run(engine => engine.Call("compile", expression)), null);
    }

    /// <summary>False when the result is undefined (a missing path); otherwise the JSON value, JSON null included.</summary>
    public bool TryEvaluate(string expression, JsonNode? input, JsonataBindings bindings, out JsonNode? result)
    {
        ArgumentNullException.ThrowIfNull(expression);
        ArgumentNullException.ThrowIfNull(bindings);
        var answer = Run(engine =>
        {
            engine.Call("start", expression, Json(input), Json(bindings.Passthrough), Json(bindings.FlowVariables));
            return engine.Call("take");
        });
        return Answer(answer, null, out result);
    }

    /// <summary>
    /// An edge condition: true when the result is true as JSONata's <c>$boolean</c> casts it (a non-empty string, a
    /// non-zero number, a non-empty object, an array with a true member); undefined and null are false.
    /// </summary>
    public bool Test(string condition, JsonNode? input, JsonataBindings bindings) =>
        TryEvaluate(condition, input, bindings, out var result) && IsTrue(result);

    /// <summary>
    /// A mapper (component-model §4.4c): each string leaf is an expression, numbers, booleans and null are literal,
    /// objects and arrays are walked, and undefined leaves are left out. Throws <see cref="JsonataException"/> naming
    /// the mapper key on error.
    /// </summary>
    public JsonNode? Map(JsonNode mapper, JsonNode? input, JsonataBindings bindings)
    {
        ArgumentNullException.ThrowIfNull(mapper);
        ArgumentNullException.ThrowIfNull(bindings);
        var answer = Run(engine =>
        {
            engine.Call("map", mapper.ToJsonString(), Json(input), Json(bindings.Passthrough), Json(bindings.FlowVariables));
            return engine.Call("take");
        });
        Answer(answer, "mapper", out var result);
        return result;
    }

    public void Dispose()
    {
        watchdog.Dispose();
        while (idle.TryTake(out var engine))
        {
            engine.Dispose();
        }
    }

    internal static bool IsTrue(JsonNode? value) => value switch
    {
        null => false,
        JsonArray array => array.Any(IsTrue),
        JsonObject obj => obj.Count > 0,
        JsonValue scalar when scalar.TryGetValue<bool>(out var flag) => flag,
        JsonValue scalar when scalar.TryGetValue<string>(out var text) => text.Length > 0,
        JsonValue scalar when scalar.TryGetValue<double>(out var number) => number != 0 && !double.IsNaN(number),
        _ => false,
    };

    private static readonly JsonDocumentOptions Deep = new() { MaxDepth = 256 };

    private static string? Json(JsonNode? node) => node?.ToJsonString();

    private static void Answer(string answer, string? what) => Answer(answer, what, out _);

    private static bool Answer(string answer, string? what, out JsonNode? result)
    {
        result = null;
        switch (answer[0])
        {
            case 'u':
                return false;
            case 'v':
                try
                {
                    result = JsonNode.Parse(answer.AsSpan(1).ToString(), documentOptions: Deep);
                }
                catch (JsonException)
                {
                    throw new JsonataException("The result is nested more deeply than 256 levels.");
                }
                return true;
            default:
                throw new JsonataException(Describe(JsonNode.Parse(answer.AsSpan(1).ToString())!.AsObject(), what));
        }
    }

    private static string Describe(JsonObject error, string? what)
    {
        if (error["key"] is { } key)
        {
            return $"Mapper key '{key}': {Describe(error["error"]!.AsObject(), null)}";
        }
        var text = new StringBuilder(error["message"]?.GetValue<string>() ?? "The expression failed");
        var code = error["code"]?.GetValue<string>();
        var position = error["position"] is JsonValue p && p.TryGetValue<double>(out var at) ? at.ToString(CultureInfo.InvariantCulture) : null;
        if (code is not null || position is not null)
        {
            text.Append(" (");
            text.Append(code is null ? "" : code + (position is null ? "" : ", "));
            text.Append(position is null ? "" : "position " + position);
            text.Append(')');
        }
        return what is null ? text.ToString() : $"{char.ToUpperInvariant(what[0])}{what[1..]}: {text}";
    }

    private string Run(Func<Engine, string> call)
    {
        if (!idle.TryTake(out var engine))
        {
            engine = new Engine();
        }
        var keep = false;
        busy[engine] = 0;
        engine.StartedAt = Stopwatch.GetTimestamp();
        try
        {
            var answer = call(engine);
            keep = true;
            return answer;
        }
        catch (ScriptInterruptedException)
        {
            throw new JsonataException($"The expression ran longer than {TimeLimit.TotalSeconds} seconds.");
        }
        catch (ScriptEngineException exception) when (ScriptLimits.IsHeapExhausted(exception))
        {
            throw new JsonataException($"The expression used more than {HeapMegabytes} MB of memory.");
        }
        finally
        {
            engine.StartedAt = 0;
            busy.TryRemove(engine, out _);
            if (keep && idle.Count < maxIdle)
            {
                idle.Add(engine);
            }
            else
            {
                engine.Dispose();
            }
        }
    }

    private void InterruptOverrunning()
    {
        foreach (var engine in busy.Keys)
        {
            var started = engine.StartedAt;
            if (started != 0 && Stopwatch.GetElapsedTime(started) > TimeLimit)
            {
                engine.Interrupt();
            }
        }
    }

    /// <summary>One V8 engine with jsonata, moment and our glue loaded.</summary>
    private sealed class Engine : IDisposable
    {
        private readonly V8ScriptEngine engine;
        private readonly ScriptObject host;

        public Engine()
        {
            engine = ScriptLimits.NewEngine("jsonata", HeapMegabytes);
            ScriptLibraries.Load(engine, "jsonata.js", "moment.js", "moment-wrapper.js", "jsonata-host.js");
            host = (ScriptObject)engine.Evaluate("jsonataHost");
        }

        public long StartedAt { get; set; }

        /// <summary>Calls the glue; the functions that only start an evaluation answer null.</summary>
        public string Call(string function, params object?[] args) => host.InvokeMethod(function, args!) as string ?? "";

        public void Interrupt() => engine.Interrupt();

        public void Dispose() => engine.Dispose();
    }
}
