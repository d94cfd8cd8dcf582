using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Serverless.Functions.Hosting;
using Serverless.Functions.Runtime.Scripting;

namespace Serverless.Functions.Runtime.Components;

/// <summary>Webhook: verification checks that the <c>auth</c> field holds what its type needs.</summary>
public sealed class WebhookComponent() : BuiltInComponent("webhook")
{
    /// <summary><c>receive</c>: the request's body with its query, headers, method, URL and extra path beside it (§3.1).</summary>
    public override Task<JsonObject?> ProcessAsync(string function, JsonObject message, JsonObject cfg, StepContext context, CancellationToken cancellationToken)
    {
        var body = message["body"]?.DeepClone() as JsonObject ?? [];
        body["_query"] = message["query"]?.DeepClone() ?? new JsonObject();
        body["_headers"] = message["headers"]?.DeepClone() ?? new JsonObject();
        body["_method"] = message["method"]?.DeepClone();
        body["_url"] = message["url"]?.DeepClone();
        body["_additionalUrlPath"] = message["pathSuffix"]?.DeepClone() ?? "";
        return Task.FromResult<JsonObject?>(new JsonObject { ["body"] = body, ["headers"] = message["headers"]?.DeepClone() ?? new JsonObject() });
    }

    public override Task VerifyCredentialsAsync(JsonObject cfg, CancellationToken cancellationToken)
    {
        var auth = cfg["auth"] as JsonObject ?? throw new ComponentException("'auth' is required: {\"type\": \"NO_AUTH\" | \"BASIC\" | \"API_KEY\" | \"HMAC\", ...}.");
        switch (auth["type"]?.ToString())
        {
            case "NO_AUTH":
                break;
            case "BASIC":
                Text(auth["basic"] as JsonObject ?? [], "username", "auth.basic.username");
                Text(auth["basic"] as JsonObject ?? [], "password", "auth.basic.password");
                break;
            case "API_KEY":
                Text(auth["apiKey"] as JsonObject ?? [], "headerName", "auth.apiKey.headerName");
                Text(auth["apiKey"] as JsonObject ?? [], "headerValue", "auth.apiKey.headerValue");
                break;
            case "HMAC":
                Text(auth, "hmacSecret", "auth.hmacSecret");
                break;
            default:
                throw new ComponentException("'auth.type' must be NO_AUTH, BASIC, API_KEY or HMAC.");
        }
        return Task.CompletedTask;
    }
}

/// <summary>
/// REST API: verification checks the <c>auth</c> field, then, when a <c>url</c> is configured, sends it an
/// authenticated GET; any 2xx answer verifies the credential, anything else is the reason it does not.
/// </summary>
public sealed class RestApiComponent(IHttpClientFactory http, Jsonata jsonata) : BuiltInComponent("rest-api")
{
    public override Task<JsonObject?> ProcessAsync(string function, JsonObject message, JsonObject cfg, StepContext context, CancellationToken cancellationToken) =>
        RestApiProcess.RequestAsync(http, jsonata, message, cfg, context, cancellationToken);

    public override async Task VerifyCredentialsAsync(JsonObject cfg, CancellationToken cancellationToken)
    {
        var auth = cfg["auth"] as JsonObject ?? throw new ComponentException("'auth' is required.");
        var headers = Headers(auth);
        if (cfg["url"]?.ToString() is not { Length: > 0 } url)
        {
            return;
        }
        if (!OutboundHttp.TryHttpUrl(url, out var uri))
        {
            throw new ComponentException($"'url' must be an absolute http(s) URL, not '{url}'.");
        }
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        using var response = await Send(http, request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new ComponentException($"GET {uri} answered {(int)response.StatusCode} {response.ReasonPhrase}.");
        }
    }

    /// <summary>The headers an <c>HTTPAuthView</c> value means.</summary>
    public static IReadOnlyList<(string Name, string Value)> Headers(JsonObject auth) => auth["type"]?.ToString() switch
    {
        "No Auth" => [],
        "Basic Auth" => [("Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(
            $"{Text(auth["basic"] as JsonObject ?? [], "username", "auth.basic.username")}:{Text(auth["basic"] as JsonObject ?? [], "password", "auth.basic.password")}")))],
        "API Key Auth" => [(Text(auth["apiKey"] as JsonObject ?? [], "headerName", "auth.apiKey.headerName"),
            Text(auth["apiKey"] as JsonObject ?? [], "headerValue", "auth.apiKey.headerValue"))],
        "OAuth2" => [("Authorization", "Bearer " + Text(auth["oauth2"]?["keys"] as JsonObject ?? [], "access_token", "auth.oauth2.keys.access_token"))],
        _ => throw new ComponentException("'auth.type' must be \"No Auth\", \"Basic Auth\", \"API Key Auth\" or \"OAuth2\"."),
    };

    internal static async Task<HttpResponseMessage> Send(IHttpClientFactory http, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await OutboundHttp.Create(http).SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex) when (OutboundHttp.RefusalOf(ex) is { } refused)
        {
            throw new ComponentException($"{request.Method} {request.RequestUri} refused: {refused.Message}");
        }
        catch (HttpRequestException ex)
        {
            throw new ComponentException($"{request.Method} {request.RequestUri} failed: {ex.Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ComponentException($"{request.Method} {request.RequestUri} timed out.");
        }
    }
}

/// <summary>
/// Status page (Cachet-compatible, so it can point at this product's own Status Page API): verification pings the
/// page and then reads its subscribers, the one read that needs the token (a public read would pass with any token);
/// <c>listComponents</c> is the page's components as <c>{id: name}</c>.
/// </summary>
public sealed class StatusPageComponent(IHttpClientFactory http) : BuiltInComponent("status-page")
{
    public override async Task VerifyCredentialsAsync(JsonObject cfg, CancellationToken cancellationToken)
    {
        using (var ping = await GetAsync(cfg, "api/v1/ping", cancellationToken))
        {
            Ensure(ping);
        }
        using var subscribers = await GetAsync(cfg, "api/v1/subscribers?per_page=1", cancellationToken);
        Ensure(subscribers);
    }

    public override async Task<JsonNode> SelectModelAsync(string function, string method, JsonObject cfg, CancellationToken cancellationToken)
    {
        if (method != "listComponents" || !HasFunction(function))
        {
            return await base.SelectModelAsync(function, method, cfg, cancellationToken);
        }
        var model = new JsonObject();
        for (var page = 1; page <= 20; page++)
        {
            using var response = await GetAsync(cfg, $"api/v1/components?per_page=100&page={page}", cancellationToken);
            Ensure(response);
            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            foreach (var component in body?["data"]?.AsArray() ?? [])
            {
                model[component!["id"]!.ToString()] = component["name"]?.ToString();
            }
            if (body?["meta"]?["pagination"]?["links"]?["next_page"] is null)
            {
                break;
            }
        }
        return model;
    }

    private async Task<HttpResponseMessage> GetAsync(JsonObject cfg, string path, CancellationToken cancellationToken)
    {
        var baseUrl = Text(cfg, "baseUrl");
        if (!OutboundHttp.TryHttpUrl(baseUrl.TrimEnd('/') + "/", out var root))
        {
            throw new ComponentException($"'baseUrl' must be an absolute http(s) URL, not '{baseUrl}'.");
        }
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(root, path));
        request.Headers.Add("X-Cachet-Token", Text(cfg, "apiToken"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return await RestApiComponent.Send(http, request, cancellationToken);
    }

    private static void Ensure(HttpResponseMessage response)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new ComponentException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode} {response.ReasonPhrase}.");
        }
    }
}
