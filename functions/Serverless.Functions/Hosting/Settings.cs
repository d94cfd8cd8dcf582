using System.Globalization;

namespace Serverless.Functions.Hosting;

public static class Settings
{
    /// <summary>
    /// App Service replaces <c>@Microsoft.KeyVault(…)</c> (and <c>@Microsoft.AppConfiguration(…)</c>) setting values
    /// with the secret; right after provisioning, or when the identity cannot read the vault yet, the app receives the
    /// reference text itself. Such a value is never a real setting (as an API key it would even pass the length check),
    /// so start-up stops, naming the setting and never its value.
    /// </summary>
    public static void RefuseUnresolvedReferences(IConfiguration configuration)
    {
        var unresolved = configuration.AsEnumerable()
            .Where(s => s.Value is { } value && (value.TrimStart().StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase)
                || value.TrimStart().StartsWith("@Microsoft.AppConfiguration(", StringComparison.OrdinalIgnoreCase)))
            .Select(s => s.Key).Order(StringComparer.Ordinal).ToList();
        if (unresolved.Count > 0)
        {
            throw new InvalidOperationException(
                $"These settings are unresolved Key Vault references: {string.Join(", ", unresolved)}. The app's identity cannot read "
                + "the secret yet (new role assignments take a few minutes), or the reference is wrong; the app stops rather than run with the reference text.");
        }
    }


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
