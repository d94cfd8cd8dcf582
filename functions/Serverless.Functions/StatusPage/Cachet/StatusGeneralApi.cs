using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Hosting;

namespace Serverless.Functions.StatusPage.Cachet;

/// <summary>Ping, version and the system status (G-1..G-3).</summary>
public static class StatusGeneralApi
{
    /// <summary>The Cachet release this API is compatible with.</summary>
    public const string CachetVersion = "2.4.1";

    public static void MapStatusGeneral(this RouteGroupBuilder api)
    {
        api.MapGet("/ping", [EndpointId("G-1")] (CachetPage page) => CachetResults.Item("Pong!"));
        // Nothing here reaches GitHub, so the latest release is the one we are compatible with (G-2).
        api.MapGet("/version", [EndpointId("G-2")] (CachetPage page) => CachetResults.Item(CachetVersion, new JsonObject
        {
            ["on_latest"] = true,
            ["latest"] = new JsonObject { ["tag_name"] = "v" + CachetVersion, ["prelease"] = false, ["draft"] = false },
        }));
        api.MapGet("/status", GetStatus);
    }

    /// <summary>G-3; <see cref="StatusPageCache"/> sets the Cache-Control of guest and keyed reads over the one here.</summary>
    [EndpointId("G-3")]
    public static async Task<JsonHttpResult<JsonObject>> GetStatus(CachetPage page, HttpResponse response, StatusItemStore store, CancellationToken cancellationToken)
    {
        var status = await SystemStatus.OfAsync(store, page.PageId, page.IsAuthenticated, cancellationToken);
        response.Headers.CacheControl = page.Page.Private ? "private, no-store" : "public,max-age=30";
        return CachetResults.Item(new JsonObject { ["status"] = status.Level, ["message"] = status.Message });
    }
}
