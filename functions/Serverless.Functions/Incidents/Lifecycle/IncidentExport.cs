using System.Globalization;
using System.Text;
using CsvHelper;
using Serverless.Functions.Errors;
using Serverless.Functions.Incidents.Wire;

namespace Serverless.Functions.Incidents.Lifecycle;

/// <summary>
/// <c>GET /v3/incidents/export</c>'s query: the time range (<c>start_time</c>, <c>end_time</c>, ISO 8601; the last 30
/// days by default, at most a year) and the filters of Squadcast's export, and the CSV it writes with CsvHelper.
/// </summary>
public sealed record IncidentExport(string Type, DateTimeOffset Since, DateTimeOffset Until, IReadOnlyList<string> Statuses, IReadOnlyList<string> Services,
    IReadOnlyList<string> Sources, IReadOnlyList<string> AssignedTo, IReadOnlyList<(string Key, string Value)> Tags, string? Text)
{
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(366);

    public static IncidentExport From(HttpRequest request, DateTimeOffset now)
    {
        var errors = new List<ApiError>();
        var query = request.Query;
        var type = query["type"].ToString();
        if (type.Length == 0)
        {
            type = "json";
        }
        if (type is not ("json" or "csv"))
        {
            errors.Add(IncidentInput.Invalid("type", "'type' must be json or csv."));
        }
        var to = Time("end_time") ?? now;
        var from = Time("start_time") ?? to.AddDays(-30);
        if (from > to)
        {
            errors.Add(IncidentInput.Invalid("start_time", "'start_time' must not be after 'end_time'."));
        }
        else if (to - from > MaxRange)
        {
            errors.Add(IncidentInput.Invalid("start_time", "The range from 'start_time' to 'end_time' is at most 366 days."));
        }
        var statuses = List("status");
        foreach (var status in statuses.Where(s => !IncidentStates.All.Contains(s)))
        {
            errors.Add(IncidentInput.Invalid("status", $"'{status}' is not a status; use {string.Join(", ", IncidentStates.All)}."));
        }
        var tags = new List<(string, string)>();
        foreach (var tag in List("tags"))
        {
            var eq = tag.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                errors.Add(IncidentInput.Invalid("tags", "Each tag filter is key=value."));
                continue;
            }
            tags.Add((tag[..eq], tag[(eq + 1)..]));
        }
        if (errors.Count > 0)
        {
            throw new ApiException(errors);
        }
        var text = query["textFilter"].ToString();
        return new IncidentExport(type, from, to, statuses, List("services"), List("sources"), List("assigned_to"), tags, text.Length > 0 ? text : null);

        DateTimeOffset? Time(string name)
        {
            var value = query[name].ToString();
            if (value.Length == 0)
            {
                return null;
            }
            if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            {
                return parsed.ToUniversalTime();
            }
            errors.Add(IncidentInput.Invalid(name, $"'{name}' must be an ISO 8601 date-time."));
            return null;
        }

        // Both spellings of a list parameter: status[]=a&status[]=b and status=a,b.
        List<string> List(string name) =>
            query[name + "[]"].Concat(query[name]).SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                .ToList();
    }

    public bool Matches(IncidentEntity incident) =>
        (Statuses.Count == 0 || Statuses.Contains(incident.Status)) &&
        (Services.Count == 0 || Services.Contains(incident.ServiceId)) &&
        (Sources.Count == 0 || Sources.Contains(incident.AlertSource)) &&
        (AssignedTo.Count == 0 || incident.Assignments().Any(a => AssignedTo.Contains(a.Id))) &&
        Tags.All(t => incident.TagMap().TryGetValue(t.Key, out var tag) && tag.Value == t.Value) &&
        (Text is null || incident.Message.Contains(Text, StringComparison.OrdinalIgnoreCase) || incident.Description.Contains(Text, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// One row per incident. Cells that a spreadsheet would run as a formula (starting <c>=</c>, <c>+</c>, <c>-</c>,
    /// <c>@</c>) are escaped, since alert text comes from outside.
    /// </summary>
    public static byte[] Csv(IEnumerable<IncidentEntity> incidents, IReadOnlyDictionary<string, string> serviceNames)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = CsvWriter.Create(text, new CsvWriterOptions { Injection = CsvInjection.Escape }, true))
        {
            csv.WriteHeader(Header);
            foreach (var i in incidents)
            {
                csv.WriteRecord(
                [
                    i.Id, i.Number.ToString(CultureInfo.InvariantCulture), i.Message, i.Description, i.Status, i.Priority, i.ServiceId,
                    serviceNames.GetValueOrDefault(i.ServiceId, ""), i.AlertSource, Iso(i.Created), Iso(i.AcknowledgedAt), Iso(i.ResolvedAt),
                    string.Join(";", i.Assignments().Select(a => a.Id)), string.Join(";", i.TagMap().Select(t => $"{t.Key}={t.Value.Value}")),
                    i.EventCount.ToString(CultureInfo.InvariantCulture), Seconds(i.Created, i.AcknowledgedAt), Seconds(i.Created, i.ResolvedAt),
                ]);
            }
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static readonly string[] Header =
    [
        "id", "incident_number", "message", "description", "status", "priority", "service_id", "service_name", "alert_source", "created_at",
        "acknowledged_at", "resolved_at", "assigned_to", "tags", "event_count", "tta_seconds", "ttr_seconds",
    ];

    private static string Iso(DateTimeOffset? value) => value?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "";

    private static string Seconds(DateTimeOffset from, DateTimeOffset? to) =>
        to is { } t ? ((long)(t - from).TotalSeconds).ToString(CultureInfo.InvariantCulture) : "";
}
