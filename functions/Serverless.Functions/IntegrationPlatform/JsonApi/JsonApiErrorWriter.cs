using System.Text.Json.Serialization;
using Serverless.Functions.Errors;

namespace Serverless.Functions.IntegrationPlatform.JsonApi;

/// <summary>
/// The Integration Platform surface's error format. The seed documents no error body, so this is JSON:API's
/// <c>errors[]</c>, each error carrying the request id in its <c>meta</c>.
/// </summary>
public sealed class JsonApiErrorWriter : ISurfaceErrorWriter
{
    public sealed record ErrorSource
    {
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public string? Pointer { get; init; }

        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public string? Parameter { get; init; }
    }

    public sealed record ErrorObject(string Status, string Code, string Title, string Detail, ErrorMeta Meta)
    {
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public ErrorSource? Source { get; init; }
    }

    public sealed record ErrorMeta(string RequestId);

    public sealed record ErrorDocument(IReadOnlyList<ErrorObject> Errors);

    public bool Owns(PathString path) => path.StartsWithSegments("/v2");

    public Task WriteAsync(HttpContext context, int status, IReadOnlyList<ApiError> errors)
    {
        var meta = new ErrorMeta(context.TraceIdentifier);
        var body = new ErrorDocument(errors.Select(e => new ErrorObject(
            e.Status.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Code, e.Title, e.Detail, meta)
        {
            Source = e.Pointer is null && e.Parameter is null ? null : new ErrorSource { Pointer = e.Pointer, Parameter = e.Parameter },
        }).ToList());
        if (status == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"Integration Platform\", charset=\"UTF-8\"";
        }
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(body, JsonApiJson.Options, "application/json; charset=utf-8", context.RequestAborted);
    }
}
