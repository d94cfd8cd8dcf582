using System.Text.Json.Nodes;
using Serverless.Functions.Errors;

namespace Serverless.Functions.StatusPage.Cachet;

/// <summary>
/// The status page surface's error format: Cachet's <c>errors[]</c>, one object per error, or one 400
/// whose <c>meta.details</c> lists every validation message, and no other <c>meta</c>, as Cachet writes them: its
/// clients parse these bodies. The request id travels in the <c>X-Request-Id</c> header. The public HTML pages answer
/// errors as a small HTML page instead.
/// </summary>
public sealed class CachetErrorWriter : ISurfaceErrorWriter
{
    private static readonly Dictionary<int, string> Canned = new()
    {
        [400] = "The request cannot be fulfilled due to bad syntax.",
        [401] = "Authentication is required and has failed or has not yet been provided.",
        [404] = "The requested resource could not be found but may be available again in the future.",
        [405] = "A request was made of a resource using a request method not supported by that resource.",
        [406] = "The requested resource is only capable of generating content not acceptable.",
        [500] = "An error has occurred and this resource cannot be displayed.",
    };

    /// <summary>The body <see cref="WriteAsync"/> writes on the API, as the API reference shows it.</summary>
    public sealed record ErrorBody(IReadOnlyList<ErrorObject> Errors);

    public sealed record ErrorObject(string Id, int Status, string Title, string Detail)
    {
        /// <summary>Only on a validation 400: every message.</summary>
        public ErrorDetails? Meta { get; init; }
    }

    public sealed record ErrorDetails(IReadOnlyList<string> Details);

    public bool Owns(PathString path) =>
        path.StartsWithSegments("/api/v1") || path.StartsWithSegments("/api/v2") || path.StartsWithSegments("/status") || path.StartsWithSegments("/pages");

    /// <summary>The Cachet API and the Statuspage JSON beside it answer errors in JSON; the rest is the HTML page.</summary>
    public static bool IsApi(PathString path) =>
        path.StartsWithSegments("/api/v1") || path.StartsWithSegments("/api/v2") || (path.Value ?? "").Split('/') is [_, "pages", _, "api", "v1" or "v2", ..];

    public Task WriteAsync(HttpContext context, int status, IReadOnlyList<ApiError> errors)
    {
        context.Response.StatusCode = status;
        if (!IsApi(context.Request.Path))
        {
            if (status == 401)
            {
                // Only a private page's HTML answers 401: a browser then asks for the e-mail and API key (Basic).
                context.Response.Headers.WWWAuthenticate = "Basic realm=\"status\", charset=\"UTF-8\"";
            }
            return StatusPageHtml.WriteErrorAsync(context, status, errors[0].Status == status ? errors[0].Detail : Canned.GetValueOrDefault(status, "Something went wrong."));
        }
        var validation = errors.Where(e => e.Code == "validation").ToList();
        var objects = validation.Count > 0
            ? [Error(400, "The given data failed to pass validation.", new JsonArray([.. validation.Select(e => (JsonNode)e.Detail)]))]
            : errors.Select(e => Error(e.Status, Detail(e), null)).ToList();
        var body = new JsonObject { ["errors"] = new JsonArray([.. objects]) };
        context.Response.ContentType = CachetResults.ContentType;
        return context.Response.WriteAsync(body.ToJsonString(CachetResults.Json), context.RequestAborted);
    }

    private static string Detail(ApiError error) =>
        // The framework's own bodiless 4xx carry our generic default; Cachet's canned sentence fits its clients better.
        error.Detail == ApiError.ForStatus(error.Status).Detail ? Canned.GetValueOrDefault(error.Status, error.Detail) : error.Detail;

    private static JsonObject Error(int status, string detail, JsonArray? details)
    {
        var error = new JsonObject
        {
            ["id"] = Guid.NewGuid().ToString(),
            ["status"] = status,
            ["title"] = Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status),
            ["detail"] = detail,
        };
        if (details is not null)
        {
            error["meta"] = new JsonObject { ["details"] = details };
        }
        return error;
    }
}
