using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Errors;
using Serverless.Functions.StatusPage.Cachet;
using Serverless.Functions.StatusPage.Notifications;

namespace Serverless.Functions.StatusPage;

/// <summary>
/// The public status page (spec §5), rendered on the server with no external assets: what a guest sees, so
/// invisible groups and incidents, disabled components and hidden metrics are left out. Mounted at <c>/status</c> for
/// the default page and at <c>/pages/{slug}</c> for every page.
/// </summary>
public static partial class StatusPageHtml
{
    private const int IncidentDays = 7;
    private const string HtmlType = "text/html; charset=utf-8";

    public static RouteGroupBuilder MapStatusPageHtml(this RouteGroupBuilder page)
    {
        page.MapGet("", Overview);
        page.MapGet("/incidents/{id}", Incident);
        page.MapGet("/schedules/{id}", Schedule);
        page.MapGet("/components/{id}/shield", Shield);
        page.MapGet("/metrics/{id}", MetricData);
        page.MapGet("/feed.atom", Feed);
        page.MapGet("/subscribe", SubscribeForm);
        page.MapPost("/subscribe", Subscribe).DisableAntiforgery();
        page.MapGet("/subscribe/verify/{code}", Verify);
        page.MapGet("/unsubscribe/{code}", UnsubscribeForm);
        page.MapPost("/unsubscribe/{code}", Unsubscribe).DisableAntiforgery();
        return page;
    }

    private sealed record View(StatusPageEntity Page, string BaseUrl, CachetClock Clock);

    private static async Task<View> ViewAsync(HttpContext context)
    {
        var slug = context.Request.RouteValues["slug"] as string ?? StatusPageStore.DefaultSlug;
        var page = await context.RequestServices.GetRequiredService<StatusPageStore>().FindAsync(slug, context.RequestAborted)
            ?? throw new ApiException(ApiError.ForStatus(404, $"There is no status page '{slug}'."));
        var time = context.RequestServices.GetRequiredService<TimeProvider>();
        return new View(page, CachetPage.PublicUrl(context.Request, page), new CachetClock(TimeZoneInfo.Utc, time.GetUtcNow()));
    }

    /// <summary>The overview (spec §5.1): banner, components by group, metrics, stickied incidents, maintenance, past incidents.</summary>
    public static async Task<ContentHttpResult> Overview(HttpContext context, StatusItemStore store, CancellationToken cancellationToken)
    {
        var view = await ViewAsync(context);
        var pageId = view.Page.PageId;
        var allGroups = await store.ListAsync<StatusGroup>(pageId, cancellationToken);
        var allComponents = await store.ListAsync<StatusComponent>(pageId, cancellationToken);
        var allIncidents = await store.ListAsync<StatusIncident>(pageId, cancellationToken);
        var updates = (await store.ListAsync<StatusIncidentUpdate>(pageId, cancellationToken)).ToLookup(u => u.IncidentId);
        // The banner counts invisible incidents too, as the API's status does; the lists below show what a guest may see.
        var status = await SystemStatus.OfAsync(allGroups, allComponents, authenticated: false, () => Task.FromResult(SystemStatus.AnyUnresolved(allIncidents, updates)));
        var groups = allGroups.Where(g => g.Visibility == Visibility.Public).OrderBy(g => g.Order).ThenBy(g => g.Id).ToList();
        var components = allComponents.Where(c => c.Enabled).OrderBy(c => c.Order).ThenBy(c => c.Id).ToList();
        var incidents = allIncidents.Where(i => i.Visibility == Visibility.Public).ToList();
        var schedules = (await store.ListAsync<StatusSchedule>(pageId, cancellationToken)).Where(s => s.ScheduleStatus is ScheduleStatus.Upcoming or ScheduleStatus.InProgress).OrderBy(s => s.ScheduledAt).ToList();
        var metrics = (await store.ListAsync<StatusMetric>(pageId, cancellationToken)).Where(m => m.DisplayChart && m.Visibility == Visibility.Public)
            .OrderBy(m => m.Order).ThenBy(m => m.Id).ToList();

        var html = new StringBuilder();
        if (context.Request.Query.ContainsKey("subscribed"))
        {
            html.Append("<div class=\"flash\">Thanks! Check your e-mail to confirm your subscription.</div>");
        }
        html.Append($"<div class=\"banner {status.Level}\" role=\"status\">{H(status.Message)}</div>");

        html.Append("<section aria-label=\"Components\">");
        var byId = components.ToDictionary(c => c.Id);
        foreach (var group in groups)
        {
            var members = components.Where(c => c.GroupId == group.Id).ToList();
            if (members.Count == 0)
            {
                continue;
            }
            var worst = members.Max(c => c.ComponentStatus);
            var open = group.Collapse == GroupCollapse.Expanded
                || (group.Collapse == GroupCollapse.CollapsedUnlessTrouble && members.Any(c => c.ComponentStatus > ComponentStatus.Operational));
            html.Append($"<details class=\"group\"{(open ? " open" : "")}><summary><span class=\"dot s{(int)worst}\" title=\"{H(worst.Label())}\"></span>{H(group.Name)}</summary><ul>");
            foreach (var component in members)
            {
                html.Append(ComponentRow(component, view));
            }
            html.Append("</ul></details>");
        }
        var others = components.Where(c => c.GroupId == 0 || !groups.Any(g => g.Id == c.GroupId)).ToList();
        if (others.Count > 0)
        {
            html.Append("<div class=\"group\"><h2 class=\"others\">").Append(groups.Count > 0 ? "Other Components" : "Components").Append("</h2><ul>");
            foreach (var component in others)
            {
                html.Append(ComponentRow(component, view));
            }
            html.Append("</ul></div>");
        }
        html.Append("</section>");

        if (metrics.Count > 0)
        {
            html.Append("<section aria-label=\"Metrics\"><h2>Metrics</h2>");
            foreach (var metric in metrics)
            {
                var points = await store.PointsAsync(pageId, metric.Id, view.Clock.Now.AddDays(-32), cancellationToken);
                html.Append(Chart(metric, points, view.Clock));
            }
            html.Append("</section>");
        }

        var stickied = incidents.Where(i => i.Stickied).OrderByDescending(i => i.OccurredAt).ToList();
        if (stickied.Count > 0)
        {
            html.Append("<section aria-label=\"Stickied incidents\"><h2>Stickied Incidents</h2>");
            foreach (var incident in stickied)
            {
                html.Append(IncidentCard(incident, updates[incident.Id], view));
            }
            html.Append("</section>");
        }

        if (schedules.Count > 0)
        {
            html.Append("<section aria-label=\"Maintenance\" class=\"maintenance\"><h2>Maintenance</h2>");
            foreach (var schedule in schedules)
            {
                var affected = CachetPresenters.ScheduleComponents(schedule).Keys.Where(byId.ContainsKey).Select(id => byId[id].Name);
                html.Append($"<article class=\"card schedule\" id=\"schedule-{schedule.Id}\"><h3><a href=\"{view.BaseUrl}/schedules/{schedule.Id}\">{H(schedule.Name)}</a>")
                    .Append($" <span class=\"label\">{H(schedule.ScheduleStatus.Label())}</span></h3>")
                    .Append($"<p class=\"when\">Starts {Ago(schedule.ScheduledAt, view.Clock)}")
                    .Append(schedule.CompletedAt is { } end ? $", ends {Ago(end, view.Clock)}" : "").Append("</p>")
                    .Append(Markdown(schedule.Message ?? ""));
                foreach (var name in affected)
                {
                    html.Append($"<span class=\"tag\">{H(name)}</span>");
                }
                html.Append("</article>");
            }
            html.Append("</section>");
        }

        html.Append("<section aria-label=\"Past incidents\" class=\"timeline\"><h2>Past Incidents</h2>");
        var today = view.Clock.Now.UtcDateTime.Date;
        var last = today;
        if (context.Request.Query["start_date"].ToString() is { Length: > 0 } start
            && !DateTime.TryParseExact(start, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out last))
        {
            throw new ApiException(ApiError.ForStatus(400, "start_date is a date like 2026-01-31."));
        }
        last = last > today ? today : last;
        for (var day = 0; day < IncidentDays; day++)
        {
            var date = last.AddDays(-day);
            var onDay = incidents.Where(i => i.OccurredAt.UtcDateTime.Date == date).OrderByDescending(i => i.OccurredAt).ToList();
            html.Append($"<h3 class=\"day\">{date.ToString("MMMM d, yyyy", CultureInfo.InvariantCulture)}</h3>");
            if (onDay.Count == 0)
            {
                html.Append("<p class=\"quiet\">No incidents reported</p>");
            }
            foreach (var incident in onDay)
            {
                html.Append(IncidentCard(incident, updates[incident.Id], view));
            }
        }
        // Older and newer weeks, as Cachet's pager does with ?start_date=.
        html.Append($"<nav class=\"pager\"><a rel=\"prev\" href=\"{view.BaseUrl}?start_date={last.AddDays(-IncidentDays):yyyy-MM-dd}\">Previous</a>");
        if (last < today)
        {
            var next = last.AddDays(IncidentDays) >= today ? view.BaseUrl : $"{view.BaseUrl}?start_date={last.AddDays(IncidentDays):yyyy-MM-dd}";
            html.Append($" <a rel=\"next\" href=\"{next}\">Next</a>");
        }
        html.Append("</nav></section>");

        return Document(view, view.Page.Name, $"Stay up to date with the latest service updates from {view.Page.Name}.", html.ToString());
    }

    private static string ComponentRow(StatusComponent c, View view)
    {
        var name = string.IsNullOrEmpty(c.Link) ? H(c.Name) : $"<a href=\"{H(c.Link)}\" rel=\"noopener\">{H(c.Name)}</a>";
        var help = string.IsNullOrEmpty(c.Description) ? "" : $" <abbr class=\"help\" title=\"{H(c.Description)}\">?</abbr>";
        return $"<li class=\"component\" data-status=\"{c.Status}\"><span class=\"name\">{name}{help}</span>"
            + $"<span class=\"status s{c.Status}\" title=\"Last updated {H(view.Clock.Format(c.UpdatedAt))}\">{H(c.ComponentStatus.Label())}</span></li>";
    }

    private static string IncidentCard(StatusIncident incident, IEnumerable<StatusIncidentUpdate> updates, View view)
    {
        var newest = updates.OrderByDescending(u => u.Id).ToList();
        var latest = newest.Count > 0 ? newest[0].IncidentStatus : incident.IncidentStatus;
        var html = new StringBuilder($"<article class=\"card incident i{(int)latest}\" id=\"incident-{incident.Id}\">");
        html.Append($"<h4><span class=\"label i{(int)latest}\">{H(latest.Label())}</span> ")
            .Append($"<a href=\"{view.BaseUrl}/incidents/{incident.Id}\">{H(incident.Name)}</a></h4>")
            .Append($"<p class=\"when\">{Ago(incident.OccurredAt, view.Clock)}</p>")
            .Append(Markdown(incident.Message));
        foreach (var update in newest)
        {
            html.Append($"<div class=\"update\" id=\"update-{update.Id}\"><strong>{H(update.IncidentStatus.Label())}</strong> ")
                .Append(Markdown(update.Message))
                .Append($"<a class=\"when\" href=\"{view.BaseUrl}/incidents/{incident.Id}#update-{update.Id}\">{Ago(update.CreatedAt, view.Clock)}</a></div>");
        }
        return html.Append("</article>").ToString();
    }

    /// <summary>One inline SVG per view (hour, 12 hours, week, month); a select shows one, starting with the metric's default.</summary>
    private static string Chart(StatusMetric metric, IReadOnlyList<StatusMetricPoint> points, CachetClock clock)
    {
        var html = new StringBuilder($"<figure class=\"metric\" id=\"metric-{metric.Id}\"><figcaption>{H(metric.Name)}");
        html.Append($" <select aria-label=\"View\" onchange=\"for(const s of this.closest('figure').querySelectorAll('svg'))s.style.display=s.dataset.view===this.value?'':'none'\">");
        for (var v = 0; v < CachetEnums.MetricView.Count; v++)
        {
            html.Append($"<option value=\"{v}\"{(v == metric.DefaultView ? " selected" : "")}>{CachetEnums.MetricView[v]}</option>");
        }
        html.Append("</select></figcaption>");
        for (var v = 0; v < CachetEnums.MetricView.Count; v++)
        {
            var buckets = MetricBuckets.Of(metric, points, v, clock);
            var values = buckets.Select(b => b.Value ?? metric.DefaultValue).ToList();
            var (min, max) = (Math.Min(0, values.Min()), Math.Max(values.Max(), 1e-9));
            // One (x, y) per bucket in the 600 x 100 view box, the highest value 10 from the top; the line and the dots share them.
            var coords = values.Select((value, i) => (
                X: (buckets.Count == 1 ? 0 : i * 600.0 / (buckets.Count - 1)).ToString("0.#", CultureInfo.InvariantCulture),
                Y: (100 - (value - min) / (max - min) * 90).ToString("0.#", CultureInfo.InvariantCulture))).ToList();
            html.Append($"<svg data-view=\"{v}\" viewBox=\"0 0 600 100\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"{H(metric.Name)}, {CachetEnums.MetricView[v]}\"")
                .Append(v == metric.DefaultView ? "" : " style=\"display:none\"").Append('>')
                .Append($"<polyline fill=\"none\" stroke=\"#2f80ed\" stroke-width=\"2\" vector-effect=\"non-scaling-stroke\" points=\"{string.Join(' ', coords.Select(c => $"{c.X},{c.Y}"))}\"/>");
            for (var i = 0; i < buckets.Count; i++)
            {
                html.Append($"<circle cx=\"{coords[i].X}\" cy=\"{coords[i].Y}\" r=\"2\" fill=\"#2f80ed\"><title>{H(buckets[i].Key)}: {values[i].ToString(CultureInfo.InvariantCulture)}{H(metric.Suffix)}</title></circle>");
            }
            html.Append("</svg>");
        }
        var last = points.MaxBy(p => p.CreatedAt);
        html.Append($"<p class=\"quiet\">{(last is null ? "No data yet" : $"Latest: {last.Value.ToString(CultureInfo.InvariantCulture)}{H(metric.Suffix)}")}</p></figure>");
        return html.ToString();
    }

    /// <summary>The chart data Cachet's page fetches: <c>?filter=last_hour|today|week|month</c>.</summary>
    public static async Task<JsonHttpResult<JsonObject>> MetricData(string id, HttpContext context, StatusItemStore store, CancellationToken cancellationToken)
    {
        var view = await ViewAsync(context);
        var metric = await store.GetAsync<StatusMetric>(view.Page.PageId, CachetPage.Id(id), cancellationToken);
        if (metric is null || metric.Visibility != Visibility.Public)
        {
            throw CachetPage.NotFound();
        }
        var filter = context.Request.Query["filter"].ToString();
        var kind = filter switch { "last_hour" => 0, "today" => 1, "week" => 2, "month" => 3, _ => metric.DefaultView };
        var points = await store.PointsAsync(view.Page.PageId, metric.Id, view.Clock.Now.AddDays(-32), cancellationToken);
        var items = new JsonObject();
        foreach (var (key, value) in MetricBuckets.Of(metric, points, kind, view.Clock))
        {
            items[key] = value;
        }
        return CachetResults.Item(new JsonObject { ["metric"] = CachetPresenters.Metric(metric, view.Clock), ["items"] = items });
    }

    /// <summary>An incident and its updates (spec §5.2), with the SEO title and description of §5.3.</summary>
    public static async Task<ContentHttpResult> Incident(string id, HttpContext context, StatusItemStore store, CancellationToken cancellationToken)
    {
        var view = await ViewAsync(context);
        var incident = await store.GetAsync<StatusIncident>(view.Page.PageId, CachetPage.Id(id), cancellationToken);
        if (incident is null || incident.Visibility != Visibility.Public)
        {
            throw new ApiException(ApiError.ForStatus(404, "There is no such incident."));
        }
        var updates = (await store.ListAsync<StatusIncidentUpdate>(view.Page.PageId, cancellationToken)).Where(u => u.IncidentId == incident.Id)
            .OrderByDescending(u => u.Id).ToList();
        var seo = (JsonText.Parse(incident.Meta) as JsonObject)?["seo"] as JsonObject;
        var title = seo?["title"]?.ToString() ?? incident.Name;
        var description = seo?["description"]?.ToString()
            ?? $"Details and updates about the {incident.Name} incident that occurred on {LongDate(incident.OccurredAt)}";
        var html = new StringBuilder($"<h1>{H(incident.Name)}</h1><p class=\"when\">{H(LongDate(incident.OccurredAt))}</p>");
        html.Append(Markdown(incident.Message)).Append("<section class=\"timeline\">");
        foreach (var update in updates)
        {
            html.Append($"<article class=\"card update\" id=\"update-{update.Id}\"><h3><span class=\"label i{update.Status}\">{H(update.IncidentStatus.Label())}</span></h3>")
                .Append(Markdown(update.Message))
                .Append($"<p class=\"when\">Posted {Ago(update.CreatedAt, view.Clock)}</p></article>");
        }
        html.Append("</section>");
        return Document(view, $"{title} | {view.Page.Name}", description, html.ToString());
    }

    public static async Task<ContentHttpResult> Schedule(string id, HttpContext context, StatusItemStore store, CancellationToken cancellationToken)
    {
        var view = await ViewAsync(context);
        var schedule = await store.GetAsync<StatusSchedule>(view.Page.PageId, CachetPage.Id(id), cancellationToken)
            ?? throw new ApiException(ApiError.ForStatus(404, "There is no such maintenance."));
        var html = $"<h1>{H(schedule.Name)}</h1><p><span class=\"label\">{H(schedule.ScheduleStatus.Label())}</span> "
            + $"scheduled {Ago(schedule.ScheduledAt, view.Clock)}</p>{Markdown(schedule.Message ?? "")}";
        return Document(view, $"{schedule.Name} | {view.Page.Name}",
            $"Details about the scheduled maintenance period {schedule.Name} starting {LongDate(schedule.ScheduledAt)}", html);
    }

    /// <summary>A shields-style badge, "name | status", coloured by status.</summary>
    public static async Task<ContentHttpResult> Shield(string id, HttpContext context, StatusItemStore store, CancellationToken cancellationToken)
    {
        var view = await ViewAsync(context);
        var component = await store.GetAsync<StatusComponent>(view.Page.PageId, CachetPage.Id(id), cancellationToken);
        if (component is null || !component.Enabled)
        {
            throw new ApiException(ApiError.ForStatus(404, "There is no such component."));
        }
        var (left, right) = (component.Name, component.ComponentStatus.Label());
        var (lw, rw) = (left.Length * 7 + 12, right.Length * 7 + 12);
        var colour = Colours[Math.Clamp(component.Status, 0, 4)];
        var svg = $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{lw + rw}\" height=\"20\" role=\"img\" aria-label=\"{H(left)}: {H(right)}\"><title>{H(left)}: {H(right)}</title>"
            + $"<rect width=\"{lw}\" height=\"20\" fill=\"#555\"/><rect x=\"{lw}\" width=\"{rw}\" height=\"20\" fill=\"{colour}\"/>"
            + $"<g fill=\"#fff\" font-family=\"Verdana,DejaVu Sans,sans-serif\" font-size=\"11\"><text x=\"6\" y=\"14\">{H(left)}</text><text x=\"{lw + 6}\" y=\"14\">{H(right)}</text></g></svg>";
        context.Response.Headers.CacheControl = "no-cache";
        return TypedResults.Content(svg, "image/svg+xml; charset=utf-8");
    }

    /// <summary>An Atom feed of the page's public incidents, newest first.</summary>
    public static async Task<ContentHttpResult> Feed(HttpContext context, StatusItemStore store, CancellationToken cancellationToken)
    {
        var view = await ViewAsync(context);
        XNamespace atom = "http://www.w3.org/2005/Atom";
        var incidents = (await store.ListAsync<StatusIncident>(view.Page.PageId, cancellationToken)).Where(i => i.Visibility == Visibility.Public)
            .OrderByDescending(i => i.OccurredAt).Take(50).ToList();
        var feed = new XElement(atom + "feed",
            new XElement(atom + "title", view.Page.Name),
            new XElement(atom + "id", view.BaseUrl),
            new XElement(atom + "link", new XAttribute("href", view.BaseUrl)),
            new XElement(atom + "link", new XAttribute("rel", "self"), new XAttribute("href", $"{view.BaseUrl}/feed.atom")),
            new XElement(atom + "updated", (incidents.Count > 0 ? incidents.Max(i => i.UpdatedAt) : view.Page.Created).ToString("o", CultureInfo.InvariantCulture)),
            incidents.Select(i => new XElement(atom + "entry",
                new XElement(atom + "title", i.Name),
                new XElement(atom + "id", $"{view.BaseUrl}/incidents/{i.Id}"),
                new XElement(atom + "link", new XAttribute("href", $"{view.BaseUrl}/incidents/{i.Id}")),
                new XElement(atom + "updated", i.UpdatedAt.ToString("o", CultureInfo.InvariantCulture)),
                new XElement(atom + "published", i.OccurredAt.ToString("o", CultureInfo.InvariantCulture)),
                new XElement(atom + "author", new XElement(atom + "name", view.Page.Name)),
                new XElement(atom + "summary", $"{i.IncidentStatus.Label()}: {i.Message}"))));
        return TypedResults.Content(new XDocument(new XDeclaration("1.0", "utf-8", null), feed).Declaration + "\n" + feed, "application/atom+xml; charset=utf-8");
    }

    public static async Task<ContentHttpResult> SubscribeForm(HttpContext context, CancellationToken cancellationToken)
    {
        var view = await ViewAsync(context);
        var html = $"<h1>Subscribe to updates</h1><p>Get an e-mail whenever {H(view.Page.Name)} posts an incident or maintenance.</p>"
            + $"<form method=\"post\" action=\"{view.BaseUrl}/subscribe\" class=\"subscribe\"><label for=\"email\">E-mail</label>"
            + "<input id=\"email\" name=\"email\" type=\"email\" required autocomplete=\"email\"><button type=\"submit\">Subscribe</button></form>";
        return Document(view, $"Subscribe | {view.Page.Name}", $"Subscribe to updates from {view.Page.Name}.", html);
    }

    /// <summary>Subscribes to every component and mails a verification link; the overview then says to check the inbox.</summary>
    public static async Task<RedirectHttpResult> Subscribe(HttpContext context, StatusSubscriptions subscriptions, StatusNotifier notifier, CancellationToken cancellationToken)
    {
        var view = await ViewAsync(context);
        var form = context.Request.HasFormContentType ? await context.Request.ReadFormAsync(cancellationToken) : null;
        var input = CachetInput.Of((form ?? new FormCollection([])).Select(f => (f.Key, f.Value.ToString())));
        var rules = new CachetRules(input);
        var email = rules.Email("email", required: true);
        rules.ThrowIfAny();
        var (subscriber, created) = await subscriptions.SubscribeAsync(view.Page, email!, [], verified: false, view.Clock.Now, cancellationToken);
        if (created)
        {
            await notifier.VerificationAsync(view.Page, subscriber, view.BaseUrl, cancellationToken);
        }
        return TypedResults.Redirect($"{view.BaseUrl}?subscribed=1");
    }

    public static async Task<ContentHttpResult> Verify(string code, HttpContext context, StatusItemStore store, CancellationToken cancellationToken)
    {
        var view = await ViewAsync(context);
        var subscriber = await SubscriberAsync(store, view, code, cancellationToken);
        await store.MutateAsync<StatusSubscriber>(view.Page.PageId, subscriber.Id, s => s.VerifiedAt ??= view.Clock.Now, cancellationToken);
        return Document(view, $"Subscribed | {view.Page.Name}", $"Subscription to {view.Page.Name} confirmed.",
            $"<h1>You are subscribed</h1><p>{H(subscriber.Email)} will hear of incidents and maintenance on {H(view.Page.Name)}.</p>");
    }

    public static async Task<ContentHttpResult> UnsubscribeForm(string code, HttpContext context, StatusItemStore store, CancellationToken cancellationToken)
    {
        var view = await ViewAsync(context);
        var subscriber = await SubscriberAsync(store, view, code, cancellationToken);
        // A form, not a link that acts: mail scanners follow links, and must not unsubscribe anyone.
        return Document(view, $"Unsubscribe | {view.Page.Name}", $"Unsubscribe from {view.Page.Name}.",
            $"<h1>Unsubscribe</h1><form method=\"post\" action=\"{view.BaseUrl}/unsubscribe/{H(code)}\"><p>Stop e-mail to {H(subscriber.Email)}?</p><button type=\"submit\">Unsubscribe</button></form>");
    }

    public static async Task<ContentHttpResult> Unsubscribe(string code, HttpContext context, StatusItemStore store, StatusSubscriptions subscriptions,
        CancellationToken cancellationToken)
    {
        var view = await ViewAsync(context);
        await subscriptions.UnsubscribeAsync(await SubscriberAsync(store, view, code, cancellationToken), cancellationToken);
        return Document(view, $"Unsubscribed | {view.Page.Name}", $"Unsubscribed from {view.Page.Name}.", "<h1>You are unsubscribed</h1>");
    }

    private static async Task<StatusSubscriber> SubscriberAsync(StatusItemStore store, View view, string code, CancellationToken cancellationToken) =>
        (await store.ListAsync<StatusSubscriber>(view.Page.PageId, cancellationToken)).FirstOrDefault(s => s.VerifyCode == code)
        ?? throw new ApiException(ApiError.ForStatus(404, "This link is not valid any more."));

    /// <summary>The error page of the HTML routes (the surface's error writer calls it).</summary>
    public static Task WriteErrorAsync(HttpContext context, int status, string detail)
    {
        context.Response.ContentType = HtmlType;
        var title = Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status);
        return context.Response.WriteAsync(Layout(title, title, detail, "Status", "", $"<h1>{H(title)}</h1><p>{H(detail)}</p>"), context.RequestAborted);
    }

    private static ContentHttpResult Document(View view, string title, string description, string body) =>
        TypedResults.Content(Layout(title, title, description, view.Page.Name, view.BaseUrl, body), HtmlType);

    private static string Layout(string title, string ogTitle, string description, string site, string baseUrl, string body) => $$"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{H(title)}}</title>
        <meta name="description" content="{{H(description)}}">
        <meta property="og:title" content="{{H(ogTitle)}}">
        <meta property="og:description" content="{{H(description)}}">
        <link rel="alternate" type="application/atom+xml" href="{{baseUrl}}/feed.atom">
        <style>{{Css}}</style>
        </head>
        <body>
        <header><a href="{{(baseUrl.Length == 0 ? "/" : baseUrl)}}">{{H(site)}}</a></header>
        <main>{{body}}</main>
        <footer><a class="button" href="{{baseUrl}}/subscribe">Subscribe</a> <a href="{{baseUrl}}/feed.atom">Atom feed</a> · Times are UTC</footer>
        </body>
        </html>
        """;

    private const string Css = """
        :root{--g:#2e9e5b;--b:#2f80ed;--y:#e0a800;--r:#d64545;--n:#8a8f98;font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1f2430;background:#f5f6f8}
        body{margin:0}header{background:#1f2430;padding:14px 16px}header a{color:#fff;font-weight:600;text-decoration:none;font-size:1.2rem}
        main{max-width:760px;margin:0 auto;padding:16px}footer{max-width:760px;margin:0 auto;padding:16px;color:#666;font-size:.9rem}
        h2{font-size:1.1rem;margin:24px 0 8px}h3.day{font-size:1rem;border-bottom:1px solid #ddd;padding-bottom:4px}
        .banner{padding:14px 16px;border-radius:6px;color:#fff;font-weight:600;margin-bottom:16px}.banner.success{background:var(--g)}.banner.info{background:var(--b)}.banner.danger{background:var(--r)}
        .flash{background:#e8f4ea;border:1px solid var(--g);padding:10px;border-radius:6px;margin-bottom:12px}
        .group{background:#fff;border:1px solid #e1e4e8;border-radius:6px;margin-bottom:12px}.group summary,.group h2.others{padding:10px 14px;font-weight:600;cursor:pointer;margin:0;font-size:1rem}
        .group ul{list-style:none;margin:0;padding:0}.component{display:flex;justify-content:space-between;gap:8px;padding:10px 14px;border-top:1px solid #eef0f2}
        .status{font-weight:600}.s0{color:var(--n)}.s1{color:var(--g)}.s2{color:var(--b)}.s3{color:var(--y)}.s4{color:var(--r)}
        .dot{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:8px;background:currentColor}
        .help{cursor:help;color:#999;text-decoration:none;border:1px solid #ccc;border-radius:50%;padding:0 5px;font-size:.75rem}
        .card{background:#fff;border:1px solid #e1e4e8;border-radius:6px;padding:12px 14px;margin:8px 0}.card h3,.card h4{margin:0 0 4px}
        .label{display:inline-block;font-size:.75rem;padding:2px 6px;border-radius:4px;background:#eef0f2}.i1{background:#fde8d8}.i2{background:#fff3c4}.i3{background:#dbe9fd}.i4{background:#dcf2e3}
        .when{color:#777;font-size:.85rem}.quiet{color:#888}.update{border-top:1px dashed #e1e4e8;margin-top:8px;padding-top:8px}.update p{display:inline}.update .when{margin-left:6px}
        .tag{display:inline-block;background:#eef0f2;border-radius:4px;padding:1px 6px;margin-right:4px;font-size:.8rem}
        figure.metric{background:#fff;border:1px solid #e1e4e8;border-radius:6px;margin:8px 0;padding:10px 14px}figure.metric svg{width:100%;height:120px}
        figcaption{display:flex;justify-content:space-between;font-weight:600}
        .subscribe{display:flex;gap:8px;flex-wrap:wrap}.subscribe input{flex:1;min-width:200px;padding:8px}button,.button{background:var(--b);color:#fff;border:0;border-radius:4px;padding:8px 14px;text-decoration:none;cursor:pointer}
        a{color:var(--b)}.pager{display:flex;justify-content:space-between;margin-top:12px}
        """;

    private static readonly string[] Colours = ["#8a8f98", "#2e9e5b", "#2f80ed", "#e0a800", "#d64545"];

    private static string H(string? text) => WebUtility.HtmlEncode(text ?? "");

    /// <summary>"Monday 1st January 2018 10:00:00", Cachet's default incident date format.</summary>
    private static string LongDate(DateTimeOffset value)
    {
        var d = value.UtcDateTime;
        var suffix = (d.Day % 100) is 11 or 12 or 13 ? "th" : (d.Day % 10) switch { 1 => "st", 2 => "nd", 3 => "rd", _ => "th" };
        return $"{d:dddd} {d.Day}{suffix} {d:MMMM yyyy HH:mm:ss}".Replace("  ", " ", StringComparison.Ordinal);
    }

    /// <summary>"5 minutes ago" / "in 2 hours", with the exact time as a tooltip.</summary>
    private static string Ago(DateTimeOffset when, CachetClock clock)
    {
        var span = clock.Now - when;
        var abs = span.Duration();
        var amount = abs.TotalMinutes < 1 ? "moments" : abs.TotalHours < 1 ? Plural((int)abs.TotalMinutes, "minute")
            : abs.TotalDays < 1 ? Plural((int)abs.TotalHours, "hour") : Plural((int)abs.TotalDays, "day");
        var text = amount == "moments" ? (span >= TimeSpan.Zero ? "moments ago" : "in moments") : span >= TimeSpan.Zero ? $"{amount} ago" : $"in {amount}";
        return $"<time datetime=\"{when.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}\" title=\"{clock.Format(when)} UTC\">{text}</time>";
    }

    private static string Plural(int n, string unit) => n == 1 ? $"1 {unit}" : $"{n} {unit}s";

    [GeneratedRegex(@"\*\*(.+?)\*\*")]
    private static partial Regex Bold();

    [GeneratedRegex(@"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*")]
    private static partial Regex Italic();

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Code();

    [GeneratedRegex(@"\[([^\]]+)\]\((https?://[^\s)]+)\)")]
    private static partial Regex Link();

    /// <summary>
    /// The Markdown incident messages use most: paragraphs, line breaks, **bold**, *italic*, `code` and [links](https://…),
    /// from HTML-escaped text, so a message can never inject markup.
    /// </summary>
    public static string Markdown(string text)
    {
        var html = new StringBuilder();
        foreach (var paragraph in text.ReplaceLineEndings("\n").Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var line = H(paragraph);
            line = Code().Replace(line, "<code>$1</code>");
            line = Bold().Replace(line, "<strong>$1</strong>");
            line = Italic().Replace(line, "<em>$1</em>");
            line = Link().Replace(line, m => $"<a href=\"{m.Groups[2].Value}\" rel=\"noopener nofollow\">{m.Groups[1].Value}</a>");
            html.Append("<p>").Append(line.Replace("\n", "<br>", StringComparison.Ordinal)).Append("</p>");
        }
        return html.ToString();
    }
}
