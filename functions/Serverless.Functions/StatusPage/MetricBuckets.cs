using System.Globalization;
using Serverless.Functions.StatusPage.Cachet;

namespace Serverless.Functions.StatusPage;

public static class MetricBuckets
{
    /// <summary>
    /// A chart's buckets: minutes of the last hour, hours of the last 12, days of the week or month.
    /// Sum metrics add value × counter, average metrics take the mean; empty buckets hold the default value (in the
    /// last-hour view only those older than the threshold, as the newest minutes may still be arriving).
    /// </summary>
    public static IReadOnlyList<(string Key, double? Value)> Of(StatusMetric metric, IReadOnlyList<StatusMetricPoint> points, int view, CachetClock clock)
    {
        var local = TimeZoneInfo.ConvertTime(clock.Now, clock.Zone);
        var (count, unit, format) = view switch
        {
            0 => (61, TimeSpan.FromMinutes(1), "yyyy-MM-dd HH:mm"),
            1 => (12, TimeSpan.FromHours(1), "yyyy-MM-dd HH:00"),
            2 => (8, TimeSpan.FromDays(1), "yyyy-MM-dd"),
            _ => (DateTime.DaysInMonth(local.Year, local.Month) + 1, TimeSpan.FromDays(1), "yyyy-MM-dd"),
        };
        var buckets = new List<(string, double?)>();
        var grouped = points.GroupBy(p => TimeZoneInfo.ConvertTime(p.CreatedAt, clock.Zone).ToString(format, CultureInfo.InvariantCulture)).ToDictionary(g => g.Key);
        for (var i = count - 1; i >= 0; i--)
        {
            var at = local - unit * i;
            var key = at.ToString(format, CultureInfo.InvariantCulture);
            double? value = null;
            if (grouped.TryGetValue(key, out var bucket))
            {
                value = Math.Round(metric.CalcType == 0 ? bucket.Sum(p => p.Value * p.Counter) : bucket.Average(p => p.Value), metric.Places);
            }
            else if (view != 0 || i >= metric.Threshold)
            {
                value = metric.DefaultValue;
            }
            buckets.Add((key, value));
        }
        return buckets;
    }
}
