using Microsoft.Net.Http.Headers;
using Serverless.Functions.Errors;
using Serverless.Functions.Hosting;
using Serverless.Functions.Identity;

namespace Serverless.Functions.StatusPage.Cachet;

/// <summary>
/// The status page a request is for, and who asks. Bound for every Cachet handler: the page comes from the route's
/// <c>{slug}</c> (or is the default page, for <c>/api/v1</c>); the caller is the user that
/// <see cref="CachetTokenAuthentication"/> or Basic authenticated, and counts only when the page is their tenant's.
/// Writes without such a user get 401; reads without one see the guest view, and an unknown key on a read is
/// ignored, as Cachet does.
/// </summary>
public sealed class CachetPage
{
    private CachetPage(StatusPageEntity page, Caller? user, CachetClock clock, string baseUrl)
    {
        Page = page;
        User = user;
        Clock = clock;
        BaseUrl = baseUrl;
    }

    public StatusPageEntity Page { get; }

    public string PageId => Page.PageId;

    /// <summary>A user of the page's tenant, when the request carried one's key.</summary>
    public Caller? User { get; }

    public bool IsAuthenticated => User is not null;

    public CachetClock Clock { get; }

    /// <summary>The absolute URL of the page's public HTML, e.g. <c>http://host/status</c>.</summary>
    public string BaseUrl { get; }

    /// <summary>The page as another surface acts on it for one of the page's users (see <see cref="LinkedIncidents"/>).</summary>
    public static CachetPage For(StatusPageEntity page, Caller user, TimeProvider time, HttpRequest request) =>
        user.TenantId == page.TenantId
            ? new CachetPage(page, user, new CachetClock(TimeZoneInfo.Utc, time.GetUtcNow()), PublicUrl(request, page))
            : throw new InvalidOperationException("A page is acted on only for a user of its own tenant.");

    public static async ValueTask<CachetPage?> BindAsync(HttpContext context)
    {
        var request = context.Request;
        var services = context.RequestServices;
        var slug = request.RouteValues["slug"] as string ?? StatusPageStore.DefaultSlug;
        var page = await services.GetRequiredService<StatusPageStore>().FindAsync(slug, context.RequestAborted)
            ?? throw new ApiException(ApiError.ForStatus(404, $"No status page '{slug}' exists."));
        var user = context.User.HasClaim(c => c.Type == Caller.TenantClaim) ? Caller.From(context.User) : null;
        if (user is not null && user.TenantId != page.TenantId)
        {
            user = null; // another tenant's key is no key here
        }
        if (user is null && (page.Private || !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method))))
        {
            throw Unauthorized(); // a private page's reads need a key too
        }
        var clock = CachetClock.From(request, services.GetRequiredService<TimeProvider>());
        await StatusPageCache.PageFoundAsync(context, page);
        return new CachetPage(page, user, clock, PublicUrl(request, page));
    }

    /// <summary>The absolute URL of a page's public HTML.</summary>
    public static string PublicUrl(HttpRequest request, StatusPageEntity page) =>
        PublicUrls.Of(request).Absolute(request, page.Slug == StatusPageStore.DefaultSlug ? "/status" : $"/pages/{page.Slug}");

    /// <summary>For the few reads that need a key too (the subscriber list).</summary>
    public void RequireAuthenticated()
    {
        if (!IsAuthenticated)
        {
            throw Unauthorized();
        }
    }

    public static ApiException NotAcceptable() =>
        new(ApiError.ForStatus(406, "The requested resource is only capable of generating content not acceptable."));

    public static ApiException Unauthorized() =>
        new(ApiError.ForStatus(401, "Authentication is required and has failed or has not yet been provided."));

    /// <summary>An integer path id; anything else is a missing item (Cachet's route-model binding answers 404 too).</summary>
    public static int Id(string id) => int.TryParse(id, out var value) && value > 0 ? value : 0;

    public static ApiException NotFound() =>
        new(ApiError.ForStatus(404, "The requested resource could not be found but may be available again in the future."));

    /// <summary>The item of the path's id on this page, or Cachet's 404.</summary>
    public async Task<T> FindAsync<T>(StatusItemStore store, string id, CancellationToken cancellationToken)
        where T : StatusItem, IStatusKind, new() =>
        await store.GetAsync<T>(PageId, Id(id), cancellationToken) ?? throw NotFound();

    /// <summary>Changes the item of the path's id on this page and stamps it updated, or answers Cachet's 404.</summary>
    public async Task<T> UpdateAsync<T>(StatusItemStore store, string id, Action<T> change, CancellationToken cancellationToken)
        where T : StatusItem, IStatusKind, new() =>
        await store.MutateAsync<T>(PageId, Id(id), item =>
        {
            change(item);
            item.UpdatedAt = Clock.Now;
        }, Uptime.StatusCause.Api(User?.UserId), cancellationToken) ?? throw NotFound();

    /// <summary>Cachet answers 406 to a request that accepts no JSON; the API groups check it before anything else.</summary>
    public static bool AcceptsJson(HttpRequest request)
    {
        var accept = request.Headers.Accept.ToString();
        if (accept.Length == 0 || !MediaTypeHeaderValue.TryParseList([accept], out var types))
        {
            return true;
        }
        return types.Any(t => t.MediaType.Value is "*/*" or "application/*" or "application/json" || t.Suffix.Value == "json");
    }
}
