using Microsoft.AspNetCore.WebUtilities;

namespace Serverless.Functions.Errors;

/// <summary>
/// One error, before a surface writes it in its own format. <see cref="Pointer"/> names the body field at fault
/// (a JSON pointer) and <see cref="Parameter"/> the query or path parameter, so that every 4xx says what to fix.
/// </summary>
public sealed record ApiError(int Status, string Code, string Title, string Detail)
{
    public string? Pointer { get; init; }

    public string? Parameter { get; init; }

    public static ApiError ForStatus(int status, string? detail = null) => status switch
    {
        StatusCodes.Status400BadRequest => new(status, "bad_request", "Bad Request", detail ?? "The request is not valid."),
        StatusCodes.Status401Unauthorized => new(status, "unauthorized", "Unauthorized", detail ?? "No valid API key provided."),
        StatusCodes.Status403Forbidden => new(status, "forbidden", "Forbidden", detail ?? "You do not have the permission this request needs."),
        StatusCodes.Status404NotFound => new(status, "not_found", "Not Found", detail ?? "The requested resource could not be found."),
        StatusCodes.Status405MethodNotAllowed => new(status, "method_not_allowed", "Method Not Allowed", detail ?? "This method is not allowed on this resource."),
        StatusCodes.Status406NotAcceptable => new(status, "not_acceptable", "Not Acceptable", detail ?? "The request must be JSON."),
        StatusCodes.Status409Conflict => new(status, "conflict", "Conflict", detail ?? "The request conflicts with the current state of the resource."),
        StatusCodes.Status412PreconditionFailed => new(status, "precondition_failed", "Precondition Failed", detail ?? "The resource was changed by another request; read it again and retry."),
        StatusCodes.Status413PayloadTooLarge => new(status, "payload_too_large", "Payload Too Large", detail ?? "The request body is too large."),
        StatusCodes.Status415UnsupportedMediaType => new(status, "unsupported_media_type", "Unsupported Media Type", detail ?? "The request must be JSON."),
        StatusCodes.Status429TooManyRequests => new(status, "too_many_requests", "Too Many Requests", detail ?? "Too many requests; wait as Retry-After says."),
        StatusCodes.Status503ServiceUnavailable => new(status, "unavailable", "Service Unavailable", detail ?? "The service is temporarily unavailable; try again shortly."),
        >= 500 => new(status, "internal_error", "Internal Server Error", detail ?? "An unexpected error occurred. Quote the request id when reporting it."),
        _ => new(status, "error", ReasonPhrases.GetReasonPhrase(status), detail ?? ReasonPhrases.GetReasonPhrase(status)),
    };

    public static ApiError InvalidField(string pointer, string detail) =>
        ForStatus(StatusCodes.Status400BadRequest, detail) with { Code = "invalid_field", Pointer = pointer };

    public static ApiError InvalidParameter(string parameter, string detail) =>
        ForStatus(StatusCodes.Status400BadRequest, detail) with { Code = "invalid_parameter", Parameter = parameter };

    public static ApiError NotFound(string what, string id, string parameter = "id") =>
        ForStatus(StatusCodes.Status404NotFound, $"No {what} with id '{id}' exists.") with { Parameter = parameter };

    public static ApiError Conflict(string pointer, string detail) =>
        ForStatus(StatusCodes.Status409Conflict, detail) with { Pointer = pointer };

    public static ApiError Forbidden(string detail) => ForStatus(StatusCodes.Status403Forbidden, detail);

    public static ApiError Unavailable(string detail) => ForStatus(StatusCodes.Status503ServiceUnavailable, detail);
}

/// <summary>Thrown by handlers and parsers; the exception handler writes it in the surface's error format.</summary>
public sealed class ApiException(IReadOnlyList<ApiError> errors) : Exception(errors[0].Detail)
{
    public ApiException(ApiError error)
        : this([error])
    {
    }

    public IReadOnlyList<ApiError> Errors { get; } = errors;

    /// <summary>For a refusal that lifts at a known time (a 429, a 503): sent as <c>Retry-After</c>, in whole seconds.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>The response status: the errors' own when they agree, else the most general of their class.</summary>
    public int Status => Errors.Select(e => e.Status).Distinct().Count() == 1 ? Errors[0].Status : Errors.Max(e => e.Status) / 100 * 100;
}
