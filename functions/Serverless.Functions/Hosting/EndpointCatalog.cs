using System.Reflection;
using System.Text;

namespace Serverless.Functions.Hosting;

/// <summary>
/// Names the documented endpoint a handler implements, with the id the API documents give it (CT-1, AS-3, G-1, …).
/// Minimal APIs put a handler method's attributes into its endpoint's metadata, so the route table knows the ids.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class EndpointIdAttribute(string id) : Attribute
{
    public string Id { get; } = id;
}

/// <summary>
/// <c>docs/endpoints.md</c>: every route with its endpoint id, method, path, function and the file that holds its
/// handler, generated from the route table by <c>write-function-metadata</c> beside the function.json files and checked
/// by a test, so the list cannot drift from the code.
/// </summary>
public static class EndpointCatalog
{
    public const string DefaultPath = "docs/endpoints.md";

    public sealed record Entry(string? Id, string Method, string Path, string Function, string File, string Handler);

    public static IReadOnlyList<Entry> Entries(IEnumerable<Endpoint> endpoints) =>
        endpoints.OfType<RouteEndpoint>()
            // The API reference's own routes (/openapi, /docs) are the libraries', not endpoints of a surface.
            .Where(e => e.Metadata.GetMetadata<HostInternal>() is null && e.Metadata.GetMetadata<HttpFunction>() is not null
                && e.Metadata.GetMetadata<ReferenceEndpoint>() is null)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(method => new Entry(
                e.Metadata.GetMetadata<EndpointIdAttribute>()?.Id,
                method,
                "/" + e.RoutePattern.RawText!.TrimStart('/'),
                e.Metadata.GetMetadata<HttpFunction>()!.Name,
                FileOf(e.Metadata.GetMetadata<MethodInfo>()),
                HandlerOf(e.Metadata.GetMetadata<MethodInfo>()))))
            .OrderBy(e => e.Path, StringComparer.Ordinal).ThenBy(e => e.Method, StringComparer.Ordinal)
            .ToList();

    public static string Generate(IEnumerable<Endpoint> endpoints)
    {
        var text = new StringBuilder();
        text.Append("# Endpoints\n\n")
            .Append("Generated from the route table by `dotnet run --project functions/Serverless.Functions -- write-function-metadata`;\n")
            .Append("a test fails when this file is out of date. Ids are those of the API documents the surfaces follow; routes of our\n")
            .Append("own (teams, status-page management) have none.\n\n")
            .Append("| Id | Method | Path | Function | File | Handler |\n|---|---|---|---|---|---|\n");
        foreach (var entry in Entries(endpoints))
        {
            text.Append($"| {entry.Id ?? "—"} | {entry.Method} | `{entry.Path}` | {entry.Function} | `{entry.File}` | {entry.Handler} |\n");
        }
        return text.ToString();
    }

    /// <summary>A lambda's compiler-made name says nothing; it is written inline in the route table.</summary>
    private static string HandlerOf(MethodInfo? handler) =>
        handler is null || handler.Name.Contains('<', StringComparison.Ordinal) ? "(inline)" : handler.Name;

    /// <summary>The handler's class is its file: <c>Serverless.Functions.A.B.CApi</c> lives in <c>functions/Serverless.Functions/A/B/CApi.cs</c>.</summary>
    private static string FileOf(MethodInfo? handler)
    {
        var type = handler?.DeclaringType;
        while (type?.DeclaringType is not null)
        {
            type = type.DeclaringType; // a lambda's closure class is nested in the class that maps it
        }
        if (type?.Namespace is null)
        {
            return "?";
        }
        var root = typeof(EndpointCatalog).Assembly.GetName().Name!;
        var folder = type.Namespace.Length > root.Length ? type.Namespace[(root.Length + 1)..].Replace('.', '/') + "/" : "";
        return $"functions/{root}/{folder}{type.Name}.cs";
    }
}
