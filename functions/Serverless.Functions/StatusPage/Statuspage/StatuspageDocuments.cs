using System.Globalization;
using System.Text.Json.Nodes;

namespace Serverless.Functions.StatusPage.Statuspage;

/// <summary>
/// A page's items as Atlassian Statuspage's public API (v2) shows them, read once per request: its field names, its
/// status words and its indicator rules, over what a guest of the Cachet page sees. The shapes and the mapping from
/// Cachet are in docs/decisions/0018-statuspage-json.md.
/// </summary>
public sealed class StatuspageDocuments
{
    public const int ListLimit = 50;

    private readonly StatusPageEntity page;
    private readonly string baseUrl;
    private readonly TimeZoneInfo zone;
    private readonly IReadOnlyList<StatusGroup> groups;
    private readonly IReadOnlyList<StatusComponent> components;
    private readonly IReadOnlyList<StatusIncident> incidents;
    private readonly ILookup<int, StatusIncidentUpdate> updates;
    private readonly IReadOnlyList<StatusSchedule> schedules;
    private readonly HashSet<int> inMaintenance;

    private StatuspageDocuments(StatusPageEntity page, string baseUrl, TimeZoneInfo zone, IReadOnlyList<StatusGroup> groups,
        IReadOnlyList<StatusComponent> components, IReadOnlyList<StatusIncident> incidents, ILookup<int, StatusIncidentUpdate> updates,
        IReadOnlyList<StatusSchedule> schedules)
    {
        this.page = page;
        this.baseUrl = baseUrl;
        this.zone = zone;
        this.groups = groups;
        this.components = components;
        this.incidents = incidents;
        this.updates = updates;
        this.schedules = schedules;
        inMaintenance = schedules.Where(s => s.ScheduleStatus == ScheduleStatus.InProgress).SelectMany(s => s.AffectedComponents().Keys).ToHashSet();
    }

    /// <summary>What a guest sees: public groups, enabled components outside hidden groups, public incidents.</summary>
    public static async Task<StatuspageDocuments> LoadAsync(StatusItemStore store, StatusPageEntity page, string baseUrl, TimeZoneInfo zone,
        CancellationToken cancellationToken)
    {
        var groups = await store.ListAsync<StatusGroup>(page.PageId, cancellationToken);
        var hidden = groups.Where(g => g.Visibility != Visibility.Public).Select(g => g.Id).ToHashSet();
        var components = (await store.ListAsync<StatusComponent>(page.PageId, cancellationToken)).Where(c => c.Enabled && !hidden.Contains(c.GroupId)).ToList();
        var incidents = (await store.ListAsync<StatusIncident>(page.PageId, cancellationToken)).Where(i => i.Visibility == Visibility.Public).ToList();
        var updates = (await store.ListAsync<StatusIncidentUpdate>(page.PageId, cancellationToken)).ToLookup(u => u.IncidentId);
        var schedules = await store.ListAsync<StatusSchedule>(page.PageId, cancellationToken);
        return new StatuspageDocuments(page, baseUrl, zone, groups.Where(g => !hidden.Contains(g.Id)).ToList(), components, incidents, updates, schedules);
    }

    public JsonObject Summary() => new()
    {
        ["page"] = Page(),
        ["components"] = Components(),
        ["incidents"] = Incidents(Unresolved()),
        ["scheduled_maintenances"] = Maintenances(Upcoming().Concat(Active()).OrderBy(s => s.ScheduledAt)),
        ["status"] = Status(),
    };

    public JsonObject StatusDocument() => new() { ["page"] = Page(), ["status"] = Status() };

    public JsonObject ComponentsDocument() => new() { ["page"] = Page(), ["components"] = Components() };

    /// <summary>The 50 newest incidents, resolved or not.</summary>
    public JsonObject IncidentsDocument() =>
        new() { ["page"] = Page(), ["incidents"] = Incidents(incidents.OrderByDescending(i => i.CreatedAt).ThenByDescending(i => i.Id).Take(ListLimit)) };

    public JsonObject UnresolvedDocument() => new() { ["page"] = Page(), ["incidents"] = Incidents(Unresolved()) };

    /// <summary>The 50 newest maintenance windows, by when they are scheduled for.</summary>
    public JsonObject MaintenancesDocument() =>
        new() { ["page"] = Page(), ["scheduled_maintenances"] = Maintenances(schedules.OrderByDescending(s => s.ScheduledAt).ThenByDescending(s => s.Id).Take(ListLimit)) };

    public JsonObject UpcomingDocument() => new() { ["page"] = Page(), ["scheduled_maintenances"] = Maintenances(Upcoming()) };

    public JsonObject ActiveDocument() => new() { ["page"] = Page(), ["scheduled_maintenances"] = Maintenances(Active()) };

    /// <summary>The page as a webhook payload names it: with its status indicator and description.</summary>
    public JsonObject PageWithStatus()
    {
        var status = Status();
        var page = Page();
        page["status_indicator"] = status["indicator"]!.DeepClone();
        page["status_description"] = status["description"]!.DeepClone();
        return page;
    }

    /// <summary>One incident as the documents show it; null when a guest does not see it.</summary>
    public JsonObject? IncidentOf(int id) => incidents.FirstOrDefault(i => i.Id == id) is { } incident ? Incident(incident) : null;

    public JsonObject? ComponentOf(int id) => components.FirstOrDefault(c => c.Id == id) is { } component ? Component(component) : null;

    public JsonObject? MaintenanceOf(int id) => schedules.FirstOrDefault(s => s.Id == id) is { } schedule ? Maintenance(schedule) : null;

    /// <summary>A Cachet component status as Statuspage's word.</summary>
    public static string StatusWord(ComponentStatus status) => status switch
    {
        ComponentStatus.PerformanceIssues => "degraded_performance",
        ComponentStatus.PartialOutage => "partial_outage",
        ComponentStatus.MajorOutage => "major_outage",
        _ => "operational",
    };

    private IEnumerable<StatusIncident> Unresolved() =>
        incidents.Where(i => IncidentStatusOf(i) != "resolved").OrderByDescending(i => i.CreatedAt).ThenByDescending(i => i.Id);

    private IEnumerable<StatusSchedule> Upcoming() => schedules.Where(s => s.ScheduleStatus == ScheduleStatus.Upcoming).OrderBy(s => s.ScheduledAt);

    private IEnumerable<StatusSchedule> Active() => schedules.Where(s => s.ScheduleStatus == ScheduleStatus.InProgress).OrderBy(s => s.ScheduledAt);

    private JsonObject Page()
    {
        var stamps = components.Select(c => c.UpdatedAt).Concat(incidents.Select(i => i.UpdatedAt)).Concat(schedules.Select(s => s.UpdatedAt))
            .Concat(groups.Select(g => g.UpdatedAt)).Append(page.Created);
        return new JsonObject
        {
            ["id"] = page.PageId,
            ["name"] = page.Name,
            ["url"] = baseUrl,
            ["time_zone"] = zone.Id == TimeZoneInfo.Utc.Id ? "Etc/UTC" : zone.Id,
            ["updated_at"] = Time(stamps.Max()),
        };
    }

    /// <summary>Statuspage's indicator and description for the page (see the decision record for the rules).</summary>
    public JsonObject Status()
    {
        var counted = components.Where(c => !inMaintenance.Contains(c.Id)).Select(c => c.ComponentStatus).ToList();
        var (indicator, description) = 0 switch
        {
            _ when counted.Count > 0 && counted.All(s => s == ComponentStatus.MajorOutage) => (3, "Major System Outage"),
            _ when counted.Any(s => s == ComponentStatus.MajorOutage) || (counted.Count > 0 && counted.All(s => s == ComponentStatus.PartialOutage)) =>
                (2, "Partial System Outage"),
            _ when counted.Any(s => s == ComponentStatus.PartialOutage) => (1, "Minor Service Outage"),
            _ when counted.Count > 0 && counted.All(s => s == ComponentStatus.PerformanceIssues) => (1, "Degraded System Service"),
            _ when counted.Any(s => s == ComponentStatus.PerformanceIssues) => (1, "Partially Degraded Service"),
            _ when components.Any(c => inMaintenance.Contains(c.Id)) => (0, "Service Under Maintenance"),
            _ => (0, "All Systems Operational"),
        };
        var worstIncident = Unresolved().Select(ImpactLevel).DefaultIfEmpty(0).Max();
        if (worstIncident > indicator)
        {
            (indicator, description) = (worstIncident, ImpactDescriptions[worstIncident]);
        }
        return new JsonObject { ["indicator"] = Impacts[indicator], ["description"] = description };
    }

    private static readonly string[] Impacts = ["none", "minor", "major", "critical"];
    private static readonly string[] ImpactDescriptions = ["All Systems Operational", "Minor Service Outage", "Partial System Outage", "Major System Outage"];

    /// <summary>Groups come first as group components (their id prefixed <c>group-</c>), then the components, each by order.</summary>
    private JsonArray Components()
    {
        var all = new JsonArray();
        foreach (var group in groups.OrderBy(g => g.Order).ThenBy(g => g.Id))
        {
            var members = components.Where(c => c.GroupId == group.Id).OrderBy(c => c.Order).ThenBy(c => c.Id).ToList();
            if (members.Count == 0)
            {
                continue;
            }
            all.Add(new JsonObject
            {
                ["id"] = GroupId(group.Id),
                ["name"] = group.Name,
                ["status"] = members.Select(ComponentStatusOf).MaxBy(Severity),
                ["created_at"] = Time(group.CreatedAt),
                ["updated_at"] = Time(group.UpdatedAt),
                ["position"] = group.Order,
                ["description"] = null,
                ["showcase"] = false,
                ["start_date"] = null,
                ["group_id"] = null,
                ["page_id"] = page.PageId,
                ["group"] = true,
                ["only_show_if_degraded"] = false,
                ["components"] = new JsonArray([.. members.Select(m => (JsonNode)Id(m.Id))]),
            });
        }
        var grouped = groups.Select(g => g.Id).ToHashSet();
        foreach (var component in components.OrderBy(c => grouped.Contains(c.GroupId) ? 0 : 1).ThenBy(c => c.Order).ThenBy(c => c.Id))
        {
            all.Add(Component(component, grouped.Contains(component.GroupId)));
        }
        return all;
    }

    private JsonObject Component(StatusComponent c, bool inGroup = false) => new()
    {
        ["id"] = Id(c.Id),
        ["name"] = c.Name,
        ["status"] = ComponentStatusOf(c),
        ["created_at"] = Time(c.CreatedAt),
        ["updated_at"] = Time(c.UpdatedAt),
        ["position"] = c.Order,
        ["description"] = string.IsNullOrEmpty(c.Description) ? null : c.Description,
        ["showcase"] = true,
        ["start_date"] = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(c.CreatedAt, zone).DateTime).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        ["group_id"] = inGroup ? GroupId(c.GroupId) : null,
        ["page_id"] = page.PageId,
        ["group"] = false,
        ["only_show_if_degraded"] = false,
    };

    // Unknown shows as operational: Statuspage has no such status.
    private string ComponentStatusOf(StatusComponent c) => inMaintenance.Contains(c.Id) ? "under_maintenance" : StatusWord(c.ComponentStatus);

    private static int Severity(string? status) => status switch
    {
        "under_maintenance" => 1, "degraded_performance" => 2, "partial_outage" => 3, "major_outage" => 4, _ => 0,
    };

    private JsonArray Incidents(IEnumerable<StatusIncident> list) => new([.. list.Select(i => (JsonNode)Incident(i))]);

    private JsonObject Incident(StatusIncident incident)
    {
        var own = updates[incident.Id].OrderBy(u => u.CreatedAt).ThenBy(u => u.Id).ToList();
        var timeline = new List<JsonObject>
        {
            // Cachet's incident carries its first message itself; Statuspage's first update does.
            Update($"incident-{incident.Id}", Id(incident.Id), IncidentWord(FirstStatusOf(incident, own)), incident.Message, incident.CreatedAt, incident.CreatedAt),
        };
        timeline.AddRange(own.Select(u => Update(Id(u.Id), Id(incident.Id), IncidentWord(u.Status), u.Message, u.CreatedAt, u.UpdatedAt)));
        var monitoring = own.FirstOrDefault(u => u.IncidentStatus == IncidentStatus.Watching)?.CreatedAt;
        var status = IncidentStatusOf(incident);
        var resolved = status == "resolved"
            ? own.LastOrDefault(u => u.IncidentStatus == IncidentStatus.Fixed)?.CreatedAt ?? incident.UpdatedAt
            : (DateTimeOffset?)null;
        var component = components.FirstOrDefault(c => c.Id == incident.ComponentId);
        timeline.Reverse(); // newest first, as Statuspage lists them
        return new JsonObject
        {
            ["id"] = Id(incident.Id),
            ["name"] = incident.Name,
            ["status"] = status,
            ["created_at"] = Time(incident.CreatedAt),
            ["updated_at"] = Time(incident.UpdatedAt),
            ["monitoring_at"] = monitoring is { } m ? Time(m) : null,
            ["resolved_at"] = resolved is { } r ? Time(r) : null,
            ["impact"] = Impacts[ImpactLevel(incident)],
            ["shortlink"] = $"{baseUrl}/incidents/{incident.Id}",
            ["started_at"] = Time(incident.OccurredAt),
            ["page_id"] = page.PageId,
            ["incident_updates"] = new JsonArray([.. timeline]),
            ["components"] = component is null ? new JsonArray() : new JsonArray(Component(component)),
        };
    }

    /// <summary>The worst status the incident gave its component, and while it is open its component's present status.</summary>
    private int ImpactLevel(StatusIncident incident)
    {
        var worst = incident.WorstComponentStatus;
        if (IncidentStatusOf(incident) != "resolved" && components.FirstOrDefault(c => c.Id == incident.ComponentId) is { } component
            && !inMaintenance.Contains(component.Id))
        {
            worst = Math.Max(worst, component.Status);
        }
        return worst switch { 2 => 1, 3 => 2, 4 => 3, _ => 0 };
    }

    /// <summary>Rows older than <see cref="StatusIncident.FirstStatus"/> only know it when no update has changed it since.</summary>
    private static int FirstStatusOf(StatusIncident incident, IReadOnlyList<StatusIncidentUpdate> own) =>
        incident.FirstStatus > 0 ? incident.FirstStatus : own.Count == 0 ? incident.Status : (int)IncidentStatus.Investigating;

    private string IncidentStatusOf(StatusIncident incident)
    {
        var latest = updates[incident.Id].OrderBy(u => u.CreatedAt).ThenBy(u => u.Id).LastOrDefault()?.Status ?? incident.Status;
        return IncidentWord(latest == 0 ? 1 : latest);
    }

    private static string IncidentWord(int status) => (IncidentStatus)status switch
    {
        IncidentStatus.Identified => "identified",
        IncidentStatus.Watching => "monitoring",
        IncidentStatus.Fixed => "resolved",
        _ => "investigating",
    };

    private JsonObject Update(string id, string incidentId, string status, string? body, DateTimeOffset created, DateTimeOffset updated) => new()
    {
        ["id"] = id,
        ["status"] = status,
        ["body"] = body ?? "",
        ["incident_id"] = incidentId,
        ["created_at"] = Time(created),
        ["updated_at"] = Time(updated),
        ["display_at"] = Time(created),
        ["affected_components"] = null,
        ["deliver_notifications"] = true,
        ["custom_tweet"] = null,
        ["tweet_id"] = null,
    };

    private JsonArray Maintenances(IEnumerable<StatusSchedule> list) => new([.. list.Select(s => (JsonNode)Maintenance(s))]);

    private JsonObject Maintenance(StatusSchedule schedule)
    {
        var status = schedule.ScheduleStatus switch
        {
            ScheduleStatus.InProgress => "in_progress",
            ScheduleStatus.Complete => "completed",
            _ => "scheduled",
        };
        var affected = schedule.AffectedComponents().Keys.Select(id => components.FirstOrDefault(c => c.Id == id)).OfType<StatusComponent>();
        var id = Id(schedule.Id);
        return new JsonObject
        {
            ["id"] = id,
            ["name"] = schedule.Name,
            ["status"] = status,
            ["created_at"] = Time(schedule.CreatedAt),
            ["updated_at"] = Time(schedule.UpdatedAt),
            ["monitoring_at"] = null,
            ["resolved_at"] = schedule.ScheduleStatus == ScheduleStatus.Complete ? Time(schedule.CompletedAt ?? schedule.UpdatedAt) : null,
            ["impact"] = "maintenance",
            ["shortlink"] = $"{baseUrl}/schedules/{schedule.Id}",
            ["started_at"] = Time(schedule.ScheduledAt),
            ["page_id"] = page.PageId,
            ["incident_updates"] = new JsonArray(Update($"schedule-{schedule.Id}", id, status, schedule.Message, schedule.CreatedAt, schedule.UpdatedAt)),
            ["components"] = new JsonArray([.. affected.Select(c => (JsonNode)Component(c))]),
            ["scheduled_for"] = Time(schedule.ScheduledAt),
            ["scheduled_until"] = schedule.CompletedAt is { } until ? Time(until) : null,
        };
    }

    private static string Id(int id) => id.ToString(CultureInfo.InvariantCulture);

    private static string GroupId(int id) => $"group-{id}";

    /// <summary>ISO 8601 with milliseconds, in the page's time zone, as Statuspage writes them (<c>Z</c> for UTC).</summary>
    private string Time(DateTimeOffset value)
    {
        var local = TimeZoneInfo.ConvertTime(value, zone);
        return local.Offset == TimeSpan.Zero && zone.Id == TimeZoneInfo.Utc.Id
            ? local.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)
            : local.ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture);
    }
}
