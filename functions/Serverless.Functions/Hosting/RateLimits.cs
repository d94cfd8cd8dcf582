using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Serverless.Functions.Errors;

namespace Serverless.Functions.Hosting;

/// <summary>
/// Requests per minute on the API surfaces: per API key for authenticated calls (partitioned by the user the key
/// belongs to), per client address for anonymous ones, where writes (the public subscribe forms) get a smaller
/// allowance than reads. Trigger invocations and <c>/</c> are not limited: only the Functions host sends the former.
/// These run after authentication; before it, Identity's <c>CredentialGate</c> holds each credential to the same per-key
/// allowance and each address to <see cref="FailedAuthenticationsSetting"/> refused credentials, without a storage call.
/// A rejection is a 429 with <c>Retry-After</c>, in the surface's own error format.
/// </summary>
public static class RateLimits
{
    public const string PerKeySetting = "RATE_LIMIT_PER_KEY";
    public const string AnonymousReadsSetting = "RATE_LIMIT_ANONYMOUS_READS";
    public const string AnonymousWritesSetting = "RATE_LIMIT_ANONYMOUS_WRITES";
    public const string FailedAuthenticationsSetting = "RATE_LIMIT_FAILED_AUTH";

    public const int DefaultPerKey = 600;
    public const int DefaultFailedAuthentications = 60;

    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    public static IServiceCollection AddRateLimits(this IServiceCollection services)
    {
        services.AddOptions<RateLimiterOptions>().Configure<IConfiguration>((options, configuration) =>
        {
            var perKey = Setting(configuration, PerKeySetting, DefaultPerKey);
            var anonymousReads = Setting(configuration, AnonymousReadsSetting, 600);
            var anonymousWrites = Setting(configuration, AnonymousWritesSetting, 60);
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                if (!context.RequestServices.GetRequiredService<SurfaceErrors>().IsSurfacePath(context.Request.Path))
                {
                    return RateLimitPartition.GetNoLimiter("");
                }
                if (context.User.FindFirstValue(ClaimTypes.NameIdentifier) is { } userId)
                {
                    return PerMinute("key:" + userId, perKey);
                }
                var address = AddressOf(context);
                return HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)
                    ? PerMinute("read:" + address, anonymousReads)
                    : PerMinute("write:" + address, anonymousWrites);
            });
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = (rejected, _) => new ValueTask(RejectAsync(rejected.HttpContext, rejected.Lease));
        });
        services.AddRateLimiter(_ => { });
        return services;
    }

    /// <summary>The 429 every limit answers: <c>Retry-After</c> from the lease, the body in the surface's error format.</summary>
    public static Task RejectAsync(HttpContext context, RateLimitLease lease)
    {
        var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : Window;
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return context.RequestServices.GetRequiredService<SurfaceErrors>().WriteAsync(context, StatusCodes.Status429TooManyRequests,
            [ApiError.ForStatus(StatusCodes.Status429TooManyRequests, $"Too many requests; try again in {seconds} seconds.")]);
    }

    /// <summary>The client address limits count by: in host mode the host's <c>X-Forwarded-For</c> (see <see cref="CustomHandler"/>).</summary>
    public static string AddressOf(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "";

    public static RateLimitPartition<string> PerMinute(string partition, int limit) =>
        RateLimitPartition.GetFixedWindowLimiter(partition, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = limit,
            Window = Window,
            QueueLimit = 0,
        });

    public static int Setting(IConfiguration configuration, string name, int fallback) =>
        (int)Settings.PositiveWholeNumber(configuration, name, fallback, int.MaxValue);
}

/// <summary>
/// Middleware that must run after routing and before authentication (Identity's credential gate): the pipeline places
/// every one registered without Hosting knowing the slices that provide them.
/// </summary>
public sealed record PreAuthenticationGate(Func<HttpContext, Func<Task>, Task> InvokeAsync);
