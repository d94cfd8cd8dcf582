using System.Reflection;
using System.Text.Json;

namespace Serverless.Functions.Hosting;

/// <summary>
/// <c>GET /</c>: the Functions host pings it every 25 ms until the handler answers, then keeps using it as a health
/// probe, so it touches no storage and answers at once.
/// </summary>
public static class RootIndex
{
    /// <summary>A surface, with the OpenAPI document that describes it (<see cref="ApiReference"/>).</summary>
    public sealed record Surface(string Name, string BasePath, string Compatibility, string Openapi);

    /// <summary><c>docs</c> is the reference UI over every surface's document.</summary>
    public sealed record Index(string Name, string Version, string Docs, IReadOnlyList<Surface> Surfaces);

    /// <summary>The API surfaces this build serves; each issue that lands a surface adds it here.</summary>
    public static readonly IReadOnlyList<Surface> Surfaces =
    [
        new("Integration Platform API", "/v2", "Integration Platform REST API v2 (JSON:API)", "/openapi/integration-platform.json"),
        new("Status Page API", "/api/v1", "Cachet 2.4 API v1; every page also at /pages/{slug}/api/v1, its HTML at /status and /pages/{slug}",
            "/openapi/status-page.json"),
        new("Incident Management API", "/v3", "Squadcast API v3 (token exchange at /oauth/access-token; alerts and status-page messages on its v2 paths), errors and keys as incident.io",
            "/openapi/incidents.json"),
    ];

    private static readonly Index Body = new(
        "serverless-ops-backend",
        typeof(RootIndex).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0",
        ApiReference.DocsPath,
        Surfaces);

    /// <summary>snake_case, as every surface's own JSON is.</summary>
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static IEndpointConventionBuilder MapRootIndex(this IEndpointRouteBuilder app) =>
        app.MapGet("/", () => TypedResults.Json(Body, Json)).WithMetadata(HostInternal.Instance, ReadinessProbe.Instance);
}
