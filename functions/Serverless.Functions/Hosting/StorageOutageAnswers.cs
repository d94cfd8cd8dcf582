using Serverless.Functions.Errors;
using Serverless.Functions.Storage;

namespace Serverless.Functions.Hosting;

public static class StorageOutageAnswers
{
    /// <summary>
    /// Storage that cannot be reached (<see cref="StorageOutage"/>), met anywhere inside (authentication, the rate limits,
    /// a handler), becomes a 503 with <c>Retry-After</c> that the surface's error writer answers in its own format. It is
    /// an outage, not a bug: one log line per request and no stack (<see cref="StorageHealth"/> logs when it starts and
    /// ends). Mapped here rather than in Errors/ so that Errors stays below Storage.
    /// </summary>
    public static IApplicationBuilder UseStorageOutageAnswers(this IApplicationBuilder app)
    {
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(StorageOutageAnswers));
        return app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (Exception ex) when (ex is not ApiException && !context.RequestAborted.IsCancellationRequested && StorageOutage.IsUnreachable(ex))
            {
                logger.LogWarning("Storage unreachable on {Method} {Path}: answered 503 ({Reason})", context.Request.Method, context.Request.Path,
                    StorageOutage.Reason(ex));
                throw new ApiException(ApiError.Unavailable("The service cannot reach its storage right now. Try again shortly."))
                {
                    RetryAfter = StorageOutage.RetryAfter,
                };
            }
        });
    }
}
