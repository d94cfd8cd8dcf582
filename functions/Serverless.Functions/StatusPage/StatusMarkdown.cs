using Markdig;
using Markdig.Renderers.Html;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace Serverless.Functions.StatusPage;

/// <summary>
/// Incident, update and maintenance messages as HTML. Raw HTML in a message is shown as text, and only http(s) links
/// stay links (no images, no <c>javascript:</c>), so a message can never inject markup or script into the page.
/// </summary>
public static class StatusMarkdown
{
    // A line break in a message is one on the page too, as writers of incident messages expect.
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().DisableHtml().UseSoftlineBreakAsHardlineBreak().Build();

    public static string ToHtml(string? text)
    {
        var document = Markdown.Parse(text ?? "", Pipeline);
        foreach (var link in document.Descendants<LinkInline>().ToList())
        {
            if (!link.IsImage && IsWeb(link.Url))
            {
                link.GetAttributes().AddPropertyIfNotExist("rel", "noopener nofollow");
                continue;
            }
            // Its text stays, without the link.
            while (link.FirstChild is { } child)
            {
                child.Remove();
                link.InsertBefore(child);
            }
            link.Remove();
        }
        foreach (var autolink in document.Descendants<AutolinkInline>().ToList())
        {
            if (autolink.IsEmail || !IsWeb(autolink.Url))
            {
                autolink.ReplaceBy(new LiteralInline(autolink.Url));
            }
            else
            {
                autolink.GetAttributes().AddPropertyIfNotExist("rel", "noopener nofollow");
            }
        }
        return Markdown.ToHtml(document, Pipeline).TrimEnd();
    }

    private static bool IsWeb(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);
}
