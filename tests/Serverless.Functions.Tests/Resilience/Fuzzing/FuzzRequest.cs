using System.Text;
using System.Text.Json.Nodes;

namespace Serverless.Functions.Tests.Resilience.Fuzzing;

/// <summary>Whose key the request carries.</summary>
public enum FuzzCredentials
{
    /// <summary>The surface's own dialect with a key of the tenant that holds the world's resources.</summary>
    Valid,

    /// <summary>No credentials at all.</summary>
    None,

    /// <summary>Credentials that do not parse or do not match a user.</summary>
    Wrong,

    /// <summary>A valid key of a second tenant, sent at the first tenant's ids.</summary>
    OtherTenant,
}

/// <summary>
/// A request being generated: the route, its path values, query, credentials and body. Mutations change it in place;
/// it is made afresh for every generated request.
/// </summary>
public sealed class FuzzRequest(FuzzRoute route)
{
    public FuzzRoute Route { get; } = route;

    /// <summary>The value of each path parameter, before escaping, in the template's order.</summary>
    public List<string> PathValues { get; } = [];

    /// <summary>Query pairs, already escaped (a mutation may leave a malformed escape on purpose).</summary>
    public List<(string Name, string Value)> Query { get; } = [];

    public FuzzCredentials Credentials { get; set; } = FuzzCredentials.Valid;

    /// <summary>The body as JSON; <see cref="RawBody"/> wins when a mutation broke the JSON itself.</summary>
    public JsonNode? Json { get; set; }

    public byte[]? RawBody { get; set; }

    public string? ContentType { get; set; } = "application/json";

    /// <summary>What was done to the request, for the report of a failure.</summary>
    public List<string> Mutations { get; } = [];

    public string Path
    {
        get
        {
            var values = new Queue<string>(PathValues);
            return string.Join('/', Route.Template.Split('/').Select(segment => !segment.StartsWith('{')
                ? segment
                : segment.StartsWith("{**", StringComparison.Ordinal)
                    ? string.Join('/', values.Dequeue().Split('/').Select(Uri.EscapeDataString))
                    : Uri.EscapeDataString(values.Dequeue())));
        }
    }

    public string QueryString => Query.Count == 0 ? "" : "?" + string.Join('&', Query.Select(q => $"{q.Name}={q.Value}"));

    public byte[]? Body => RawBody ?? (Json is null ? null : Encoding.UTF8.GetBytes(Json.ToJsonString()));

    public HttpRequestMessage ToHttp()
    {
        var request = new HttpRequestMessage(new HttpMethod(Route.Method), Path + QueryString);
        if (Route.HasBody && Body is { } body)
        {
            request.Content = new ByteArrayContent(body);
            if (ContentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
            }
        }
        return request;
    }

    /// <summary>How CsCheck prints a failing request: enough to replay it with curl.</summary>
    public override string ToString()
    {
        var body = Body is { } bytes ? Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, 400)) + (bytes.Length > 400 ? $"… ({bytes.Length} bytes)" : "") : "(none)";
        var content = Route.HasBody ? $", Content-Type {ContentType ?? "(none)"}, body {body}" : "";
        return $"{Route.Method} {Path}{QueryString} as {Credentials}{content} [{string.Join(", ", Mutations)}]";
    }
}
