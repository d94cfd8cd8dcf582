using System.Globalization;
using System.Text.Json.Nodes;
using Serverless.Functions.Errors;

namespace Serverless.Functions.StatusPage.Cachet;

/// <summary>
/// Dates as Cachet writes and reads them: <c>"YYYY-MM-DD HH:MM:SS"</c> in the request's time zone, which
/// the <c>Time-Zone</c> header sets (UTC otherwise). Storage is always UTC.
/// </summary>
public sealed record CachetClock(TimeZoneInfo Zone, DateTimeOffset Now)
{
    public const string Header = "Time-Zone";

    private static readonly string[] InputFormats = ["yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss"];

    public static CachetClock From(HttpRequest request, TimeProvider time)
    {
        var name = request.Headers[Header].ToString().Trim();
        if (name.Length == 0)
        {
            return new(TimeZoneInfo.Utc, time.GetUtcNow());
        }
        return TimeZoneInfo.TryFindSystemTimeZoneById(name, out var zone)
            ? new(zone, time.GetUtcNow())
            : throw new ApiException(ApiError.ForStatus(400, $"The Time-Zone header names no known time zone: '{name}'; use an IANA name such as Europe/Paris.") with { Parameter = Header });
    }

    public string Format(DateTimeOffset value) => TimeZoneInfo.ConvertTime(value, Zone).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    public JsonNode? Format(DateTimeOffset? value) => value is { } v ? Format(v) : null;

    /// <summary>Nested raw objects (a group's components, an incident's updates) render in UTC, as Cachet's do.</summary>
    public static string Utc(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    public bool TryParse(string text, out DateTimeOffset value)
    {
        value = default;
        if (!DateTime.TryParseExact(text, InputFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local) || Zone.IsInvalidTime(local))
        {
            return false;
        }
        value = new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), Zone), TimeSpan.Zero);
        return true;
    }
}
