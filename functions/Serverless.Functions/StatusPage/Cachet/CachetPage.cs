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
        }, cancellationToken) ?? throw NotFound();

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
