using System.Threading.RateLimiting;
using Microsoft.Extensions.Caching.Memory;
using Serverless.Functions.Errors;
using Serverless.Functions.Hosting;

namespace Serverless.Functions.Identity;

/// <summary>
/// The rate limits that run before authentication, so that what they turn away costs no storage call
/// (docs/decisions/0030-rate-limits-before-authentication.md). A surface request that carries a credential counts
/// against that credential's own allowance (<see cref="RateLimits.PerKeySetting"/>), partitioned by its SHA-256: the
/// API key of Basic <c>email:apikey</c> (whatever the email says), a Bearer token, and the headers the surfaces
/// register (<c>X-Cachet-Token</c>, <c>X-Refresh-Token</c>). Once an address has had
/// <see cref="RateLimits.FailedAuthenticationsSetting"/> credentials refused in the minute, its credentialed requests are
/// turned away too, unless every credential they carry has authenticated lately, so that a tenant behind the same
/// address goes on working while someone there guesses keys. The dialects tell the gate what they made of a credential
/// (<see cref="Accepted"/>, <see cref="Refused"/>). The per-user limit after authentication stays (<see cref="RateLimits"/>).
/// </summary>
public sealed class CredentialGate : IDisposable
{
    /// <summary>How long a credential that authenticated is let past its address's lockout, from its last use.</summary>
    private static readonly TimeSpan RememberFor = TimeSpan.FromHours(1);

    /// <summary>Bounds the memory of credentials in use; past it, a new one simply waits out a lockout like any other.</summary>
    private const int RememberedCredentials = 100_000;

    private readonly string[] headers;
    private readonly PartitionedRateLimiter<string> perCredential;
    private readonly PartitionedRateLimiter<string> failuresPerAddress;
    private readonly MemoryCache accepted = new(new MemoryCacheOptions { SizeLimit = RememberedCredentials });

    public CredentialGate(IConfiguration configuration, IEnumerable<CredentialHeader> headers)
    {
        this.headers = [.. headers.Select(h => h.Name).Distinct(StringComparer.OrdinalIgnoreCase)];
        var perKey = RateLimits.Setting(configuration, RateLimits.PerKeySetting, RateLimits.DefaultPerKey);
        var failures = RateLimits.Setting(configuration, RateLimits.FailedAuthenticationsSetting, RateLimits.DefaultFailedAuthentications);
        perCredential = PartitionedRateLimiter.Create<string, string>(credential => RateLimits.PerMinute(credential, perKey));
        failuresPerAddress = PartitionedRateLimiter.Create<string, string>(address => RateLimits.PerMinute(address, failures));
    }

    /// <summary>A header besides <c>Authorization</c> that carries a credential on some surface.</summary>
    public sealed record CredentialHeader(string Name);

    /// <summary>Each surface names the credential headers its dialects read, from its own registration.</summary>
    public static IServiceCollection AddCredentialHeader(IServiceCollection services, string name) =>
        services.AddSingleton(new CredentialHeader(name));

    /// <summary>The credential a dialect checked is good: its holder is not turned away with guesses from the same address.</summary>
    public static void Accepted(HttpContext context)
    {
        if (context.Features.Get<Verdict>() is { } verdict)
        {
            verdict.Accepted = true;
        }
    }

    /// <summary>The credential a dialect checked is not ours: it counts against the address's failed authentications.</summary>
    public static void Refused(HttpContext context)
    {
        if (context.Features.Get<Verdict>() is { } verdict)
        {
            verdict.Refused = true;
        }
    }

    public async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var credentials = context.RequestServices.GetRequiredService<SurfaceErrors>().IsSurfacePath(context.Request.Path)
            ? CredentialsOf(context.Request)
            : [];
        if (credentials.Count == 0)
        {
            await next();
            return;
        }
        var address = RateLimits.AddressOf(context);
        // Looking one up also extends its stay.
        var remembered = credentials.All(c => accepted.TryGetValue(c, out _));
        if (!remembered)
        {
            // Only looks: the failures themselves are counted once the dialect has said so, below.
            using var lockout = failuresPerAddress.AttemptAcquire(address, 0);
            if (!lockout.IsAcquired)
            {
                await RateLimits.RejectAsync(context, lockout);
                return;
            }
        }
        foreach (var credential in credentials)
        {
            using var lease = perCredential.AttemptAcquire(credential);
            if (!lease.IsAcquired)
            {
                await RateLimits.RejectAsync(context, lease);
                return;
            }
        }

        var verdict = new Verdict();
        context.Features.Set(verdict);
        try
        {
            await next();
        }
        finally
        {
            if (verdict.Refused)
            {
                credentials.ForEach(accepted.Remove);
                failuresPerAddress.AttemptAcquire(address).Dispose();
            }
            else if (verdict.Accepted && credentials.Count == 1 && !remembered)
            {
                // With several credentials it is not known which one the dialect accepted, so none is remembered.
                accepted.Set(credentials[0], true, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = RememberFor });
            }
        }
    }

    /// <summary>
    /// The hashes of the credentials as the dialects read them: Basic's key alone (so respelling the email does not make a
    /// new credential), a Bearer token, any other <c>Authorization</c> whole, and the registered headers, each trimmed.
    /// </summary>
    private List<string> CredentialsOf(HttpRequest request)
    {
        var found = new List<string>(1);
        var authorization = request.Headers.Authorization.ToString();
        if (BasicAuthentication.TryDecode(authorization, out _, out var key))
        {
            Add(key);
        }
        else if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            Add(authorization["Bearer ".Length..]);
        }
        else
        {
            Add(authorization);
        }
        foreach (var header in headers)
        {
            Add(request.Headers[header].ToString());
        }
        return found;

        void Add(string credential)
        {
            credential = credential.Trim();
            if (credential.Length == 0)
            {
                return;
            }
            var hash = ApiKeys.Hash(credential);
            if (!found.Contains(hash))
            {
                found.Add(hash);
            }
        }
    }

    public void Dispose()
    {
        perCredential.Dispose();
        failuresPerAddress.Dispose();
        accepted.Dispose();
    }

    private sealed class Verdict
    {
        public bool Accepted { get; set; }

        public bool Refused { get; set; }
    }
}
