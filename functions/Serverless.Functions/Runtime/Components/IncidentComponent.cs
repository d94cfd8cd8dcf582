using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Serverless.Functions.Hosting;

namespace Serverless.Functions.Runtime.Components;

/// <summary>
/// Incident (Squadcast-compatible, so it can point at this product's own incident API): verification exchanges the
/// refresh token at <c>/oauth/access-token</c>; <c>raiseAlert</c> posts to the service's alert URL and reports what the
/// alert became (<c>created</c>, <c>deduplicated</c> by <c>event_id</c>, <c>resolved</c>) with its incident;
/// <c>acknowledge</c> and <c>resolve</c> act on an incident with a fresh access token. Every call goes through the
/// guarded outbound client.
/// </summary>
public sealed class IncidentComponent(IHttpClientFactory http) : BuiltInComponent("incident")
{
    private static readonly string[] AlertFields = ["message", "description", "event_id", "status", "priority", "tags"];

    public override async Task VerifyCredentialsAsync(JsonObject cfg, CancellationToken cancellationToken) =>
        await AccessTokenAsync(cfg, cancellationToken);

    public override async Task<JsonObject?> ProcessAsync(string function, JsonObject message, JsonObject cfg, StepContext context, CancellationToken cancellationToken)
    {
        var body = message["body"] as JsonObject ?? [];
        var result = function switch
        {
            "raiseAlert" => await RaiseAlertAsync(body, cfg, cancellationToken),
            "acknowledge" => Summary(await ActAsync(cfg, IncidentId(body), "acknowledge", new JsonObject(), cancellationToken)),
            "resolve" => Summary(await ActAsync(cfg, IncidentId(body), "resolve",
                new JsonObject { ["resolution_reason"] = new JsonObject { ["message"] = body["resolution_reason"]?.ToString() ?? "" } }, cancellationToken)),
            _ => throw new ComponentException($"'{function}' is not an action of {RepoName}."),
        };
        context.Log(30, $"{RepoName}.{function} done");
        return new JsonObject { ["id"] = Guid.NewGuid().ToString(), ["body"] = result, ["headers"] = new JsonObject(), ["attachments"] = new JsonObject() };
    }

    private async Task<JsonObject> RaiseAlertAsync(JsonObject body, JsonObject cfg, CancellationToken cancellationToken)
    {
        var alert = new JsonObject();
        foreach (var field in AlertFields)
        {
            if (body[field] is { } value)
            {
                alert[field] = value.DeepClone();
            }
        }
        var source = cfg["alertSource"]?.ToString() is { Length: > 0 } s ? s : "api";
        var path = $"v2/incidents/{Uri.EscapeDataString(source)}/{Uri.EscapeDataString(Text(cfg, "serviceKey"))}";
        var accepted = await SendAsync(cfg, HttpMethod.Post, path, alert, null, cancellationToken);
        var requestId = accepted["request_id"]?.ToString() ?? throw new ComponentException("The alert was accepted without a request_id.");
        var token = await AccessTokenAsync(cfg, cancellationToken);
        var status = await SendAsync(cfg, HttpMethod.Post, "v3/requests/status", new JsonObject { ["request_ids"] = new JsonArray(requestId) }, token, cancellationToken);
        var outcome = status["data"]?[requestId] as JsonObject ?? [];
        return new JsonObject
        {
            ["request_id"] = requestId,
            ["status"] = outcome["status"]?.ToString(),
            ["incident_id"] = outcome["incident_id"]?.ToString(),
            ["event_id"] = outcome["event_id"]?.ToString(),
        };
    }

    private async Task<JsonObject> ActAsync(JsonObject cfg, string incidentId, string action, JsonObject payload, CancellationToken cancellationToken)
    {
        var token = await AccessTokenAsync(cfg, cancellationToken);
        var answer = await SendAsync(cfg, HttpMethod.Post, $"v3/incidents/{Uri.EscapeDataString(incidentId)}/{action}", payload, token, cancellationToken);
        return answer["data"] as JsonObject ?? throw new ComponentException($"{action} answered no incident.");
    }

    private static JsonObject Summary(JsonObject incident) => new()
    {
        ["id"] = incident["id"]?.DeepClone(),
        ["status"] = incident["status"]?.DeepClone(),
        ["incidentNumber"] = incident["incidentNumber"]?.DeepClone(),
    };

    private static string IncidentId(JsonObject body) =>
        body["incident_id"]?.ToString() is { Length: > 0 } id ? id : throw new ComponentException("'incident_id' is required.");

    private async Task<string> AccessTokenAsync(JsonObject cfg, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url(cfg, "oauth/access-token"));
        request.Headers.Add("X-Refresh-Token", Text(cfg, "refreshToken"));
        var answer = await ReadAsync(request, cancellationToken);
        return answer["data"]?["access_token"]?.ToString() ?? throw new ComponentException("The token exchange answered no access_token.");
    }

    private async Task<JsonObject> SendAsync(JsonObject cfg, HttpMethod method, string path, JsonObject payload, string? token, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, Url(cfg, path))
        {
            Content = new StringContent(payload.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return await ReadAsync(request, cancellationToken);
    }

    /// <summary>The answer's JSON; a non-2xx is the reason the step failed, with the API's own error message.</summary>
    private async Task<JsonObject> ReadAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await RestApiComponent.Send(http, request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        JsonObject? body = null;
        try
        {
            body = JsonNode.Parse(text) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
        }
        if (!response.IsSuccessStatusCode)
        {
            var reason = body?["meta"]?["error_message"]?.ToString() ?? response.ReasonPhrase;
            // The URL's path holds the service key: name the method and status only.
            throw new ComponentException($"{request.Method} {request.RequestUri?.AbsolutePath.Split('/').Take(3).Aggregate((a, b) => a + "/" + b)}/… answered {(int)response.StatusCode}: {reason}");
        }
        return body ?? throw new ComponentException($"{request.Method} answered no JSON object.");
    }

    private static Uri Url(JsonObject cfg, string path)
    {
        var baseUrl = Text(cfg, "baseUrl");
        return OutboundHttp.TryHttpUrl(baseUrl.TrimEnd('/') + "/", out var root)
            ? new Uri(root, path)
            : throw new ComponentException($"'baseUrl' must be an absolute http(s) URL, not '{baseUrl}'.");
    }
}
