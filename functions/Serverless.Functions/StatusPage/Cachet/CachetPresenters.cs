using System.Text.Json.Nodes;

namespace Serverless.Functions.StatusPage.Cachet;

/// <summary>What <c>data</c> holds for each resource, with exactly Cachet's keys.</summary>
public static class CachetPresenters
{
    public static JsonObject Component(StatusComponent c, CachetClock clock)
    {
        var o = RawComponent(c, d => clock.Format(d));
        o["status_name"] = c.ComponentStatus.Label();
        var tags = JsonText.Parse(c.Tags) as JsonObject;
        o["tags"] = tags is { Count: > 0 } ? tags : new JsonArray();
        return o;
    }

    /// <summary>A component as stored, the way a group nests its members.</summary>
    public static JsonObject RawComponent(StatusComponent c, Func<DateTimeOffset, string> date) => new()
    {
        ["id"] = c.Id,
        ["name"] = c.Name,
        ["description"] = c.Description,
        ["link"] = c.Link,
        ["status"] = c.Status,
        ["order"] = c.Order,
        ["group_id"] = c.GroupId,
        ["created_at"] = date(c.CreatedAt),
        ["updated_at"] = date(c.UpdatedAt),
        ["deleted_at"] = null,
        ["enabled"] = c.Enabled,
        ["meta"] = JsonText.Parse(c.Meta),
    };

    /// <summary>Exactly the ten documented keys: Cachet's own tests compare whole group objects.</summary>
    public static JsonObject Group(StatusGroup g, IEnumerable<StatusComponent> components, CachetClock clock)
    {
        var enabled = components.Where(c => c.Enabled && c.GroupId == g.Id).OrderBy(c => c.Order).ThenBy(c => c.Id).ToList();
        var lowest = enabled.OrderByDescending(c => c.Status).ThenBy(c => c.Order).ToList();
        return new JsonObject
        {
            ["id"] = g.Id,
            ["name"] = g.Name,
            ["created_at"] = clock.Format(g.CreatedAt),
            ["updated_at"] = clock.Format(g.UpdatedAt),
            ["order"] = g.Order,
            ["collapsed"] = g.Collapsed,
            ["visible"] = g.Visible,
            ["enabled_components"] = new JsonArray([.. enabled.Select(c => RawComponent(c, CachetClock.Utc))]),
            ["enabled_components_lowest"] = new JsonArray([.. lowest.Select(c => RawComponent(c, CachetClock.Utc))]),
            ["lowest_human_status"] = lowest.Count > 0 ? lowest[0].ComponentStatus.Label() : null,
        };
    }

    /// <summary>An incident with its updates, newest first; <c>latest_*</c> and <c>is_resolved</c> follow the newest update.</summary>
    public static JsonObject Incident(StatusIncident i, IReadOnlyList<StatusIncidentUpdate> updates, CachetPage page)
    {
        var clock = page.Clock;
        var newest = updates.OrderByDescending(u => u.Id).ToList();
        var latest = newest.Count > 0 ? newest[0].IncidentStatus : i.IncidentStatus;
        var resolvedAt = newest.FirstOrDefault(u => u.IncidentStatus == IncidentStatus.Fixed)?.CreatedAt;
        var meta = JsonText.Parse(i.Meta) as JsonObject;
        return new JsonObject
        {
            ["id"] = i.Id,
            ["component_id"] = i.ComponentId,
            ["name"] = i.Name,
            ["status"] = i.Status,
            ["visible"] = i.Visible,
            ["message"] = i.Message,
            ["created_at"] = clock.Format(i.CreatedAt),
            ["updated_at"] = clock.Format(i.UpdatedAt),
            ["deleted_at"] = null,
            ["occurred_at"] = clock.Format(i.OccurredAt),
            ["user_id"] = i.UserId,
            ["stickied"] = i.Stickied,
            ["notifications"] = false,
            ["is_resolved"] = latest == IncidentStatus.Fixed,
            ["updates"] = new JsonArray([.. newest.Select(RawUpdate)]),
            ["human_status"] = i.IncidentStatus.Label(),
            ["latest_update_id"] = newest.Count > 0 ? newest[0].Id : null,
            ["latest_status"] = (int)latest,
            ["latest_human_status"] = latest.Label(),
            ["latest_icon"] = latest.Icon(),
            ["permalink"] = $"{page.BaseUrl}/incidents/{i.Id}",
            // Cachet 2.4 counts to now even once resolved; we stop the clock at the fixing update.
            ["duration"] = newest.Count == 0 ? 0 : (long)((latest == IncidentStatus.Fixed && resolvedAt is { } end ? end : clock.Now) - i.CreatedAt).TotalSeconds,
            ["meta"] = meta is { Count: > 0 } ? meta : new JsonArray(),
        };
    }

    public static JsonObject RawUpdate(StatusIncidentUpdate u) => new()
    {
        ["id"] = u.Id,
        ["incident_id"] = u.IncidentId,
        ["status"] = u.Status,
        ["message"] = u.Message,
        ["user_id"] = u.UserId,
        ["created_at"] = CachetClock.Utc(u.CreatedAt),
        ["updated_at"] = CachetClock.Utc(u.UpdatedAt),
    };

    public static JsonObject Update(StatusIncidentUpdate u, CachetPage page) => new()
    {
        ["id"] = u.Id,
        ["incident_id"] = u.IncidentId,
        ["status"] = u.Status,
        ["message"] = u.Message,
        ["user_id"] = u.UserId,
        ["created_at"] = page.Clock.Format(u.CreatedAt),
        ["updated_at"] = page.Clock.Format(u.UpdatedAt),
        ["human_status"] = u.IncidentStatus.Label(),
        ["permalink"] = $"{page.BaseUrl}/incidents/{u.IncidentId}#update-{u.Id}",
    };

    public static JsonObject Template(StatusTemplate t) => new()
    {
        ["id"] = t.Id,
        ["name"] = t.Name,
        ["slug"] = t.Slug,
        ["template"] = t.Template,
        ["created_at"] = CachetClock.Utc(t.CreatedAt),
        ["updated_at"] = CachetClock.Utc(t.UpdatedAt),
        ["deleted_at"] = null,
    };

    public static JsonObject Schedule(StatusSchedule s, CachetClock clock) => new()
    {
        ["id"] = s.Id,
        ["name"] = s.Name,
        ["message"] = s.Message,
        ["status"] = s.Status,
        ["scheduled_at"] = clock.Format(s.ScheduledAt),
        ["completed_at"] = clock.Format(s.CompletedAt),
        ["created_at"] = clock.Format(s.CreatedAt),
        ["updated_at"] = clock.Format(s.UpdatedAt),
        ["deleted_at"] = null,
        ["components"] = new JsonArray([.. s.AffectedComponents().Select(p => (JsonNode)new JsonObject { ["component_id"] = p.Key, ["component_status"] = p.Value })]),
        ["human_status"] = s.ScheduleStatus.Label(),
    };

    public static JsonObject Metric(StatusMetric m, CachetClock clock) => new()
    {
        ["id"] = m.Id,
        ["name"] = m.Name,
        ["suffix"] = m.Suffix,
        ["description"] = m.Description,
        ["default_value"] = (long)m.DefaultValue,
        ["calc_type"] = m.CalcType,
        ["display_chart"] = m.DisplayChart,
        ["created_at"] = clock.Format(m.CreatedAt),
        ["updated_at"] = clock.Format(m.UpdatedAt),
        ["places"] = m.Places,
        ["default_view"] = m.DefaultView,
        ["threshold"] = m.Threshold,
        ["order"] = m.Order,
        ["visible"] = m.Visible,
        ["default_view_name"] = CachetEnums.Label(CachetEnums.MetricView, m.DefaultView),
    };

    public static JsonObject Point(StatusMetricPoint p, CachetClock clock) => new()
    {
        ["id"] = p.Id,
        ["metric_id"] = p.MetricId,
        ["value"] = Math.Round(p.Value, 3),
        ["counter"] = p.Counter,
        ["created_at"] = clock.Format(p.CreatedAt),
        ["updated_at"] = clock.Format(p.UpdatedAt),
        ["calculated_value"] = Math.Round(p.Value * p.Counter, 3),
    };

    public static JsonObject Subscriber(StatusSubscriber s, IEnumerable<StatusSubscription> subscriptions, CachetClock clock) => new()
    {
        ["id"] = s.Id,
        ["email"] = s.Email,
        ["verify_code"] = s.VerifyCode,
        ["phone_number"] = null,
        ["slack_webhook_url"] = null,
        ["global"] = s.Global,
        ["created_at"] = clock.Format(s.CreatedAt),
        ["updated_at"] = clock.Format(s.UpdatedAt),
        ["verified_at"] = clock.Format(s.VerifiedAt),
        ["subscriptions"] = new JsonArray([.. subscriptions.Where(x => x.SubscriberId == s.Id).OrderBy(x => x.Id).Select(x => (JsonNode)new JsonObject
        {
            ["id"] = x.Id,
            ["subscriber_id"] = x.SubscriberId,
            ["component_id"] = x.ComponentId,
            ["created_at"] = CachetClock.Utc(x.CreatedAt),
            ["updated_at"] = CachetClock.Utc(x.UpdatedAt),
        })]),
    };
}
