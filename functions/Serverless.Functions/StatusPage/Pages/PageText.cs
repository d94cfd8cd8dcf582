namespace Serverless.Functions.StatusPage.Pages;

public static class PageText
{
    /// <summary>"Monday 1st January 2018 10:00:00", Cachet's default incident date format.</summary>
    public static string LongDate(DateTimeOffset value)
    {
        var d = value.UtcDateTime;
        var suffix = (d.Day % 100) is 11 or 12 or 13 ? "th" : (d.Day % 10) switch { 1 => "st", 2 => "nd", 3 => "rd", _ => "th" };
        return $"{d:dddd} {d.Day}{suffix} {d:MMMM yyyy HH:mm:ss}".Replace("  ", " ", StringComparison.Ordinal);
    }

    /// <summary>"5 minutes ago" / "in 2 hours".</summary>
    public static string Ago(DateTimeOffset when, DateTimeOffset now)
    {
        var span = now - when;
        var abs = span.Duration();
        if (abs.TotalMinutes < 1)
        {
            return span >= TimeSpan.Zero ? "moments ago" : "in moments";
        }
        var amount = abs.TotalHours < 1 ? Plural((int)abs.TotalMinutes, "minute")
            : abs.TotalDays < 1 ? Plural((int)abs.TotalHours, "hour") : Plural((int)abs.TotalDays, "day");
        return span >= TimeSpan.Zero ? $"{amount} ago" : $"in {amount}";
    }

    private static string Plural(int n, string unit) => n == 1 ? $"1 {unit}" : $"{n} {unit}s";
}
