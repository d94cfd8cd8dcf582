namespace Serverless.Functions.Hosting;

/// <summary>
/// Builds every absolute link the product writes: <c>Location</c> headers, permalinks, e-mailed links, the subscribe
/// form's action. <c>PUBLIC_BASE_URL</c> (for example <c>https://ops.example.com</c>) wins whenever it is set, so no
/// request can put another domain into a link. Without it, links use the request's own scheme and host: behind the
/// Functions host those come from its <c>X-Forwarded-*</c> headers (see <see cref="CustomHandler.UseApiPipeline"/>,
/// which trusts them only in host mode, where only the host can reach the handler); standalone, from the request.
/// </summary>
public sealed class PublicUrls
{
    public const string Setting = "PUBLIC_BASE_URL";

    private readonly string? configured;

    public PublicUrls(IConfiguration configuration)
    {
        var value = configuration[Setting];
        if (string.IsNullOrWhiteSpace(value))
        {
            return;
        }
        if (!Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Query.Length > 0 ||
            uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
        {
            throw new InvalidOperationException($"{Setting} must be an absolute http(s) URL without query or fragment, like https://ops.example.com.");
        }
        configured = uri.GetLeftPart(UriPartial.Path).TrimEnd('/');
    }

    /// <summary>The scheme, host and path base every link starts with, without a trailing slash.</summary>
    public string BaseOf(HttpRequest request) => configured ?? $"{request.Scheme}://{request.Host}{request.PathBase}";

    /// <summary>An absolute URL for <paramref name="pathAndQuery"/>, which starts with '/'.</summary>
    public string Absolute(HttpRequest request, string pathAndQuery) => BaseOf(request) + pathAndQuery;

    /// <summary>For static helpers that have only the request.</summary>
    public static PublicUrls Of(HttpRequest request) => request.HttpContext.RequestServices.GetRequiredService<PublicUrls>();
}
