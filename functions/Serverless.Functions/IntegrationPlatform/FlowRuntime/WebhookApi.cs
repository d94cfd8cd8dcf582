using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.RateLimiting;
using System.Xml.Linq;
using Microsoft.AspNetCore.WebUtilities;
using Serverless.Functions.Errors;
using Serverless.Functions.Hosting;
using Serverless.Functions.Identity;
using Serverless.Functions.IntegrationPlatform.Credentials;
using Serverless.Functions.IntegrationPlatform.Flows;

namespace Serverless.Functions.IntegrationPlatform.FlowRuntime;

/// <summary>
/// <c>/hook/{flowId}[/anything]</c>, the webhook gateway of component-model §4.3.2: no API key (the flow's webhook
/// credential decides: NO_AUTH, BASIC, API_KEY or HMAC), GET/POST/PUT, 10 MB, a per-contract rate limit. It runs the
/// trigger step inline and answers once what it emitted is on the queue — or, when the flow has a request-reply step,
/// once that step answers (§4.3.3). Answers are the gateway's plain JSON, not a surface's error format.
/// </summary>
public static class WebhookApi
{
    public const string RateSetting = "WEBHOOK_REQUESTS_PER_MINUTE";

    /// <summary>A flow's webhook takes what elastic.io's gateway takes (component-model §4.8): 10 MB.</summary>
    public const int MaxBytes = 10 * 1024 * 1024;
    public static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(30);

    private static readonly ConcurrentDictionary<string, RateLimiter> Limiters = new();
    private static readonly string[] HiddenHeaders = ["authorization", "cookie", "x-eio-signature", "proxy-authorization"];

    public static void MapWebhookApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapFunctionGroup("Webhooks", "/hook").WithRequestBodyCap(MaxBytes);
        group.MapMethods("/{flowId}", ["GET", "POST", "PUT"], Receive);
        group.MapMethods("/{flowId}/{**rest}", ["GET", "POST", "PUT"], Receive);
    }

    /// <summary>Receives one webhook request for a flow.</summary>
    public static async Task<IResult> Receive(string flowId, string? rest, HttpRequest request, FlowStore flows, FlowDefinitions definitions,
        CredentialStore credentials, StepRunner runner, FlowCounters counters, ReplySlots replies, IConfiguration configuration, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var flow = await flows.GetForRunAsync(null, flowId, cancellationToken);
        var graph = flow is { IsActive: true, RunningVersion: { } running } ? await definitions.GetAsync(flow.Id, running, cancellationToken) : null;
        if (flow is null || graph?.Trigger is not { } trigger || trigger.Component.RepoName != "webhook")
        {
            return Error(StatusCodes.Status404NotFound, $"Task {flowId} either does not exist or is inactive.");
        }
        var perMinute = (int)Settings.PositiveWholeNumber(configuration, RateSetting, 60, int.MaxValue);
        using var lease = Limiters.GetOrAdd($"{flow.ContractId}:{perMinute}", _ => new FixedWindowRateLimiter(new FixedWindowRateLimiterOptions
        {
            PermitLimit = perMinute,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        })).AttemptAcquire();
        if (!lease.IsAcquired)
        {
            request.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait.TotalSeconds : 60))
                .ToString(CultureInfo.InvariantCulture);
            return Error(StatusCodes.Status429TooManyRequests, $"More than {perMinute} webhook requests a minute for this contract; try again later.");
        }

        var raw = await ReadBodyAsync(request, cancellationToken);
        var hasBody = raw.Length > 0 || request.ContentLength > 0;
        if (!HttpMethods.IsGet(request.Method) && hasBody && string.IsNullOrEmpty(request.ContentType))
        {
            return Error(StatusCodes.Status415UnsupportedMediaType, "A webhook request with a body needs a Content-Type.");
        }
        var auth = await AuthOfAsync(flow, trigger, credentials, cancellationToken);
        if (Authenticate(request, raw, auth) is { } refused)
        {
            return refused;
        }
        JsonObject body;
        try
        {
            body = HttpMethods.IsGet(request.Method) || !hasBody ? QueryObject(request) : ParseBody(request.ContentType!, raw);
        }
        catch (Exception ex) when (ex is JsonException or System.Xml.XmlException or FormatException)
        {
            return Error(StatusCodes.Status400BadRequest, $"The body is not valid {request.ContentType}: {ex.Message}");
        }

        var requestId = Guid.NewGuid().ToString();
        var headers = new JsonObject();
        foreach (var (name, values) in request.Headers)
        {
            var lower = name.ToLowerInvariant();
            // The credential's own secret header must not travel on in the message, its passthrough or its logs.
            if (!HiddenHeaders.Contains(lower) && lower != auth?["apiKey"]?["headerName"]?.ToString().ToLowerInvariant())
            {
                headers[lower] = values.ToString();
            }
        }
        var message = new JsonObject
        {
            ["id"] = requestId,
            ["body"] = body,
            ["headers"] = headers,
            ["url"] = request.Path.Value,
            ["method"] = request.Method,
            ["originalUrl"] = request.Path.Value + request.QueryString.Value,
            ["query"] = QueryObject(request),
            ["pathSuffix"] = rest is null ? "" : "/" + rest,
            ["taskId"] = flow.Id,
        };
        var replyTo = graph.Nodes.Values.Any(n => n.Component.Descriptor["service"]?.ToString() == "request-reply") ? replies.Open() : null;
        counters.Add(flow.Id, trigger.Id, FlowCounters.Kind.Enqueued);
        await runner.RunAsync(flow, new StepEnvelope
        {
            TenantId = flow.TenantId,
            FlowId = flow.Id,
            Version = flow.RunningVersion!,
            StepId = trigger.Id,
            ExecId = Ids.New(time),
            MessageId = requestId,
            ReplyTo = replyTo,
            Message = message,
        }, cancellationToken);
        if (replyTo is null)
        {
            return Results.Json(new JsonObject { ["requestId"] = requestId, ["message"] = "thank you" }, AppJson.Default.JsonObject);
        }
        var reply = await replies.WaitAsync(replyTo, ReplyTimeout, cancellationToken);
        if (reply is null)
        {
            return Error(StatusCodes.Status504GatewayTimeout, $"The flow did not reply within {ReplyTimeout.TotalSeconds:0} seconds; request {requestId} is still processed.");
        }
        foreach (var (name, value) in reply.Headers)
        {
            if (value?.ToString() is { } text && MayReply(name, text))
            {
                request.HttpContext.Response.Headers[name] = text;
            }
        }
        var contentType = reply.Headers.FirstOrDefault(h => h.Key.Equals("content-type", StringComparison.OrdinalIgnoreCase)).Value?.ToString();
        return Results.Text(reply.Body, MediaTypeHeaderValue.TryParse(contentType, out var media) ? media.ToString() : "application/json", Encoding.UTF8,
            reply.StatusCode is >= 200 and <= 999 ? reply.StatusCode : 200);
    }

    /// <summary>
    /// The headers a flow's reply may set on this host's response: a token name and a printable value (Kestrel refuses
    /// anything else with an exception), and none that would act on the host itself — cookies, framing, CORS, security
    /// policy. Content-Type is set apart, after it parses.
    /// </summary>
    private static bool MayReply(string name, string value) =>
        name.Length is > 0 and <= 100 && name.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c))
        && value.Length <= 4096 && value.All(c => c is >= ' ' and <= '~')
        && !ReservedReplyHeaders.Any(reserved => name.Equals(reserved, StringComparison.OrdinalIgnoreCase))
        && !name.StartsWith("access-control-", StringComparison.OrdinalIgnoreCase)
        && !name.StartsWith("x-eio-", StringComparison.OrdinalIgnoreCase);

    private static readonly string[] ReservedReplyHeaders =
    [
        "content-type", "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "set-cookie", "location",
        "strict-transport-security", "content-security-policy", "www-authenticate", "x-request-id", "server", "date",
    ];

    private static IResult Error(int status, string text) =>
        Results.Json(new JsonObject { ["error"] = text, ["message"] = text }, AppJson.Default.JsonObject, statusCode: status);

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }

    /// <summary>The webhook credential's check (§4.3.2); null when the request may pass.</summary>
    private static IResult? Authenticate(HttpRequest request, byte[] raw, JsonObject? auth)
    {
        switch (auth?["type"]?.ToString() ?? "NO_AUTH")
        {
            case "NO_AUTH":
                return null;
            case "BASIC":
                var expected = $"{auth!["basic"]?["username"]}:{auth["basic"]?["password"]}";
                var given = AuthenticationHeaderValue.TryParse(request.Headers.Authorization, out var header) && header.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase)
                    ? TryBase64(header.Parameter)
                    : null;
                return given is not null && Same(given, expected) ? null : Error(StatusCodes.Status401Unauthorized, "Basic credentials are missing or wrong.");
            case "API_KEY":
                var name = auth!["apiKey"]?["headerName"]?.ToString() ?? "";
                var value = auth["apiKey"]?["headerValue"]?.ToString() ?? "";
                return name.Length > 0 && Same(request.Headers[name].ToString(), value) ? null : Error(StatusCodes.Status401Unauthorized, $"The '{name}' header is missing or wrong.");
            case "HMAC":
                var secret = auth!["hmacSecret"]?.ToString() ?? "";
                var signature = request.Headers["x-eio-signature"].ToString();
                if (signature.Length == 0)
                {
                    return Error(StatusCodes.Status400BadRequest, "The x-eio-signature header is missing.");
                }
                var key = Encoding.UTF8.GetBytes(secret);
                var sha512 = Convert.ToHexStringLower(HMACSHA512.HashData(key, raw));
                var sha256 = Convert.ToHexStringLower(HMACSHA256.HashData(key, raw));
                var sent = signature.ToLowerInvariant().Replace("sha512=", "", StringComparison.Ordinal).Replace("sha256=", "", StringComparison.Ordinal);
                return Same(sent, sha512) || Same(sent, sha256) ? null : Error(StatusCodes.Status400BadRequest, "The x-eio-signature does not match the body.");
            default:
                return Error(StatusCodes.Status401Unauthorized, "The flow's webhook credential has an unknown auth type.");
        }
    }

    private static async Task<JsonObject?> AuthOfAsync(FlowEntity flow, FlowNode trigger, CredentialStore credentials, CancellationToken cancellationToken)
    {
        if (trigger.CredentialsId is not { } id)
        {
            return trigger.Fields["auth"] as JsonObject;
        }
        var credential = await credentials.GetAsync(flow.TenantId, id, cancellationToken);
        // A credential that is gone or elsewhere must not open the webhook: its absence refuses everything.
        return credential is null || credential.WorkspaceId != flow.WorkspaceId
            ? new JsonObject { ["type"] = "MISSING" }
            : credentials.OpenKeys(credential)["auth"] as JsonObject;
    }

    private static bool Same(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));

    private static string? TryBase64(string? text)
    {
        try
        {
            return text is null ? null : Encoding.UTF8.GetString(Convert.FromBase64String(text));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static JsonObject QueryObject(HttpRequest request)
    {
        var query = new JsonObject();
        foreach (var (name, values) in request.Query)
        {
            query[name] = values.Count == 1 ? values[0] : new JsonArray([.. values.Select(v => (JsonNode?)JsonValue.Create(v))]);
        }
        return query;
    }

    /// <summary>JSON, XML (converted) and form bodies become the message body; anything not an object becomes <c>{}</c> (§4.3.2).</summary>
    private static JsonObject ParseBody(string contentType, byte[] raw)
    {
        var media = MediaTypeHeaderValue.TryParse(contentType, out var parsed) ? parsed.MediaType?.ToLowerInvariant() ?? "" : "";
        var text = Encoding.UTF8.GetString(raw);
        if (media.EndsWith("json", StringComparison.Ordinal))
        {
            // A field named twice, or half a UTF-16 pair, parses but throws when the message is built: refused as a bad body.
            var json = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }) as JsonObject ?? [];
            return UnpairedSurrogates.FirstIn(json) is { } field ? throw new FormatException($"'{field}' is not valid text.") : json;
        }
        if (media == "application/x-www-form-urlencoded")
        {
            var form = new JsonObject();
            foreach (var (name, values) in QueryHelpers.ParseQuery(text))
            {
                form[name] = values.Count == 1 ? values[0] : new JsonArray([.. values.Select(v => (JsonNode?)JsonValue.Create(v))]);
            }
            return form;
        }
        if (media.EndsWith("xml", StringComparison.Ordinal))
        {
            var root = XDocument.Parse(text, LoadOptions.None).Root!;
            return new JsonObject { [root.Name.LocalName] = FromXml(root) };
        }
        return new JsonObject { ["_raw"] = text };
    }

    private static JsonNode? FromXml(XElement element)
    {
        if (!element.HasElements && !element.HasAttributes)
        {
            return element.Value;
        }
        var node = new JsonObject();
        foreach (var attribute in element.Attributes())
        {
            node["@" + attribute.Name.LocalName] = attribute.Value;
        }
        foreach (var group in element.Elements().GroupBy(e => e.Name.LocalName))
        {
            node[group.Key] = group.Count() == 1 ? FromXml(group.First()) : new JsonArray([.. group.Select(FromXml)]);
        }
        return node;
    }
}
