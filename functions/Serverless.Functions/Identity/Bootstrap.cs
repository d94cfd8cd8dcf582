using Serverless.Functions.Hosting;

namespace Serverless.Functions.Identity;

/// <summary>
/// Ensures, on every start, that the tenant admin named by <c>BOOTSTRAP_ADMIN_EMAIL</c> exists and holds the key in
/// <c>BOOTSTRAP_ADMIN_API_KEY</c>, in a first tenant of its own. Idempotent: a restart changes nothing, and a new key
/// replaces the old one.
/// </summary>
public sealed class Bootstrap(BootstrapSettings settings, UserStore users, ILogger<Bootstrap> logger) : IStartupTask
{
    public const string EmailSetting = "BOOTSTRAP_ADMIN_EMAIL";
    public const string KeySetting = "BOOTSTRAP_ADMIN_API_KEY";
    public const string TenantName = "Default tenant";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (settings.Email is null || settings.ApiKey is null)
        {
            return;
        }
        var admin = await users.EnsureAsync(TenantName,
            new NewUser("", "Tenant", "Admin", settings.Email, null, TenantRoles.Admin, settings.ApiKey), cancellationToken);
        logger.LogInformation("Bootstrap admin {UserId} is ready in tenant {TenantId}", admin.Id, admin.TenantId);
    }
}

/// <summary>Checked when the app starts, so a bad setting stops it with a clear message instead of failing later.</summary>
public sealed record BootstrapSettings(string? Email, string? ApiKey)
{
    public static BootstrapSettings From(IConfiguration configuration)
    {
        var email = Blank(configuration[Bootstrap.EmailSetting]);
        var key = Blank(configuration[Bootstrap.KeySetting]);
        if ((email is null) != (key is null))
        {
            throw new InvalidOperationException($"Set both {Bootstrap.EmailSetting} and {Bootstrap.KeySetting}, or neither.");
        }
        if (email is not null && !IsEmail(email))
        {
            throw new InvalidOperationException($"{Bootstrap.EmailSetting} is not an email address.");
        }
        if (key is not null && (key.Length < ApiKeys.MinimumLength || key.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))))
        {
            throw new InvalidOperationException(
                $"{Bootstrap.KeySetting} must be at least {ApiKeys.MinimumLength} characters with no spaces; `openssl rand -hex 32` makes one.");
        }
        return new BootstrapSettings(email, key);
    }

    public static bool IsEmail(string value) =>
        value.Length <= 254 && EmailAddresses.IsValid(value);

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
