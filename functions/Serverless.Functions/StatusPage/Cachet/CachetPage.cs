using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Net.Http.Headers;
using Serverless.Functions.Errors;
using Serverless.Functions.Identity;

namespace Serverless.Functions.StatusPage.Cachet;

/// <summary>
/// The status page a request is for, and who asks. Bound for every Cachet handler: the page comes from the route's
/// <c>{slug}</c> (or is the default page, for <c>/api/v1</c>); the caller from <c>X-Cachet-Token</c> or Basic
/// <c>email:apikey</c>, where any API key of a user of the page's tenant counts (spec §1.3). Writes without such a
/// key get 401; reads without one see the guest view, and an unknown key on a read is ignored, as Cachet does.
/// </summary>
public sealed class CachetPage
{
    public const string TokenHeader = "X-Cachet-Token";

    private CachetPage(StatusPageEntity page, UserEntity? user, CachetClock clock, string baseUrl)
    {
        Page = page;
        User = user;
        Clock = clock;
        BaseUrl = baseUrl;
    }

    public StatusPageEntity Page { get; }

    public string PageId => Page.PageId;

    /// <summary>A user of the page's tenant, when the request carried one's key.</summary>
    public UserEntity? User { get; }

    public bool IsAuthenticated => User is not null;

    public CachetClock Clock { get; }

    /// <summary>The absolute URL of the page's public HTML, e.g. <c>http://host/status</c>.</summary>
    public string BaseUrl { get; }

    public static async ValueTask<CachetPage?> BindAsync(HttpContext context)
    {
        var request = context.Request;
        if (!AcceptsJson(request))
        {
            throw new ApiException(ApiError.ForStatus(406, "The requested resource is only capable of generating content not acceptable."));
        }
        var services = context.RequestServices;
        var slug = request.RouteValues["slug"] as string ?? StatusPageStore.DefaultSlug;
        var page = await services.GetRequiredService<StatusPageStore>().FindAsync(slug, context.RequestAborted)
            ?? throw new ApiException(ApiError.ForStatus(404, $"No status page '{slug}' exists."));
        var user = await CallerAsync(request, services.GetRequiredService<UserStore>(), context.RequestAborted);
        if (user is not null && user.TenantId != page.TenantId)
        {
            user = null; // another tenant's key is no key here
        }
        if (user is null && !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method)))
        {
            throw Unauthorized();
        }
        var clock = CachetClock.From(request, services.GetRequiredService<TimeProvider>());
        return new CachetPage(page, user, clock, PublicUrl(request, page));
    }

    public static string PublicUrl(HttpRequest request, StatusPageEntity page) =>
        $"{request.Scheme}://{request.Host}{request.PathBase}" + (page.Slug == StatusPageStore.DefaultSlug ? "/status" : $"/pages/{page.Slug}");

    /// <summary>For the few reads that need a key too (the subscriber list).</summary>
    public void RequireAuthenticated()
    {
        if (!IsAuthenticated)
        {
            throw Unauthorized();
        }
    }

    public static ApiException Unauthorized() =>
        new(ApiError.ForStatus(401, "Authentication is required and has failed or has not yet been provided."));

    /// <summary>An integer path id; anything else is a missing item (Cachet's route-model binding answers 404 too).</summary>
    public static int Id(string id) => int.TryParse(id, out var value) && value > 0 ? value : 0;

    public static ApiException NotFound() =>
        new(ApiError.ForStatus(404, "The requested resource could not be found but may be available again in the future."));

    private static bool AcceptsJson(HttpRequest request)
    {
        var accept = request.Headers.Accept.ToString();
        if (accept.Length == 0 || !MediaTypeHeaderValue.TryParseList([accept], out var types))
        {
            return true;
        }
        return types.Any(t => t.MediaType.Value is "*/*" or "application/*" or "application/json" || t.Suffix.Value == "json");
    }

    private static async Task<UserEntity?> CallerAsync(HttpRequest request, UserStore users, CancellationToken cancellationToken)
    {
        var token = request.Headers[TokenHeader].ToString().Trim();
        if (token.Length > 0)
        {
            return token.Length <= 512 ? await users.FindByApiKeyAsync(token, cancellationToken) : null;
        }
        return BasicAuthentication.TryDecode(request.Headers.Authorization.ToString(), out var email, out var key)
            ? await users.FindByEmailAndApiKeyAsync(email, key, cancellationToken)
            : null;
    }
}

/// <summary>
/// The status page surface's error format (spec §1.9): Cachet's <c>errors[]</c>, one object per error, or one 400
/// whose <c>meta.details</c> lists every validation message. Each carries the request id in <c>meta</c>. The public
/// HTML pages answer errors as a small HTML page instead.
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

    public bool Owns(PathString path) =>
        path.StartsWithSegments("/api/v1") || path.StartsWithSegments("/status") || path.StartsWithSegments("/pages");

    public static bool IsApi(PathString path) =>
        path.StartsWithSegments("/api/v1") || (path.Value ?? "").Split('/') is [_, "pages", _, "api", "v1", ..];

    public Task WriteAsync(HttpContext context, int status, IReadOnlyList<ApiError> errors)
    {
        context.Response.StatusCode = status;
        if (!IsApi(context.Request.Path))
        {
            return StatusPageHtml.WriteErrorAsync(context, status, errors[0].Status == status ? errors[0].Detail : Canned.GetValueOrDefault(status, "Something went wrong."));
        }
        var validation = errors.Where(e => e.Code == "validation").ToList();
        var objects = validation.Count > 0
            ? [Error(context, 400, "The given data failed to pass validation.", new JsonArray([.. validation.Select(e => (JsonNode)e.Detail)]))]
            : errors.Select(e => Error(context, e.Status, Detail(e), null)).ToList();
        var body = new JsonObject { ["errors"] = new JsonArray([.. objects]) };
        context.Response.ContentType = CachetResults.ContentType;
        return context.Response.WriteAsync(body.ToJsonString(CachetResults.Json), context.RequestAborted);
    }

    private static string Detail(ApiError error) =>
        // The framework's own bodiless 4xx carry our generic default; Cachet's canned sentence fits its clients better.
        error.Detail == ApiError.ForStatus(error.Status).Detail ? Canned.GetValueOrDefault(error.Status, error.Detail) : error.Detail;

    private static JsonObject Error(HttpContext context, int status, string detail, JsonArray? details)
    {
        var meta = new JsonObject { ["request_id"] = context.TraceIdentifier };
        if (details is not null)
        {
            meta["details"] = details;
        }
        return new JsonObject
        {
            ["id"] = Guid.NewGuid().ToString(),
            ["status"] = status,
            ["title"] = Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status),
            ["detail"] = detail,
            ["meta"] = meta,
        };
    }
}

/// <summary>Reads a <see cref="JsonNode"/> property as its stored JSON text.</summary>
internal static class JsonText
{
    public static JsonNode? Parse(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }
        try
        {
            return JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
