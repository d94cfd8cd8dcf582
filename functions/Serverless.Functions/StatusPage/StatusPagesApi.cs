using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Errors;
using Serverless.Functions.Hosting;
using Serverless.Functions.Identity;
using Serverless.Functions.IntegrationPlatform;
using Serverless.Functions.IntegrationPlatform.JsonApi;

namespace Serverless.Functions.StatusPage;

/// <summary>
/// Managing status pages (ours; Cachet serves one page, this product many): <c>/v2/status-pages</c>, in the
/// Integration Platform's JSON:API dialect, as that is where tenant administration lives. Every user of the tenant
/// lists its pages; only tenant admins create, rename (slug and name) and delete them. A page's API is then at
/// <c>/pages/{slug}/api/v1</c> and its HTML at <c>/pages/{slug}</c>; the page whose slug is <c>default</c> is also
/// served at <c>/api/v1</c> and <c>/status</c> (docs/decisions/0010-status-pages.md).
/// </summary>
public static partial class StatusPagesApi
{
    public const string Type = "status-page";

    public static RouteGroupBuilder MapStatusPagesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapIntegrationGroup("StatusPages", "/v2/status-pages");
        group.MapGet("/", ListPages);
        group.MapPost("/", CreatePage);
        group.MapPatch("/{id}", UpdatePage);
        group.MapDelete("/{id}", DeletePage);
        return group;
    }

    public sealed record PageAttributes(string Slug, string Name, string ApiUrl, string PublicUrl, string? LogoUrl, string? AccentColor, string? About,
        string? SupportUrl, string TimeZone, bool Private);

    /// <summary>Branding fields given as "" go back to none (the default colour, UTC).</summary>
    public sealed record PageInput(string? Slug, string? Name, string? LogoUrl = null, string? AccentColor = null, string? About = null,
        string? SupportUrl = null, string? TimeZone = null, bool? Private = null);

    public static async Task<JsonHttpResult<Document>> ListPages(HttpRequest request, Caller caller, StatusPageStore pages, CancellationToken cancellationToken)
    {
        var found = await pages.OfTenantAsync(caller.TenantId, cancellationToken);
        return JsonApiResults.Ok(new Document(found.OrderBy(p => p.Slug, StringComparer.Ordinal).Select(p => Resource(request, p)).ToList())
        {
            Links = new CollectionLinks("/v2/status-pages"),
        });
    }

    /// <summary>A taken slug is a 409, whichever tenant holds it: slugs are global, as they are URL paths.</summary>
    public static async Task<JsonHttpResult<Document>> CreatePage(HttpRequest request, Caller caller, StatusPageStore pages, TimeProvider time,
        CancellationToken cancellationToken)
    {
        RequireAdmin(caller);
        var input = await JsonApiBody.ReadAsync<PageInput>(request, Type, cancellationToken);
        var (slug, name) = Validate(input.Attributes, required: true);
        var page = new StatusPageEntity { RowKey = slug!, PageId = Ids.New(time), TenantId = caller.TenantId, Name = name!, Created = time.GetUtcNow() };
        Brand(page, input.Attributes);
        if (!await pages.TryAddAsync(page, cancellationToken))
        {
            throw new ApiException(ApiError.Conflict("/data/attributes/slug", $"The slug '{slug}' is taken."));
        }
        return JsonApiResults.Created(request.HttpContext.Response, Document.Of(Resource(request, page)), $"/v2/status-pages/{page.PageId}");
    }

    public static async Task<JsonHttpResult<Document>> UpdatePage(string id, HttpRequest request, Caller caller, StatusPageStore pages,
        CancellationToken cancellationToken)
    {
        RequireAdmin(caller);
        var page = await FindAsync(pages, caller, id, cancellationToken);
        var input = await JsonApiBody.ReadAsync<PageInput>(request, Type, cancellationToken);
        JsonApiBody.CheckId(input.Id, id);
        var (slug, name) = Validate(input.Attributes, required: false);
        Brand(page, input.Attributes);
        if (!await pages.TryRenameAsync(page, slug ?? page.Slug, name ?? page.Name, cancellationToken))
        {
            throw new ApiException(ApiError.Conflict("/data/attributes/slug", $"The slug '{slug}' is taken."));
        }
        return JsonApiResults.Ok(Document.Of(Resource(request, (await pages.FindAsync(slug ?? page.Slug, cancellationToken))!)));
    }

    /// <summary>The page goes at once (its URLs answer 404), then everything on it.</summary>
    public static async Task<NoContent> DeletePage(string id, Caller caller, StatusPageStore pages, StatusItemStore items,
        CancellationToken cancellationToken)
    {
        RequireAdmin(caller);
        var page = await FindAsync(pages, caller, id, cancellationToken);
        await pages.DeleteAsync(page, cancellationToken);
        await items.DeletePageAsync(page.PageId, cancellationToken);
        return TypedResults.NoContent();
    }

    private static void RequireAdmin(Caller caller)
    {
        if (!caller.IsTenantAdmin)
        {
            throw new ApiException(ApiError.Forbidden("Only a tenant admin can create, change or delete status pages."));
        }
    }

    private static async Task<StatusPageEntity> FindAsync(StatusPageStore pages, Caller caller, string id, CancellationToken cancellationToken) =>
        (await pages.OfTenantAsync(caller.TenantId, cancellationToken)).FirstOrDefault(p => p.PageId == id)
        ?? throw new ApiException(ApiError.NotFound(Type, id));

    private static (string? Slug, string? Name) Validate(PageInput input, bool required)
    {
        var rules = new AttributeRules();
        var slug = required ? rules.Required(input.Slug, "slug", 63) : rules.MaxLength(input.Slug, "slug", 63);
        var name = required ? rules.Required(input.Name, "name", 200) : rules.MaxLength(input.Name, "name", 200);
        rules.Check(slug is null || StatusPageStore.IsSlug(slug), "slug", "'slug' is lowercase letters, digits and single hyphens, like 'acme-status'.");
        foreach (var (value, field) in new[] { (input.LogoUrl, "logo_url"), (input.SupportUrl, "support_url") })
        {
            rules.MaxLength(value, field, 2000);
            rules.Check(string.IsNullOrEmpty(value) || OutboundHttp.IsHttpUrl(value.Trim()), field, $"'{field}' is an http or https URL.");
        }
        rules.Check(string.IsNullOrEmpty(input.AccentColor) || AccentColor().IsMatch(input.AccentColor), "accent_color", "'accent_color' is a colour like '#1f6feb'.");
        rules.Check((input.About?.Length ?? 0) <= 10_000, "about", "'about' must be at most 10000 characters.");
        rules.Check(string.IsNullOrEmpty(input.TimeZone) || TimeZoneInfo.TryFindSystemTimeZoneById(input.TimeZone, out _), "time_zone",
            "'time_zone' is an IANA time zone such as 'Europe/Paris'.");
        rules.ThrowIfAny();
        return (slug, name);
    }

    /// <summary>Applies the branding fields that were given (already validated).</summary>
    private static void Brand(StatusPageEntity page, PageInput input)
    {
        page.LogoUrl = input.LogoUrl?.Trim() ?? page.LogoUrl;
        page.AccentColor = input.AccentColor?.ToLowerInvariant() ?? page.AccentColor;
        page.About = input.About ?? page.About;
        page.SupportUrl = input.SupportUrl?.Trim() ?? page.SupportUrl;
        page.TimeZone = input.TimeZone ?? page.TimeZone;
        page.Private = input.Private ?? page.Private;
    }

    [System.Text.RegularExpressions.GeneratedRegex("^#[0-9a-fA-F]{6}$")]
    private static partial System.Text.RegularExpressions.Regex AccentColor();

    private static string? Empty(string value) => value.Length == 0 ? null : value;

    private static Resource Resource(HttpRequest request, StatusPageEntity page)
    {
        var prefix = page.Slug == StatusPageStore.DefaultSlug ? "" : $"/pages/{page.Slug}";
        var apiUrl = PublicUrls.Of(request).Absolute(request, $"{prefix}/api/v1");
        return new(page.PageId, Type, new PageAttributes(page.Slug, page.Name, apiUrl, Cachet.CachetPage.PublicUrl(request, page), Empty(page.LogoUrl),
            Empty(page.AccentColor), Empty(page.About), Empty(page.SupportUrl), page.Zone().Id, page.Private))
        {
            Links = new ResourceLinks($"/v2/status-pages/{page.PageId}"),
        };
    }
}
