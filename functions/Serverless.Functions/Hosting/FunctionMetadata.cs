using System.Text.Json;
using System.Text.Json.Nodes;

namespace Serverless.Functions.Hosting;

/// <summary>Marks a route group as one Azure Functions HTTP function whose route template covers the group's paths.</summary>
public sealed record HttpFunction(string Name, string RoutePrefix)
{
    /// <summary>A catch-all also matches the empty rest, so <c>v2/users/{*rest}</c> covers <c>/v2/users</c> itself.</summary>
    public string Route => RoutePrefix.Trim('/') + "/{*rest}";
}

/// <summary>Marks an endpoint that only the Functions host calls directly (readiness pings, trigger invocations).</summary>
public sealed class HostInternal
{
    public static readonly HostInternal Instance = new();

    private HostInternal()
    {
    }
}

/// <summary>A timer or queue function: the host POSTs its invocations to <c>/{Name}</c>.</summary>
public sealed record TriggerFunction(string Name, JsonObject Binding);

/// <summary>
/// Writes one function.json per HTTP function and per trigger from the app's own route and trigger tables, which are
/// the single source of truth. Tests check the committed files equal what this generates.
/// </summary>
public static class FunctionMetadata
{
    public const string Command = "write-function-metadata";

    /// <summary>Where the committed function folders live; a deploy zip places them beside host.json.</summary>
    public const string DefaultDirectory = "functions/metadata";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static RouteGroupBuilder MapFunctionGroup(this IEndpointRouteBuilder app, string functionName, string routePrefix) =>
        app.MapGroup(routePrefix).WithMetadata(new HttpFunction(functionName, routePrefix));

    public static IReadOnlyList<HttpFunction> HttpFunctions(IEnumerable<Endpoint> endpoints) =>
        endpoints.Select(e => e.Metadata.GetMetadata<HttpFunction>()).OfType<HttpFunction>().Distinct()
            .OrderBy(f => f.Name, StringComparer.Ordinal).ToList();

    /// <summary>Folder name → function.json text.</summary>
    public static SortedDictionary<string, string> Generate(IEnumerable<Endpoint> endpoints, IEnumerable<TriggerFunction> triggers)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var function in HttpFunctions(endpoints))
        {
            // No "methods": every verb reaches the app, which answers 405 in the surface's own format.
            // Exactly one http in and one http out, or the host stops forwarding requests unchanged.
            files.Add(function.Name, Serialize(
                new JsonObject
                {
                    ["name"] = "req",
                    ["type"] = "httpTrigger",
                    ["direction"] = "in",
                    ["authLevel"] = "anonymous",
                    ["route"] = function.Route,
                },
                new JsonObject { ["name"] = "res", ["type"] = "http", ["direction"] = "out" }));
        }
        foreach (var trigger in triggers)
        {
            files.Add(trigger.Name, Serialize((JsonObject)trigger.Binding.DeepClone()));
        }
        return files;
    }

    /// <summary>Replaces every function folder under <paramref name="directory"/> with the generated set.</summary>
    public static void Write(string directory, IReadOnlyDictionary<string, string> files)
    {
        Directory.CreateDirectory(directory);
        foreach (var stale in Directory.GetDirectories(directory).Where(d => File.Exists(Path.Combine(d, "function.json"))))
        {
            Directory.Delete(stale, recursive: true);
        }
        foreach (var (name, json) in files)
        {
            Directory.CreateDirectory(Path.Combine(directory, name));
            File.WriteAllText(Path.Combine(directory, name, "function.json"), json);
        }
    }

    /// <summary>Reads the committed function folders back, in the same shape <see cref="Generate"/> returns.</summary>
    public static SortedDictionary<string, string> Read(string directory)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var folder in Directory.GetDirectories(directory))
        {
            var file = Path.Combine(folder, "function.json");
            if (File.Exists(file))
            {
                files.Add(Path.GetFileName(folder), File.ReadAllText(file));
            }
        }
        return files;
    }

    /// <summary>
    /// Runs <c>write-function-metadata [dir]</c> when it is the command line; returns whether it did. Without a folder it
    /// also writes <see cref="EndpointCatalog.DefaultPath"/>.
    /// </summary>
    public static bool TryRunCommand(WebApplication app, string[] args)
    {
        if (args.Length == 0 || args[0] != Command)
        {
            return false;
        }
        var directory = args.Length > 1 ? args[1] : Path.Combine(RepositoryRoot(), DefaultDirectory);
        var endpoints = ((IEndpointRouteBuilder)app).DataSources.SelectMany(s => s.Endpoints).ToList();
        Write(directory, Generate(endpoints, TriggerFunctions.From(app.Services)));
        Console.WriteLine($"Wrote function metadata to {Path.GetFullPath(directory)}");
        if (args.Length == 1)
        {
            var catalog = Path.Combine(RepositoryRoot(), EndpointCatalog.DefaultPath);
            File.WriteAllText(catalog, EndpointCatalog.Generate(endpoints));
            Console.WriteLine($"Wrote the endpoint list to {catalog}");
        }
        return true;
    }

    /// <summary><c>dotnet run</c> starts in the project folder, so the default folder is found from the repository root.</summary>
    public static string RepositoryRoot(string? from = null)
    {
        for (var dir = new DirectoryInfo(from ?? Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Serverless.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Run this inside the repository, or name the folder: write-function-metadata <dir>.");
    }

    private static string Serialize(params JsonObject[] bindings) =>
        new JsonObject { ["bindings"] = new JsonArray(bindings) }.ToJsonString(Indented).ReplaceLineEndings("\n") + "\n";
}
