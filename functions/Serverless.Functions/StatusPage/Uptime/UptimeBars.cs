namespace Serverless.Functions.StatusPage.Uptime;

/// <summary>
/// One cell of a component's bar: a UTC day, its worst status outside maintenance (null without data), whether a
/// maintenance window ran, its percent up (two decimals, truncated so any downtime shows below 100; null without data),
/// and its seconds at each status that is not operational.
/// </summary>
public sealed record UptimeDay(DateOnly Date, int? Worst, bool Maintenance, decimal? Uptime, long MajorSeconds, long PartialSeconds,
    long DegradedSeconds, long MaintenanceSeconds);

/// <summary>A component's last days, oldest first, and the uptime over all of them.</summary>
public sealed record UptimeBar(IReadOnlyList<UptimeDay> Days, decimal? Uptime);

/// <summary>
/// The bars as Statuspage draws them: major outage time is down, partial outage time counts at 30%, degraded performance
/// is up, and maintenance time counts neither way (docs/decisions/0017-uptime-history.md).
/// </summary>
public static class UptimeBars
{
    public const decimal PartialOutageWeight = 0.3m;

    /// <summary>From the stored rows, with the time since the last change (to <paramref name="now"/>) added in memory.</summary>
    public static UptimeBar Of(ComponentState? state, IReadOnlyList<ComponentDay> rows, DateTimeOffset now, int days = ComponentHistory.Days)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var first = today.AddDays(1 - days);
        var byDate = new Dictionary<DateOnly, ComponentDay>();
        foreach (var row in rows.Where(r => r.Date >= first && r.Date <= today))
        {
            byDate[row.Date] = Copy(row);
        }
        if (state is not null && state.Since < now)
        {
            var cursor = state.Since.UtcDateTime < first.ToDateTime(TimeOnly.MinValue) ? new DateTimeOffset(first.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : state.Since;
            while (cursor < now)
            {
                var dayEnd = new DateTimeOffset(cursor.UtcDateTime.Date.AddDays(1), TimeSpan.Zero);
                var end = dayEnd < now ? dayEnd : now;
                var date = DateOnly.FromDateTime(cursor.UtcDateTime);
                if (!byDate.TryGetValue(date, out var day))
                {
                    byDate[date] = day = new ComponentDay();
                }
                day.Add(state.Status, state.Maintenance, (long)(end - cursor).TotalSeconds);
                cursor = end;
            }
        }
        var cells = new List<UptimeDay>(days);
        var total = new ComponentDay();
        for (var date = first; date <= today; date = date.AddDays(1))
        {
            if (!byDate.TryGetValue(date, out var day))
            {
                cells.Add(new UptimeDay(date, null, false, null, 0, 0, 0, 0));
                continue;
            }
            total.Operational += day.Operational;
            total.PerformanceIssues += day.PerformanceIssues;
            total.PartialOutage += day.PartialOutage;
            total.MajorOutage += day.MajorOutage;
            total.Maintenance += day.Maintenance;
            cells.Add(new UptimeDay(date, day.Worst == 0 ? null : day.Worst, day.Maintenance > 0, Percent(day), day.MajorOutage, day.PartialOutage,
                day.PerformanceIssues, day.Maintenance));
        }
        return new UptimeBar(cells, Percent(total));
    }

    /// <summary>Up time over counted time (maintenance left out), truncated to two decimals; null when nothing counted.</summary>
    public static decimal? Percent(ComponentDay day)
    {
        var counted = day.Operational + day.PerformanceIssues + day.PartialOutage + day.MajorOutage;
        if (counted == 0)
        {
            return null;
        }
        var down = day.MajorOutage + (day.PartialOutage * PartialOutageWeight);
        return Math.Truncate((counted - down) * 10000m / counted) / 100m;
    }

    private static ComponentDay Copy(ComponentDay row) => new()
    {
        PartitionKey = row.PartitionKey, RowKey = row.RowKey, Operational = row.Operational, PerformanceIssues = row.PerformanceIssues,
        PartialOutage = row.PartialOutage, MajorOutage = row.MajorOutage, Maintenance = row.Maintenance, Worst = row.Worst,
    };
}
