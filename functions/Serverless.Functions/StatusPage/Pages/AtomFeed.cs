using System.Globalization;
using System.Xml.Linq;

namespace Serverless.Functions.StatusPage.Pages;

/// <summary>An Atom feed of a page's public incidents, newest first; XML rather than HTML, so not a Razor component.</summary>
public static class AtomFeed
{
    private static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";

    public static string Of(PageView view, IReadOnlyList<StatusIncident> incidents)
    {
        var feed = new XElement(Atom + "feed",
            new XElement(Atom + "title", view.Page.Name),
            new XElement(Atom + "id", view.BaseUrl),
            new XElement(Atom + "link", new XAttribute("href", view.BaseUrl)),
            new XElement(Atom + "link", new XAttribute("rel", "self"), new XAttribute("href", $"{view.BaseUrl}/feed.atom")),
            new XElement(Atom + "updated", Timestamp(incidents.Count > 0 ? incidents.Max(i => i.UpdatedAt) : view.Page.Created)),
            incidents.Select(i => new XElement(Atom + "entry",
                new XElement(Atom + "title", i.Name),
                new XElement(Atom + "id", $"{view.BaseUrl}/incidents/{i.Id}"),
                new XElement(Atom + "link", new XAttribute("href", $"{view.BaseUrl}/incidents/{i.Id}")),
                new XElement(Atom + "updated", Timestamp(i.UpdatedAt)),
                new XElement(Atom + "published", Timestamp(i.OccurredAt)),
                new XElement(Atom + "author", new XElement(Atom + "name", view.Page.Name)),
                new XElement(Atom + "summary", $"{i.IncidentStatus.Label()}: {i.Message}"))));
        return new XDocument(new XDeclaration("1.0", "utf-8", null), feed).Declaration + "\n" + feed;
    }

    private static string Timestamp(DateTimeOffset value) => value.ToString("o", CultureInfo.InvariantCulture);
}
