using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Hosting;

namespace Serverless.Functions.StatusPage.Cachet;

/// <summary>
/// Metrics and their points (M-1..M-5, MP-1..MP-4), at Cachet's <c>/metrics…</c> and at the seed's
/// <c>/incidents/metrics…</c> spelling of the same paths.
/// </summary>
public static class StatusMetricsApi
{
    private static readonly CachetResults.ListRules MetricList = new([], ["id", "name", "display_chart", "default_value", "calc_type", "order", "visible"]);
    private static readonly CachetResults.ListRules PointList = new([], [], NewestFirst: true);
    private static readonly int[] Thresholds = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60];

    public static void MapStatusMetrics(this RouteGroupBuilder api)
    {
        foreach (var prefix in new[] { "/metrics", "/incidents/metrics" })
        {
            api.MapGet(prefix, ListMetrics);
            api.MapGet(prefix + "/{id}", GetMetric);
            api.MapPost(prefix, CreateMetric);
            api.MapPut(prefix + "/{id}", UpdateMetric);
            api.MapDelete(prefix + "/{id}", DeleteMetric);
            api.MapGet(prefix + "/{id}/points", ListPoints);
            api.MapPost(prefix + "/{id}/points", AddPoint);
            api.MapPut(prefix + "/{id}/points/{pointId}", UpdatePoint);
            api.MapDelete(prefix + "/{id}/points/{pointId}", DeletePoint);
        }
    }

    /// <summary>M-1: every metric whatever its visibility (the API does not apply it).</summary>
    [EndpointId("M-1")]
    public static async Task<JsonHttpResult<JsonObject>> ListMetrics(CachetPage page, HttpRequest request, StatusItemStore store, CancellationToken cancellationToken)
    {
        var input = await CachetInput.ReadAsync(request, cancellationToken);
        var metrics = await store.ListAsync<StatusMetric>(page.PageId, cancellationToken);
        return CachetResults.List(request, input, metrics.Select(m => CachetPresenters.Metric(m, page.Clock)), MetricList);
    }

    [EndpointId("M-2")]
    public static async Task<JsonHttpResult<JsonObject>> GetMetric(string id, CachetPage page, StatusItemStore store, CancellationToken cancellationToken) =>
        CachetResults.Item(CachetPresenters.Metric(await page.FindAsync<StatusMetric>(store, id, cancellationToken), page.Clock));

    [EndpointId("M-3")]
    public static async Task<JsonHttpResult<JsonObject>> CreateMetric(CachetPage page, HttpRequest request, StatusItemStore store, CancellationToken cancellationToken)
    {
        var input = await CachetInput.ReadAsync(request, cancellationToken);
        var metric = new StatusMetric { CreatedAt = page.Clock.Now, UpdatedAt = page.Clock.Now };
        Apply(metric, input, creating: true);
        return CachetResults.Item(CachetPresenters.Metric(await store.AddAsync(page.PageId, metric, cancellationToken), page.Clock));
    }

    [EndpointId("M-4")]
    public static async Task<JsonHttpResult<JsonObject>> UpdateMetric(string id, CachetPage page, HttpRequest request, StatusItemStore store,
        CancellationToken cancellationToken)
    {
        var input = await CachetInput.ReadAsync(request, cancellationToken);
        var metric = await page.UpdateAsync<StatusMetric>(store, id, m => Apply(m, input, creating: false), cancellationToken);
        return CachetResults.Item(CachetPresenters.Metric(metric, page.Clock));
    }

    /// <summary>M-5: the metric and all its points, for good.</summary>
    [EndpointId("M-5")]
    public static async Task<NoContent> DeleteMetric(string id, CachetPage page, StatusItemStore store, CancellationToken cancellationToken)
    {
        var metric = await page.FindAsync<StatusMetric>(store, id, cancellationToken);
        await store.DeleteAsync(metric, cancellationToken);
        await store.DeletePointsAsync(page.PageId, metric.Id, cancellationToken);
        return TypedResults.NoContent();
    }

    private static void Apply(StatusMetric m, CachetInput input, bool creating)
    {
        var rules = new CachetRules(input);
        var name = rules.String("name", required: creating);
        var suffix = rules.String("suffix", required: creating);
        var description = rules.String("description", max: 10_000, multiLine: true);
        // An integer on create, as Cachet's rule says; any number on update, where Cachet checks only "numeric".
        var defaultValue = creating ? rules.Int("default_value", required: true) : rules.Number("default_value");
        var calcType = rules.Int("calc_type");
        if (calcType is not (null or 0 or 1))
        {
            rules.Fail("calc_type", "The selected calc type is invalid.");
        }
        var displayChart = rules.Bool("display_chart");
        var places = rules.Int("places", min: 0, max: 4, between: true);
        var view = input.Has("default_view") ? rules.Int("default_view", min: 0, max: 3, between: true) : rules.Int("view", min: 0, max: 3, between: true);
        var threshold = rules.Int("threshold");
        if (threshold is { } t && !Thresholds.Contains(t))
        {
            rules.Fail("threshold", "Threshold must divide by 60.");
        }
        var order = rules.Int("order");
        var visible = rules.Int("visible", min: 0, max: 2, between: true);
        rules.ThrowIfAny();
        m.Name = name ?? m.Name;
        m.Suffix = suffix ?? m.Suffix;
        m.Description = description ?? m.Description;
        m.DefaultValue = defaultValue ?? m.DefaultValue;
        m.CalcType = calcType ?? m.CalcType;
        m.DisplayChart = displayChart ?? m.DisplayChart;
        m.Places = places ?? m.Places;
        m.DefaultView = view ?? m.DefaultView;
        m.Threshold = threshold ?? m.Threshold;
        m.Order = order ?? m.Order;
        m.Visible = visible ?? m.Visible;
    }

    /// <summary>MP-1: newest first.</summary>
    [EndpointId("MP-1")]
    public static async Task<JsonHttpResult<JsonObject>> ListPoints(string id, CachetPage page, HttpRequest request, StatusItemStore store,
        CancellationToken cancellationToken)
    {
        var input = await CachetInput.ReadAsync(request, cancellationToken);
        var metric = await page.FindAsync<StatusMetric>(store, id, cancellationToken);
        var points = await store.PointsAsync(page.PageId, metric.Id, cancellationToken: cancellationToken);
        return CachetResults.List(request, input, points.Select(p => CachetPresenters.Point(p, page.Clock)), PointList);
    }

    /// <summary>
    /// MP-2: the same value again within the metric's threshold bumps the earlier point's counter instead of adding
    /// one; a new point's time (its <c>timestamp</c>, or now) is rounded to the nearest 30 seconds.
    /// </summary>
    [EndpointId("MP-2")]
    public static async Task<JsonHttpResult<JsonObject>> AddPoint(string id, CachetPage page, HttpRequest request, StatusItemStore store,
        CancellationToken cancellationToken)
    {
        var input = await CachetInput.ReadAsync(request, cancellationToken);
        var metric = await page.FindAsync<StatusMetric>(store, id, cancellationToken);
        var rules = new CachetRules(input);
        var value = rules.Number("value", required: true);
        var timestamp = Timestamp(rules, input);
        rules.ThrowIfAny();
        var now = page.Clock.Now;
        var windowStart = Truncate(now.AddMinutes(-(metric.Threshold - 1)), TimeSpan.FromMinutes(1));
        var rounded = Math.Round(value!.Value, 3);
        var same = await store.SameValueSinceAsync(page.PageId, metric.Id, rounded, windowStart, cancellationToken);
        if (same is not null)
        {
            same.Counter++;
            same.UpdatedAt = now;
            await store.UpdatePointAsync(same, cancellationToken);
            return CachetResults.Item(CachetPresenters.Point(same, page.Clock));
        }
        var at = RoundTo30Seconds(timestamp ?? now);
        var point = await store.AddPointAsync(page.PageId, new StatusMetricPoint
        {
            MetricId = metric.Id, Value = rounded, Counter = 1, CreatedAt = at, UpdatedAt = now,
        }, cancellationToken);
        return CachetResults.Item(CachetPresenters.Point(point, page.Clock));
    }

    /// <summary>MP-3: omitted fields stay, and the timestamp may be an integer or numeric text.</summary>
    [EndpointId("MP-3")]
    public static async Task<JsonHttpResult<JsonObject>> UpdatePoint(string id, string pointId, CachetPage page, HttpRequest request, StatusItemStore store,
        CancellationToken cancellationToken)
    {
        var input = await CachetInput.ReadAsync(request, cancellationToken);
        var metric = await page.FindAsync<StatusMetric>(store, id, cancellationToken);
        var point = await store.GetPointAsync(page.PageId, metric.Id, CachetPage.Id(pointId), cancellationToken) ?? throw CachetPage.NotFound();
        var rules = new CachetRules(input);
        var value = rules.Number("value");
        var timestamp = Timestamp(rules, input);
        rules.ThrowIfAny();
        point.Value = value is { } v ? Math.Round(v, 3) : point.Value;
        point.CreatedAt = timestamp is { } t ? RoundTo30Seconds(t) : point.CreatedAt;
        point.UpdatedAt = page.Clock.Now;
        await store.UpdatePointAsync(point, cancellationToken);
        return CachetResults.Item(CachetPresenters.Point(point, page.Clock));
    }

    [EndpointId("MP-4")]
    public static async Task<NoContent> DeletePoint(string id, string pointId, CachetPage page, StatusItemStore store, CancellationToken cancellationToken)
    {
        var metric = await page.FindAsync<StatusMetric>(store, id, cancellationToken);
        var point = await store.GetPointAsync(page.PageId, metric.Id, CachetPage.Id(pointId), cancellationToken) ?? throw CachetPage.NotFound();
        await store.DeletePointAsync(point, cancellationToken);
        return TypedResults.NoContent();
    }

    private static DateTimeOffset? Timestamp(CachetRules rules, CachetInput input)
    {
        var seconds = rules.Int("timestamp", min: 0);
        return seconds is { } s && !rules.Failed("timestamp") ? DateTimeOffset.FromUnixTimeSeconds(s) : null;
    }

    private static DateTimeOffset Truncate(DateTimeOffset value, TimeSpan unit) => new(value.UtcTicks - value.UtcTicks % unit.Ticks, TimeSpan.Zero);

    /// <summary>x:14 → x:00, x:15 → x:30, x:45 → the next minute.</summary>
    public static DateTimeOffset RoundTo30Seconds(DateTimeOffset value)
    {
        var seconds = value.ToUnixTimeSeconds();
        return DateTimeOffset.FromUnixTimeSeconds((seconds + 15) / 30 * 30);
    }
}
