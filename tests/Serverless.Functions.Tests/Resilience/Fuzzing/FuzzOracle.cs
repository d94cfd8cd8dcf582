using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Serverless.Functions.Tests.Resilience.Fuzzing;

/// <summary>What can be wrong with an answer: the three targets of the campaign.</summary>
public enum FuzzFailure
{
    ServerError,
    StackTrace,
    ErrorShape,
}

/// <summary>
/// Judges one answer: no 5xx, no stack trace in any body, and every 4xx in the error format of the surface whose path it
/// is (JSON:API <c>errors</c> on /v2, Cachet's on /api/v1 and the pages' JSON, an HTML page on the public pages, the
/// incident surface's body on /v3, /oauth and its /v2 paths), carrying the request id. The webhook gateway answers its
/// own refusals as elastic.io's does (<c>{"error", "message"}</c>, component-model §4.3.2) and the rest as /v2 does.
/// </summary>
public static partial class FuzzOracle
{
    /// <summary>
    /// Kestrel refuses some requests itself, before any middleware runs (an escaped NUL in the path, an oversized request
    /// line or header): an empty 400, 414 or 431 without the app's X-Request-Id. No app code can answer those in a
    /// surface's format, so they are counted apart rather than as broken error bodies.
    /// </summary>
    public static bool RefusedByServer(HttpResponseMessage response, string body) =>
        (int)response.StatusCode is 400 or 414 or 431 && body.Length == 0 && !response.Headers.Contains("X-Request-Id");

    public static IReadOnlyList<(FuzzFailure Failure, string Why)> Judge(string path, HttpResponseMessage response, string body)
    {
        var failures = new List<(FuzzFailure, string)>();
        var status = (int)response.StatusCode;
        if (status >= 500)
        {
            failures.Add((FuzzFailure.ServerError, $"answered {status}"));
        }
        if (StackTrace().Match(body) is { Success: true } trace)
        {
            failures.Add((FuzzFailure.StackTrace, $"the body holds '{trace.Value}'"));
        }
        if (status >= 400 && ShapeError(path, response, body) is { } why)
        {
            failures.Add((FuzzFailure.ErrorShape, why));
        }
        return failures;
    }

    /// <summary>Which error writer owns a path, as <c>SurfaceErrors</c> picks it (the incident surface's nested paths first).</summary>
    public static string SurfaceOf(string requested) => Routed(requested) switch
    {
        var path when Under(path, "/oauth") || Under(path, "/v3") || Under(path, "/v2/incidents") || Under(path, "/v2/organizations") => "incidents",
        var path when Under(path, "/api/v1") || Under(path, "/api/v2") || path.Split('/') is [_, "pages", _, "api", "v1" or "v2", ..] => "cachet",
        var path when Under(path, "/status") || Under(path, "/pages") => "html",
        var path when Under(path, "/hook") => "webhook",
        _ => "jsonapi",
    };

    /// <summary>
    /// The path as Kestrel routes it, its "." and ".." segments removed (RFC 3986 5.2.4): <c>/pages/./api/v1/x</c> is
    /// page "api"'s HTML, not a page's JSON API.
    /// </summary>
    private static string Routed(string path)
    {
        var segments = new List<string>();
        foreach (var segment in path.Split('/').Skip(1))
        {
            switch (segment.Replace("%2e", ".", StringComparison.OrdinalIgnoreCase))
            {
                case ".":
                    break;
                case "..":
                    if (segments.Count > 0)
                    {
                        segments.RemoveAt(segments.Count - 1);
                    }
                    break;
                default:
                    segments.Add(segment);
                    break;
            }
        }
        return "/" + string.Join('/', segments);
    }

    private static bool Under(string path, string prefix) =>
        path.Equals(prefix, StringComparison.OrdinalIgnoreCase) || path.StartsWith(prefix + "/", StringComparison.OrdinalIgnoreCase);

    private static string? ShapeError(string path, HttpResponseMessage response, string body)
    {
        var requestId = response.Headers.TryGetValues("X-Request-Id", out var ids) ? ids.FirstOrDefault() : null;
        if (string.IsNullOrEmpty(requestId))
        {
            return "no X-Request-Id header";
        }
        var surface = SurfaceOf(path);
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (surface == "html")
        {
            return mediaType == "text/html" ? null : $"the public page answered an error as {mediaType ?? "nothing"}, not HTML";
        }
        if (mediaType is not ("application/json" or "application/vnd.api+json"))
        {
            return $"the error is {mediaType ?? "bodiless"}, not JSON: {Preview(body)}";
        }
        JsonObject root;
        try
        {
            root = JsonNode.Parse(body) as JsonObject ?? throw new JsonException("not an object");
        }
        catch (JsonException e)
        {
            return $"the error body is not a JSON object ({e.Message}): {Preview(body)}";
        }
        var status = (int)response.StatusCode;
        try
        {
            return surface switch
            {
                "incidents" => Incident(root, status, requestId),
                "cachet" => Cachet(root),
                "webhook" when root["error"] is JsonValue && root["message"] is JsonValue => null,
                _ => JsonApi(root, requestId),
            };
        }
        catch (Exception e) when (e is InvalidOperationException or NullReferenceException or FormatException)
        {
            return $"the error body of the {surface} surface does not have its shape ({e.Message}): {Preview(body)}";
        }
    }

    private static string? JsonApi(JsonObject root, string requestId)
    {
        var errors = root["errors"]!.AsArray();
        if (errors.Count == 0)
        {
            return "JSON:API errors[] is empty";
        }
        foreach (var error in errors)
        {
            _ = int.Parse(error!["status"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
            if (string.IsNullOrEmpty(error["code"]!.GetValue<string>()) || string.IsNullOrEmpty(error["title"]!.GetValue<string>())
                || string.IsNullOrEmpty(error["detail"]!.GetValue<string>()))
            {
                return "a JSON:API error lacks its code, title or detail";
            }
            if (error["meta"]!["request_id"]!.GetValue<string>() != requestId)
            {
                return "a JSON:API error's meta.request_id is not the X-Request-Id";
            }
        }
        return null;
    }

    private static string? Cachet(JsonObject root)
    {
        var errors = root["errors"]!.AsArray();
        if (errors.Count == 0)
        {
            return "Cachet's errors[] is empty";
        }
        foreach (var error in errors)
        {
            _ = error!["id"]!.GetValue<string>();
            _ = error["status"]!.GetValue<int>();
            if (string.IsNullOrEmpty(error["title"]!.GetValue<string>()) || string.IsNullOrEmpty(error["detail"]!.GetValue<string>()))
            {
                return "a Cachet error lacks its title or detail";
            }
        }
        return null;
    }

    private static string? Incident(JsonObject root, int status, string requestId)
    {
        if (root["status"]!.GetValue<int>() != status || root["meta"]!["status"]!.GetValue<int>() != status)
        {
            return "the incident error's status is not the response's";
        }
        if (string.IsNullOrEmpty(root["type"]!.GetValue<string>()) || string.IsNullOrEmpty(root["meta"]!["error_message"]!.GetValue<string>()))
        {
            return "the incident error lacks its type or meta.error_message";
        }
        if (root["request_id"]!.GetValue<string>() != requestId)
        {
            return "the incident error's request_id is not the X-Request-Id";
        }
        var errors = root["errors"]!.AsArray();
        if (errors.Count == 0 || errors.Any(e => string.IsNullOrEmpty(e!["code"]!.GetValue<string>()) || e["message"] is null))
        {
            return "the incident error's errors[] is empty or lacks a code or message";
        }
        return null;
    }

    private static string Preview(string body) => body.Length <= 300 ? body : body[..300] + "…";

    /// <summary>A .NET stack frame or exception type name; the fuzzer never sends these words itself.</summary>
    [GeneratedRegex(@"(\bat [A-Z][\w.`<>]+\.[\w<>`]+\(|\.cs:line \d+|\bSystem\.[A-Za-z.]*Exception\b|\bMicrosoft\.[A-Za-z.]*Exception\b|--- End of inner exception)")]
    private static partial Regex StackTrace();
}
