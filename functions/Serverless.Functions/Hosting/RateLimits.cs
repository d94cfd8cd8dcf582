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
/// A rejection is a 429 with <c>Retry-After</c>, in the surface's own error format.
/// </summary>
public static class RateLimits
{
    public const string PerKeySetting = "RATE_LIMIT_PER_KEY";
    public const string AnonymousReadsSetting = "RATE_LIMIT_ANONYMOUS_READS";
    public const string AnonymousWritesSetting = "RATE_LIMIT_ANONYMOUS_WRITES";

    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    public static IServiceCollection AddRateLimits(this IServiceCollection services)
    {
        services.AddOptions<RateLimiterOptions>().Configure<IConfiguration>((options, configuration) =>
        {
            var perKey = Setting(configuration, PerKeySetting, 600);
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
                var address = context.Connection.RemoteIpAddress?.ToString() ?? "";
                return HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)
                    ? PerMinute("read:" + address, anonymousReads)
                    : PerMinute("write:" + address, anonymousWrites);
            });
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = (rejected, _) =>
            {
                var context = rejected.HttpContext;
                var wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : Window;
                var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
                context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                return new ValueTask(context.RequestServices.GetRequiredService<SurfaceErrors>().WriteAsync(context, StatusCodes.Status429TooManyRequests,
                    [ApiError.ForStatus(StatusCodes.Status429TooManyRequests, $"Too many requests; try again in {seconds} seconds.")]));
            };
        });
        services.AddRateLimiter(_ => { });
        return services;
    }

    private static RateLimitPartition<string> PerMinute(string partition, int limit) =>
        RateLimitPartition.GetFixedWindowLimiter(partition, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = limit,
            Window = Window,
            QueueLimit = 0,
        });

    private static int Setting(IConfiguration configuration, string name, int fallback) =>
        (int)Settings.PositiveWholeNumber(configuration, name, fallback, int.MaxValue);
}
