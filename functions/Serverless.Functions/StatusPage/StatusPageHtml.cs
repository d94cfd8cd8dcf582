using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Errors;
using Serverless.Functions.Identity;
using Serverless.Functions.StatusPage.Cachet;
using Serverless.Functions.StatusPage.Notifications;
using Serverless.Functions.StatusPage.Pages;
using Serverless.Functions.StatusPage.Uptime;

namespace Serverless.Functions.StatusPage;

/// <summary>
/// The public status page, rendered on the server with no external assets: what a guest sees, so invisible groups and
/// incidents, disabled components and hidden metrics are left out. Mounted at <c>/status</c> for the default page and
/// at <c>/pages/{slug}</c> for every page. The markup is in the Razor components of <c>Pages/</c>.
/// </summary>
public static class StatusPageHtml
{
    private const string HtmlType = "text/html; charset=utf-8";

    public static RouteGroupBuilder MapStatusPageHtml(this RouteGroupBuilder page)
    {
        page.AddEndpointFilter(async (context, next) =>
        {
            OmitEnhancedNavigationHeader(context.HttpContext.Response);
            return await next(context);
        });
        page.MapGet("", Overview);
        page.MapGet("/history", History);
        page.MapGet("/incidents/{id}", Incident);
        page.MapGet("/schedules/{id}", Schedule);
        page.MapGet("/components/{id}/shield", Shield);
        page.MapGet("/metrics/{id}", MetricData);
        page.MapGet("/feed.atom", Feed);
        // A subscriber's pages are theirs, and verifying writes: never kept by the output cache.
        page.MapGet("/subscribe", SubscribeForm).WithMetadata(StatusPageCache.NotAView);
        page.MapPost("/subscribe", Subscribe).DisableAntiforgery();
        page.MapPost("/subscribe/webhook", SubscribeWebhook).DisableAntiforgery();
        page.MapGet("/subscribe/verify/{code}", Verify).WithMetadata(StatusPageCache.NotAView);
        page.MapGet("/unsubscribe/{code}", UnsubscribeForm).WithMetadata(StatusPageCache.NotAView);
        page.MapPost("/unsubscribe/{code}", Unsubscribe).DisableAntiforgery();
        return page;
    }

    private static async Task<PageView> ViewAsync(HttpContext context)
    {
        var slug = context.Request.RouteValues["slug"] as string ?? StatusPageStore.DefaultSlug;
        var page = await context.RequestServices.GetRequiredService<StatusPageStore>().FindAsync(slug, context.RequestAborted)
            ?? throw new ApiException(ApiError.ForStatus(404, $"There is no status page '{slug}'."));
        if (page.Private && !(context.User.HasClaim(c => c.Type == Caller.TenantClaim) && Caller.From(context.User).TenantId == page.TenantId))
        {
            // The error writer asks a browser for the e-mail and key (Basic), as Cachet's always_authenticate sends to its login.
            throw new ApiException(ApiError.ForStatus(401, "This status page is private: sign in with your e-mail and API key."));
        }
        await StatusPageCache.PageFoundAsync(context, page);
        var time = context.RequestServices.GetRequiredService<TimeProvider>();
        if (page.Private)
        {
            context.Response.Headers.CacheControl = "private, no-store";
        }
        return new PageView(page, CachetPage.PublicUrl(context.Request, page), new CachetClock(page.Zone(), time.GetUtcNow()));
    }

    /// <summary>
    /// Whether a guest sees the component: enabled, and not in a group for authenticated users only (as the Cachet API
    /// hides those groups from guests). A component whose group is gone shows among the ungrouped ones.
    /// </summary>
    private static bool GuestSees(StatusComponent component, IReadOnlyList<StatusGroup> groups) =>
        component.Enabled && groups.FirstOrDefault(g => g.Id == component.GroupId) is not { Visibility: not Visibility.Public };

    private static RazorComponentResult<T> Html<T>(object parameters) where T : Microsoft.AspNetCore.Components.IComponent => new(parameters) { ContentType = HtmlType };

    public static async Task<RazorComponentResult<OverviewPage>> Overview(HttpContext context, StatusItemStore store, ComponentHistory history,
        CancellationToken cancellationToken)
    {
        var view = await ViewAsync(context);
        var pageId = view.Page.PageId;
        var today = TimeZoneInfo.ConvertTime(view.Clock.Now, view.Clock.Zone).Date;
        var last = today;
        if (context.Request.Query["start_date"].ToString() is { Length: > 0 } start
            && !DateTime.TryParseExact(start, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out last))
        {
            throw new ApiException(ApiError.ForStatus(400, "start_date is a date like 2026-01-31."));
        }
        var groups = await store.ListAsync<StatusGroup>(pageId, cancellationToken);
        var components = await store.ListAsync<StatusComponent>(pageId, cancellationToken);
        var incidents = await store.ListAsync<StatusIncident>(pageId, cancellationToken);
        var updates = (await store.ListAsync<StatusIncidentUpdate>(pageId, cancellationToken)).ToLookup(u => u.IncidentId);
        // The banner counts invisible incidents too, as the API's status does; the lists below show what a guest may see.
        var status = await SystemStatus.OfAsync(groups, components, authenticated: false, () => Task.FromResult(SystemStatus.AnyUnresolved(incidents, updates)));
        var metrics = new List<(StatusMetric, IReadOnlyList<StatusMetricPoint>)>();
        foreach (var metric in (await store.ListAsync<StatusMetric>(pageId, cancellationToken)).Where(m => m.DisplayChart && m.Visibility == Visibility.Public)
            .OrderBy(m => m.Order).ThenBy(m => m.Id))
        {
            metrics.Add((metric, await store.PointsAsync(pageId, metric.Id, view.Clock.Now.AddDays(-32), cancellationToken)));
        }
        var shown = components.Where(c => GuestSees(c, groups)).OrderBy(c => c.Order).ThenBy(c => c.Id).ToList();
        // At most 90 day rows and the state per component: the raw changes are never read for a page view.
        var bars = new Dictionary<int, UptimeBar>();
        var firstDay = DateOnly.FromDateTime(view.Clock.Now.UtcDateTime).AddDays(1 - ComponentHistory.Days);
        foreach (var component in shown)
        {
            var (state, days) = await history.ReadAsync(pageId, component.Id, firstDay, cancellationToken);
            bars[component.Id] = UptimeBars.Of(state, days, view.Clock.Now);
        }
        return Html<OverviewPage>(new
        {
            View = view,
            Status = status,
            Bars = bars,
            Subscribed = context.Request.Query.ContainsKey("subscribed"),
            Groups = groups.Where(g => g.Visibility == Visibility.Public).OrderBy(g => g.Order).ThenBy(g => g.Id).ToList(),
            Components = shown,
            Metrics = metrics,
            PublicIncidents = incidents.Where(i => i.Visibility == Visibility.Public).ToList(),
            Updates = updates,
            Schedules = (await store.ListAsync<StatusSchedule>(pageId, cancellationToken))
                .Where(s => s.ScheduleStatus is ScheduleStatus.Upcoming or ScheduleStatus.InProgress).OrderBy(s => s.ScheduledAt).ToList(),
            LastDay = last > today ? today : last,
        });
    }

    /// <summary>The incident history of one month (<c>?month=yyyy-MM</c>, this month by default), in the page's time zone.</summary>
    public static async Task<RazorComponentResult<HistoryPage>> History(HttpContext context, StatusItemStore store, CancellationToken cancellationToken)
    {
        var view = await ViewAsync(context);
        var local = TimeZoneInfo.ConvertTime(view.Clock.Now, view.Clock.Zone);
        var thisMonth = new DateOnly(local.Year, local.Month, 1);
        var month = thisMonth;
        if (context.Request.Query["month"].ToString() is { Length: > 0 } asked)
        {
            if (!DateOnly.TryParseExact(asked + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out month))
            {
                throw new ApiException(ApiError.ForStatus(400, "month is a month like 2026-01."));
            }
            month = month > thisMonth ? thisMonth : month;
        }
        bool InMonth(DateTimeOffset when) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(when, view.Clock.Zone).DateTime) is var day
            && day >= month && day < month.AddMonths(1);
        var incidents = (await store.ListAsync<StatusIncident>(view.Page.PageId, cancellationToken))
            .Where(i => i.Visibility == Visibility.Public && InMonth(i.OccurredAt)).OrderByDescending(i => i.OccurredAt).ToList();
        var updates = (await store.ListAsync<StatusIncidentUpdate>(view.Page.PageId, cancellationToken)).ToLookup(u => u.IncidentId);
        var schedules = (await store.ListAsync<StatusSchedule>(view.Page.PageId, cancellationToken)).Where(s => InMonth(s.ScheduledAt))
            .OrderByDescending(s => s.ScheduledAt).ToList();
        return Html<HistoryPage>(new { View = view, Month = month, ThisMonth = thisMonth, MonthIncidents = incidents, Updates = updates, Schedules = schedules });
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

    public static async Task<RazorComponentResult<IncidentPage>> Incident(string id, HttpContext context, StatusItemStore store, CancellationToken cancellationToken)
    {
        var view = await ViewAsync(context);
        var incident = await store.GetAsync<StatusIncident>(view.Page.PageId, CachetPage.Id(id), cancellationToken);
        if (incident is null || incident.Visibility != Visibility.Public)
        {
            throw new ApiException(ApiError.ForStatus(404, "There is no such incident."));
        }
        var updates = (await store.UpdatesOfAsync(view.Page.PageId, incident.Id, cancellationToken)).OrderByDescending(u => u.Id).ToList();
        var seo = (JsonText.Parse(incident.Meta) as JsonObject)?["seo"] as JsonObject;
        return Html<IncidentPage>(new
        {
            View = view,
            Incident = incident,
            Updates = updates,
            Title = seo?["title"]?.ToString() ?? incident.Name,
            Description = seo?["description"]?.ToString()
                ?? $"Details and updates about the {incident.Name} incident that occurred on {PageText.LongDate(incident.OccurredAt)}",
        });
    }

    public static async Task<RazorComponentResult<SchedulePage>> Schedule(string id, HttpContext context, StatusItemStore store, CancellationToken cancellationToken)
    {
        var view = await ViewAsync(context);
        var schedule = await store.GetAsync<StatusSchedule>(view.Page.PageId, CachetPage.Id(id), cancellationToken)
            ?? throw new ApiException(ApiError.ForStatus(404, "There is no such maintenance."));
        return Html<SchedulePage>(new { View = view, Schedule = schedule });
    }

    public static async Task<RazorComponentResult<StatusBadge>> Shield(string id, HttpContext context, StatusItemStore store, CancellationToken cancellationToken)
    {
        var view = await ViewAsync(context);
        var component = await store.GetAsync<StatusComponent>(view.Page.PageId, CachetPage.Id(id), cancellationToken);
        var group = component is { GroupId: > 0 } ? await store.GetAsync<StatusGroup>(view.Page.PageId, component.GroupId, cancellationToken) : null;
        if (component is null || !GuestSees(component, group is null ? [] : [group]))
        {
            throw new ApiException(ApiError.ForStatus(404, "There is no such component."));
        }
        context.Response.Headers.CacheControl = "no-cache";
        return new(new { Component = component }) { ContentType = "image/svg+xml; charset=utf-8" };
    }

    public static async Task<ContentHttpResult> Feed(HttpContext context, StatusItemStore store, CancellationToken cancellationToken)
    {
        var view = await ViewAsync(context);
        var incidents = (await store.ListAsync<StatusIncident>(view.Page.PageId, cancellationToken)).Where(i => i.Visibility == Visibility.Public)
            .OrderByDescending(i => i.OccurredAt).Take(50).ToList();
        return TypedResults.Content(AtomFeed.Of(view, incidents), "application/atom+xml; charset=utf-8");
    }

    // The token is unused, and keeps the handler from binding as a RequestDelegate, which would drop its result.
    public static async Task<RazorComponentResult<SubscribePage>> SubscribeForm(HttpContext context, CancellationToken cancellationToken) =>
        Html<SubscribePage>(new { View = await ViewAsync(context) });

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

    /// <summary>A webhook subscribes from the page once its test delivery succeeds; its secret is shown this once.</summary>
    public static async Task<RazorComponentResult<WebhookSubscribedPage>> SubscribeWebhook(HttpContext context, WebhookDelivery delivery,
        CancellationToken cancellationToken)
    {
        var view = await ViewAsync(context);
        var form = context.Request.HasFormContentType ? await context.Request.ReadFormAsync(cancellationToken) : null;
        var rules = new CachetRules(CachetInput.Of((form ?? new FormCollection([])).Select(f => (f.Key, f.Value.ToString()))));
        var url = rules.Url("url");
        if (url is null && !rules.Failed("url"))
        {
            rules.Fail("url", "The url field is required.");
        }
        rules.ThrowIfAny();
        var (webhook, secret) = await delivery.SubscribeAsync(view.Page, view.BaseUrl, StatusWebhook.WebhookType, new Uri(url!), [], cancellationToken);
        return Html<WebhookSubscribedPage>(new { View = view, webhook.Host, Secret = secret! });
    }

    public static async Task<RazorComponentResult<SubscribedPage>> Verify(string code, HttpContext context, StatusSubscriptions subscriptions, CancellationToken cancellationToken)
    {
        var view = await ViewAsync(context);
        var subscriber = await SubscriberAsync(subscriptions, view, code, cancellationToken);
        await subscriptions.VerifyAsync(subscriber, view.Clock.Now, cancellationToken);
        return Html<SubscribedPage>(new { View = view, subscriber.Email });
    }

    public static async Task<RazorComponentResult<UnsubscribePage>> UnsubscribeForm(string code, HttpContext context, StatusSubscriptions subscriptions,
        CancellationToken cancellationToken)
    {
        var view = await ViewAsync(context);
        var subscriber = await SubscriberAsync(subscriptions, view, code, cancellationToken);
        return Html<UnsubscribePage>(new { View = view, Code = code, subscriber.Email });
    }

    public static async Task<RazorComponentResult<UnsubscribedPage>> Unsubscribe(string code, HttpContext context, StatusSubscriptions subscriptions,
        CancellationToken cancellationToken)
    {
        var view = await ViewAsync(context);
        await subscriptions.UnsubscribeAsync(await SubscriberAsync(subscriptions, view, code, cancellationToken), cancellationToken);
        return Html<UnsubscribedPage>(new { View = view });
    }

    private static async Task<StatusSubscriber> SubscriberAsync(StatusSubscriptions subscriptions, PageView view, string code, CancellationToken cancellationToken) =>
        await subscriptions.FindByCodeAsync(view.Page.PageId, code, cancellationToken)
        ?? throw new ApiException(ApiError.ForStatus(404, "This link is not valid any more."));

    /// <summary>The error page of the HTML routes (the surface's error writer calls it).</summary>
    public static Task WriteErrorAsync(HttpContext context, int status, string detail)
    {
        OmitEnhancedNavigationHeader(context.Response);
        return new RazorComponentResult<ErrorPage>(new { Status = status, Detail = detail }) { StatusCode = status, ContentType = HtmlType }.ExecuteAsync(context);
    }

    /// <summary>
    /// Razor components mark their responses as fit for Blazor's enhanced navigation; these pages load no Blazor
    /// script, and answer with the headers they always had.
    /// </summary>
    private static void OmitEnhancedNavigationHeader(HttpResponse response) =>
        response.OnStarting(() =>
        {
            response.Headers.Remove("blazor-enhanced-nav");
            return Task.CompletedTask;
        });
}
