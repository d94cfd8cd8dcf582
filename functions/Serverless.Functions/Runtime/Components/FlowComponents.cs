using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Serverless.Functions.Runtime.Scripting;

namespace Serverless.Functions.Runtime.Components;

// How the built-ins process messages in a running flow (component-model §5). Each returns what it emits as data, or
// emits through the step context when it emits more than once, replies, or keeps a snapshot.

/// <summary>The simple trigger: <c>{fireTime, lastPoll}</c> per tick, between its optional start and end times; remembers the tick.</summary>
public sealed class SimpleTriggerComponent(TimeProvider time) : BuiltInComponent("simple-trigger-component")
{
    public override bool ReadsSnapshot => true;

    public override async Task<JsonObject?> ProcessAsync(string function, JsonObject message, JsonObject cfg, StepContext context, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if ((Time(cfg, "startTime") is { } start && now < start) || (Time(cfg, "endTime") is { } end && now > end))
        {
            return null;
        }
        var fireTime = now.ToString("O", CultureInfo.InvariantCulture);
        var lastPoll = context.Snapshot?["lastPoll"]?.ToString() ?? fireTime;
        await context.EmitSnapshotAsync(new JsonObject { ["lastPoll"] = fireTime });
        return new JsonObject { ["body"] = new JsonObject { ["fireTime"] = fireTime, ["lastPoll"] = lastPoll } };
    }

    private static DateTimeOffset? Time(JsonObject cfg, string key) =>
        cfg[key]?.ToString() is { Length: > 0 } text
            ? DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : throw new ComponentException($"'{key}' must be an ISO 8601 time.")
            : null;
}

/// <summary>The seed's <c>timer:timer</c>: <c>{fireTime}</c> per tick.</summary>
public sealed class TimerComponent(TimeProvider time) : BuiltInComponent("timer")
{
    public override Task<JsonObject?> ProcessAsync(string function, JsonObject message, JsonObject cfg, StepContext context, CancellationToken cancellationToken) =>
        Task.FromResult<JsonObject?>(new JsonObject { ["body"] = new JsonObject { ["fireTime"] = time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture) } });
}

/// <summary>The router passes every message on; its edges' conditions route it (§4.4).</summary>
public sealed class RouterComponent() : BuiltInComponent("router")
{
    public override bool RunsInline => true;

    public override Task<JsonObject?> ProcessAsync(string function, JsonObject message, JsonObject cfg, StepContext context, CancellationToken cancellationToken) =>
        Task.FromResult<JsonObject?>(new JsonObject { ["body"] = message["body"]?.DeepClone(), ["attachments"] = message["attachments"]?.DeepClone() });
}

/// <summary>The filter passes a message on when its expression is truthy; with <c>assertion</c>, a falsy one is an error.</summary>
public sealed class FilterComponent(Jsonata jsonata) : BuiltInComponent("filter")
{
    public override bool RunsInline => true;

    public override Task<JsonObject?> ProcessAsync(string function, JsonObject message, JsonObject cfg, StepContext context, CancellationToken cancellationToken)
    {
        var expression = Text(cfg, "expression");
        if (jsonata.Test(expression, message["body"], new JsonataBindings(message["passthrough"] as JsonObject)))
        {
            return Task.FromResult<JsonObject?>(new JsonObject { ["body"] = message["body"]?.DeepClone() });
        }
        return cfg["assertion"] is JsonValue v && (v.TryGetValue<bool>(out var b) ? b : v.ToString() == "on")
            ? throw new ComponentException($"The filter's condition '{expression}' is false for this message.")
            : Task.FromResult<JsonObject?>(null);
    }
}

/// <summary>Request-reply (§4.3.3): answers the webhook's caller with <c>responseBody</c>, then passes the message on.</summary>
public sealed class RequestReplyComponent() : BuiltInComponent("request-reply")
{
    public override bool RunsInline => true;

    public override async Task<JsonObject?> ProcessAsync(string function, JsonObject message, JsonObject cfg, StepContext context, CancellationToken cancellationToken)
    {
        var body = message["body"] as JsonObject ?? [];
        var status = body["statusCode"] is JsonValue s && (s.TryGetValue<int>(out var n) || int.TryParse(s.ToString(), out n)) ? n : 200;
        if (status is < 200 or > 999)
        {
            throw new ComponentException($"'statusCode' must be from 200 to 999, not {status}.");
        }
        var headers = new JsonObject { ["content-type"] = body["contentType"]?.ToString() ?? "application/json" };
        foreach (var (name, value) in cfg["customHeaders"] as JsonObject ?? [])
        {
            headers[name] = value?.ToString();
        }
        await context.EmitHttpReplyAsync(status, headers, body["responseBody"]?.DeepClone());
        return new JsonObject { ["body"] = body.DeepClone() };
    }
}

/// <summary>The seed's e-mail step: the mail is written to the step's log, since a flow reaches no mail server.</summary>
public sealed class EmailComponent() : BuiltInComponent("email")
{
    public override bool RunsInline => true;

    public override Task<JsonObject?> ProcessAsync(string function, JsonObject message, JsonObject cfg, StepContext context, CancellationToken cancellationToken)
    {
        var body = message["body"] as JsonObject ?? [];
        context.Log(30, $"E-mail to {body["to"]}: {body["subject"]}");
        return Task.FromResult<JsonObject?>(new JsonObject { ["body"] = body.DeepClone() });
    }
}

/// <summary>The seed's Petstore demo: the created pet, with an id.</summary>
public sealed class PetstoreComponent() : BuiltInComponent("petstore")
{
    public override bool RunsInline => true;

    public override Task<JsonObject?> ProcessAsync(string function, JsonObject message, JsonObject cfg, StepContext context, CancellationToken cancellationToken)
    {
        var body = message["body"] as JsonObject ?? [];
        return Task.FromResult<JsonObject?>(new JsonObject
        {
            ["body"] = new JsonObject
            {
                ["id"] = Guid.NewGuid().ToString("N")[..12],
                ["name"] = body["name"]?.DeepClone(),
                ["status"] = body["status"]?.DeepClone() ?? "available",
            },
        });
    }
}

public static class SplitterProcess
{
    /// <summary><c>splitOnJsonataExpression</c>: each object of the expression's array is a message; one object is emitted once.</summary>
    public static async Task<JsonObject?> SplitAsync(Jsonata jsonata, JsonObject message, JsonObject cfg, StepContext context)
    {
        var expression = cfg["expression"]?.ToString() is { Length: > 0 } e ? e : throw new ComponentException("'expression' is required.");
        if (!jsonata.TryEvaluate(expression, message["body"], new JsonataBindings(message["passthrough"] as JsonObject), out var result) || result is null)
        {
            return null;
        }
        var items = result as JsonArray ?? [result.DeepClone()];
        foreach (var item in items)
        {
            if (item is not JsonObject part)
            {
                throw new ComponentException($"The splitter's expression gave a {item?.GetValueKind().ToString().ToLowerInvariant() ?? "null"}; each element must be an object.");
            }
            await context.EmitDataAsync(new JsonObject { ["body"] = part.DeepClone() });
        }
        return null;
    }
}

public static class RestApiProcess
{
    /// <summary>
    /// <c>httpRequestAxios</c>: the request's method, URL, headers and body are JSONata on the incoming body, sent
    /// through the guarded client; the answer is <c>{statusCode, HTTPHeaders, responseBody}</c>. An error status fails
    /// the message, or rebounds it (<c>errorPolicy: rebound</c>, for 408, 423, 429 and 5xx), or is emitted (<c>emit</c>).
    /// </summary>
    public static async Task<JsonObject?> RequestAsync(IHttpClientFactory http, Jsonata jsonata, JsonObject message, JsonObject cfg, StepContext context,
        CancellationToken cancellationToken)
    {
        var reader = cfg["reader"] as JsonObject ?? throw new ComponentException("'reader' is required: {method, url, headers, body}.");
        var input = message["body"];
        var bindings = new JsonataBindings(message["passthrough"] as JsonObject);
        string? Eval(JsonNode? expression) =>
            expression?.ToString() is { Length: > 0 } text && jsonata.TryEvaluate(text, input, bindings, out var value)
                ? value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value?.ToJsonString()
                : null;
        var method = reader["method"]?.ToString()?.ToUpperInvariant() ?? "GET";
        if (method is not ("GET" or "POST" or "PUT" or "PATCH" or "DELETE"))
        {
            throw new ComponentException($"'reader.method' must be GET, POST, PUT, PATCH or DELETE, not '{method}'.");
        }
        var url = Eval(reader["url"]) ?? throw new ComponentException("'reader.url' gave no URL for this message.");
        if (!Hosting.OutboundHttp.TryHttpUrl(url, out var uri))
        {
            throw new ComponentException($"'reader.url' must give an absolute http(s) URL, not '{url}'.");
        }
        using var request = new HttpRequestMessage(new HttpMethod(method), uri);
        if (cfg["auth"] is JsonObject auth)
        {
            foreach (var (name, value) in RestApiComponent.Headers(auth))
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }
        var contentType = "application/json";
        foreach (var header in reader["headers"] as JsonArray ?? [])
        {
            var name = header?["key"]?.ToString();
            var value = Eval(header?["value"]);
            if (string.IsNullOrWhiteSpace(name) || value is null)
            {
                continue;
            }
            if (name.Equals("content-type", StringComparison.OrdinalIgnoreCase))
            {
                contentType = value;
            }
            else
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }
        if (method != "GET" && reader["body"] is { } bodyExpression)
        {
            var text = bodyExpression is JsonValue bv && bv.TryGetValue<string>(out var expression) && jsonata.TryEvaluate(expression, input, bindings, out var built)
                ? built is JsonValue sv && sv.TryGetValue<string>(out var plain) ? plain : built?.ToJsonString() ?? ""
                : "";
            request.Content = new StringContent(text, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.TryParse(contentType, out var parsed) ? parsed : new MediaTypeHeaderValue("application/json");
        }
        using var response = await RestApiComponent.Send(http, request, cancellationToken);
        var responseText = await response.Content.ReadAsStringAsync(cancellationToken);
        JsonNode? responseBody;
        try
        {
            responseBody = responseText.Length == 0 ? new JsonObject() : JsonNode.Parse(responseText);
        }
        catch (JsonException)
        {
            responseBody = responseText;
        }
        var headers = new JsonObject();
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            headers[name.ToLowerInvariant()] = string.Join(", ", values);
        }
        var status = (int)response.StatusCode;
        var result = new JsonObject { ["body"] = new JsonObject { ["statusCode"] = status, ["HTTPHeaders"] = headers, ["responseBody"] = responseBody } };
        if (response.IsSuccessStatusCode)
        {
            return result;
        }
        switch (cfg["errorPolicy"]?.ToString())
        {
            case "emit":
                return result;
            case "rebound" when status is 408 or 423 or 429 or >= 500:
                await context.EmitReboundAsync($"{method} {uri} answered {status}.");
                return null;
            default:
                throw new ComponentException($"{method} {uri} answered {status} {response.ReasonPhrase}.");
        }
    }
}
