using Microsoft.ClearScript;
using Microsoft.ClearScript.V8;

namespace Serverless.Functions.Runtime.Scripting;

/// <summary>
/// How a V8 engine is bounded. A V8 isolate that passes its hard heap limit ends the process, so the hard limit
/// (<c>MaxOldSpaceSize</c>, expanded on demand) sits well above a soft limit that ClearScript samples and enforces by
/// ending the script with an exception; ArrayBuffers, which live outside the heap, get a cap of their own.
/// </summary>
internal static class ScriptLimits
{
    public static V8ScriptEngine NewEngine(string name, int softHeapMegabytes)
    {
        var engine = new V8ScriptEngine(name, new V8RuntimeConstraints
        {
            MaxOldSpaceSize = softHeapMegabytes * 4,
            HeapExpansionMultiplier = 2,
            MaxArrayBufferAllocation = 16u * 1024 * 1024,
        }, V8ScriptEngineFlags.DisableGlobalMembers)
        {
            MaxRuntimeHeapSize = (UIntPtr)((ulong)softHeapMegabytes * 1024 * 1024),
            RuntimeHeapSizeSampleInterval = TimeSpan.FromMilliseconds(10),
            AllowReflection = false,
        };
        // V8's console writes nowhere here; the code step gets one of its own. (ClearScript's EngineInternal, a
        // non-configurable object of plain JavaScript helpers, stays: it holds no host object.)
        engine.Execute("delete globalThis.console;");
        return engine;
    }

    /// <summary>The soft heap limit ended the script: the engine is unusable and must be thrown away.</summary>
    public static bool IsHeapExhausted(ScriptEngineException exception) =>
        exception.Message.Contains("exceeded its memory limit", StringComparison.Ordinal);
}
