using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.ClearScript;
using Microsoft.ClearScript.V8;
using Serverless.Functions.Hosting;

namespace Serverless.Functions.Runtime.Scripting;

/// <summary>The code could not run to an outcome: it does not compile, or it passed the time or the memory limit.</summary>
public sealed class CodeSandboxException(string message) : Exception(message);

/// <summary>
/// What one run of a code step did, in order: <c>["log", level, text]</c> and <c>["emit", event, payload]</c>
/// records; then either the value <c>run</c> returned (<see cref="Result"/>, null for none) or the error it threw.
/// </summary>
public sealed record CodeOutcome(JsonArray Records, JsonNode? Result, string? ErrorName, string? ErrorMessage);

/// <summary>
/// Runs the code component's user code (docs/decisions/0022). Each engine is a V8 isolate of its own, with a heap limit
/// (<c>CODE_STEP_MAX_HEAP_MB</c>), no host objects and no network; each message gets a time limit
/// (<c>CODE_STEP_TIMEOUT_SECONDS</c>), after which the engine is interrupted. Engines are kept per flow step and code
/// (a new isolate and lodash cost tens of milliseconds), never shared between steps; the user's code is the body of a
/// function called afresh for every message, so its declarations do not carry over. An engine that passed a limit is
/// thrown away.
/// </summary>
public sealed class CodeSandbox : IDisposable
{
    public const string TimeoutSetting = "CODE_STEP_TIMEOUT_SECONDS";
    public const string MaxHeapSetting = "CODE_STEP_MAX_HEAP_MB";
    /// <summary>Idle isolates kept, the least recently used thrown away first; each holds a few megabytes.</summary>
    private const int MaxIdleEngines = 16;

    private readonly TimeSpan timeout;
    private readonly int heapMegabytes;
    private readonly Lock gate = new();
    private readonly LinkedList<Engine> idle = [];

    public CodeSandbox(IConfiguration configuration)
    {
        timeout = TimeSpan.FromSeconds(Settings.PositiveWholeNumber(configuration, TimeoutSetting, 30, 600));
        heapMegabytes = (int)Settings.PositiveWholeNumber(configuration, MaxHeapSetting, 64, 1024);
    }

    /// <summary>
    /// Calls <c>run(msg, cfg, snapshot)</c> of <paramref name="code"/> for one message. <paramref name="scope"/> names
    /// the step (flow and step id): engines are reused only within it.
    /// </summary>
    public CodeOutcome Run(string scope, string code, JsonObject message, JsonObject cfg, JsonNode? snapshot, JsonObject? flowVariables,
        CancellationToken cancellationToken = default)
    {
        var key = scope + "\n" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(code)));
        var engine = Rent(key) ?? new Engine(key, code, heapMegabytes);
        var keep = false;
        using var limit = new CancellationTokenSource(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(limit.Token, cancellationToken);
        var interrupt = linked.Token.Register(engine.Interrupt);
        try
        {
            var outcome = engine.Run(message, cfg, snapshot, flowVariables);
            keep = true;
            return outcome;
        }
        catch (ScriptInterruptedException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        catch (ScriptInterruptedException)
        {
            throw new CodeSandboxException($"The code ran longer than {timeout.TotalSeconds} seconds and was stopped.");
        }
        catch (ScriptEngineException exception) when (ScriptLimits.IsHeapExhausted(exception))
        {
            throw new CodeSandboxException($"The code used more than {heapMegabytes} MB of memory and was stopped.");
        }
        catch (ScriptEngineException exception)
        {
            // A timer callback that threw: the engine is sound, the message failed.
            keep = true;
            throw new CodeSandboxException(FirstLine(exception.Message));
        }
        finally
        {
            // Unregistered first, so that a late time-out cannot interrupt the engine once another message has it.
            interrupt.Dispose();
            Return(engine, keep && !linked.IsCancellationRequested);
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            foreach (var engine in idle)
            {
                engine.Dispose();
            }
            idle.Clear();
        }
    }

    private Engine? Rent(string key)
    {
        lock (gate)
        {
            for (var node = idle.Last; node is not null; node = node.Previous)
            {
                if (node.Value.Key == key)
                {
                    idle.Remove(node);
                    return node.Value;
                }
            }
        }
        return null;
    }

    private void Return(Engine engine, bool keep)
    {
        if (!keep)
        {
            engine.Dispose();
            return;
        }
        Engine? evicted = null;
        lock (gate)
        {
            idle.AddLast(engine);
            if (idle.Count > MaxIdleEngines)
            {
                evicted = idle.First!.Value;
                idle.RemoveFirst();
            }
        }
        evicted?.Dispose();
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    /// <summary>One isolate with lodash, moment, the glue and one step's code compiled.</summary>
    private sealed class Engine : IDisposable
    {
        private readonly V8ScriptEngine engine;
        private readonly ScriptObject host;
        private readonly ScriptObject? main;
        private readonly string? compileError;

        public Engine(string key, string code, int heapMegabytes)
        {
            Key = key;
            engine = ScriptLimits.NewEngine("code", heapMegabytes);
            ScriptLibraries.Load(engine, "lodash.js", "moment.js", "code-host.js");
            host = (ScriptObject)engine.Evaluate("codeHost");
            try
            {
                main = (ScriptObject)engine.Evaluate(new DocumentInfo("code"),
                    "(function (msg, messages, emitter, wait, exports, module, global) {\n" + code +
                    "\n;return typeof run === 'function' ? run : undefined;\n})");
            }
            catch (ScriptEngineException exception)
            {
                compileError = FirstLine(exception.Message);
            }
        }

        /// <summary>The step and code this engine has compiled.</summary>
        public string Key { get; }

        public CodeOutcome Run(JsonObject message, JsonObject cfg, JsonNode? snapshot, JsonObject? flowVariables)
        {
            if (compileError is not null)
            {
                throw new CodeSandboxException("The code does not compile: " + compileError);
            }
            host.InvokeMethod("start", main!, message.ToJsonString(), cfg.ToJsonString(), snapshot?.ToJsonString() ?? "{}",
                flowVariables?.ToJsonString() ?? "{}");
            while (host.InvokeMethod("tick") is true)
            {
            }
            var answer = JsonNode.Parse((string)host.InvokeMethod("take"))!.AsObject();
            var records = answer["records"]!.AsArray();
            answer.Remove("records");
            return answer["error"] is JsonObject error
                ? new CodeOutcome(records, null, error["name"]?.GetValue<string>() ?? "Error", error["message"]?.GetValue<string>() ?? "")
                : new CodeOutcome(records, answer["result"]?.DeepClone(), null, null);
        }

        public void Interrupt() => engine.Interrupt();

        public void Dispose() => engine.Dispose();
    }
}
