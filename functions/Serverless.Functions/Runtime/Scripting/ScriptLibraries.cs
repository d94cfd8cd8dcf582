using Microsoft.ClearScript;
using Microsoft.ClearScript.V8;

namespace Serverless.Functions.Runtime.Scripting;

/// <summary>
/// The JavaScript the engines load, embedded in the assembly (docs/decisions/0022): jsonata, moment and lodash as
/// package-lock.json pins them, and our glue beside this file. Each library is compiled with V8's code cache, made by
/// the first engine that loads it and reused by every later one, so a new engine does not parse them from scratch.
/// </summary>
internal static class ScriptLibraries
{
    private static readonly Dictionary<string, Library> Libraries = new[]
    {
        "jsonata.js", "moment.js", "lodash.js", "moment-wrapper.js", "jsonata-host.js", "code-host.js",
    }.ToDictionary(name => name, name => new Library(name, Read(name)), StringComparer.Ordinal);

    /// <summary>The embedded text of one library; throws when the build did not embed it.</summary>
    public static string Read(string name)
    {
        using var stream = typeof(ScriptLibraries).Assembly.GetManifestResourceStream("scripts/" + name)
            ?? throw new InvalidOperationException($"The script library {name} is not embedded in the assembly.");
        return new StreamReader(stream).ReadToEnd();
    }

    /// <summary>Runs the named libraries, in order, in <paramref name="engine"/>.</summary>
    public static void Load(V8ScriptEngine engine, params string[] names)
    {
        foreach (var name in names)
        {
            Libraries[name].Run(engine);
        }
    }

    private sealed class Library(string name, string code)
    {
        private byte[]? cache;

        public void Run(V8ScriptEngine engine)
        {
            var known = Volatile.Read(ref cache);
            V8Script script;
            if (known is null)
            {
                script = engine.Compile(new DocumentInfo(name), code, V8CacheKind.Code, out var made);
                Interlocked.CompareExchange(ref cache, made, null);
            }
            else
            {
                script = engine.Compile(new DocumentInfo(name), code, V8CacheKind.Code, known, out _);
            }
            using (script)
            {
                engine.Execute(script);
            }
        }
    }
}
