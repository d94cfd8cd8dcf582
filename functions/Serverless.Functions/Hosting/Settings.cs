using System.Globalization;

namespace Serverless.Functions.Hosting;

public static class Settings
{
    /// <summary>
    /// A count or size from configuration (a limit, a quota): unset means <paramref name="fallback"/>; anything but a
    /// positive whole number up to <paramref name="max"/> stops the app at start-up, naming the setting.
    /// </summary>
    public static long PositiveWholeNumber(IConfiguration configuration, string name, long fallback, long max = long.MaxValue)
    {
        var text = configuration[name];
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value is > 0 && value <= max
            ? value
            : throw new InvalidOperationException($"{name} must be a positive whole number, not '{text}'.");
    }
}
