using System.Text.Json.Serialization;
using Serverless.Functions.Errors;

namespace Serverless.Functions.Incidents.Wire;

/// <summary>
/// The incident surface's one error body, read by both families of clients: incident.io's <c>type</c>, <c>status</c>,
/// <c>request_id</c> and <c>errors[{code, message, source.field}]</c>, and Squadcast's <c>meta.{status, error_message}</c>
/// (docs/decisions/0020-incident-surface-wire.md).
/// </summary>
public sealed class IncidentErrorWriter : ISurfaceErrorWriter
{
    public sealed record FieldSource(string Field);

    public sealed record ErrorItem(string Code, string Message)
    {
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public FieldSource? Source { get; init; }
    }

    public sealed record SquadcastMeta(int Status, string ErrorMessage);

    public sealed record ErrorBody(string Type, int Status, string RequestId, IReadOnlyList<ErrorItem> Errors, SquadcastMeta Meta);

    /// <summary>Its <c>/v2/incidents</c> and <c>/v2/organizations</c> lie inside the Integration Platform's <c>/v2</c>.</summary>
    public bool IsNested => true;

    public bool Owns(PathString path) =>
        path.StartsWithSegments("/oauth") || path.StartsWithSegments("/v3") || path.StartsWithSegments("/v2/incidents") ||
        path.StartsWithSegments("/v2/organizations");

    public Task WriteAsync(HttpContext context, int status, IReadOnlyList<ApiError> errors)
    {
        var items = errors.Select(e => new ErrorItem(CodeOf(e), e.Detail)
        {
            Source = (e.Pointer ?? e.Parameter) is { } field ? new FieldSource(field) : null,
        }).ToList();
        var body = new ErrorBody(TypeOf(status), status, context.TraceIdentifier, items,
            new SquadcastMeta(status, string.Join(" ", errors.Select(e => e.Detail).Distinct())));
        if (status == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
        }
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(body, IncidentJson.Options, IncidentResults.ContentType, context.RequestAborted);
    }

    private static string TypeOf(int status) => status switch
    {
        401 => "authentication_error",
        403 => "authorization_error",
        404 => "not_found",
        405 => "method_not_allowed",
        409 => "conflict",
        413 => "payload_too_large",
        422 => "validation_error",
        429 => "too_many_requests",
        502 => "upstream_error",
        503 => "service_unavailable",
        >= 500 => "internal_error",
        _ => "invalid_request_error",
    };

    /// <summary>incident.io's code for a missing key; our own codes otherwise.</summary>
    private static string CodeOf(ApiError error) => error.Code switch
    {
        "unauthorized" => "missing_authorization_material",
        _ => error.Code,
    };
}
