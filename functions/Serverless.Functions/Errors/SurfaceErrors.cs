using System.Globalization;
using Azure;
using Microsoft.AspNetCore.Diagnostics;

namespace Serverless.Functions.Errors;

/// <summary>Writes errors in one surface's wire format. Each surface has exactly one.</summary>
public interface ISurfaceErrorWriter
{
    /// <summary>Whether requests to this path belong to the surface.</summary>
    bool Owns(PathString path);

    /// <summary>
    /// A surface whose paths lie inside another's (the incident surface's <c>/v2/incidents</c> and
    /// <c>/v2/organizations</c> inside the Integration Platform's <c>/v2</c>) is asked first.
    /// </summary>
    bool IsNested => false;

    Task WriteAsync(HttpContext context, int status, IReadOnlyList<ApiError> errors);
}

/// <summary>
/// Picks the writer of the surface a request belongs to. Paths no surface owns (<c>/</c>, unknown paths, trigger
/// invocations) get the fallback writer named in <see cref="SurfaceErrorsRegistration.AddSurfaceErrors{TFallback}"/>.
/// </summary>
public sealed class SurfaceErrors
{
    private readonly ISurfaceErrorWriter[] writers;
    private readonly ISurfaceErrorWriter fallback;

    public SurfaceErrors(IEnumerable<ISurfaceErrorWriter> writers, Type fallbackType)
    {
        this.writers = writers.OrderByDescending(w => w.IsNested).ToArray();
        fallback = this.writers.SingleOrDefault(w => w.GetType() == fallbackType)
            ?? throw new InvalidOperationException($"The fallback error writer {fallbackType.Name} is not registered; register it with AddSurfaceErrorWriter.");
    }

    /// <summary>Whether a surface owns the path (the fallback's paths are not counted).</summary>
    public bool IsSurfacePath(PathString path) => writers.Any(w => w.Owns(path));

    public Task WriteAsync(HttpContext context, int status, IReadOnlyList<ApiError> errors)
    {
        var writer = writers.FirstOrDefault(w => w.Owns(context.Request.Path)) ?? fallback;
        return writer.WriteAsync(context, status, errors);
    }
}

/// <summary>
/// The one place exceptions become responses: our own <see cref="ApiException"/>, bad requests the framework
/// detected, and storage conflicts. Anything else is a bug: it is logged and answered with a bare 500 that carries
/// the request id, never a stack trace.
/// </summary>
public sealed class ApiExceptionHandler(SurfaceErrors surfaces, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var (status, errors) = Translate(context, exception);
        if (exception is ApiException { RetryAfter: { } wait })
        {
            context.Response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }
        else if (exception is RequestFailedException { Status: 412 })
        {
            context.Response.Headers.RetryAfter = "1";
        }
        await surfaces.WriteAsync(context, status, errors);
        return true;
    }

    private (int Status, IReadOnlyList<ApiError> Errors) Translate(HttpContext context, Exception exception)
    {
        switch (exception)
        {
            case ApiException api:
                return (api.Status, api.Errors);
            case BadHttpRequestException bad:
                // Kestrel's and the binder's own messages name the limit or parameter, and hold nothing internal.
                return (bad.StatusCode, [ApiError.ForStatus(bad.StatusCode, bad.Message)]);
            case RequestFailedException { Status: 412 } storage:
                // A write that went in with the ETag it read, outside a retry, lost a race: the client sent no If-Match
                // (that one is answered 412 before any write), so this is a conflict to retry, not a failed precondition.
                logger.LogInformation("Storage answered {Status} ({ErrorCode}) for {Path}", storage.Status, storage.ErrorCode, context.Request.Path);
                return (409, [ApiError.ForStatus(409, "The resource was changed by another request while this one was applied; nothing was written. Try again.")]);
            case RequestFailedException { Status: 404 or 409 } storage:
                logger.LogInformation("Storage answered {Status} ({ErrorCode}) for {Path}", storage.Status, storage.ErrorCode, context.Request.Path);
                return (storage.Status, [ApiError.ForStatus(storage.Status)]);
            case OperationCanceledException when context.RequestAborted.IsCancellationRequested:
                return (499, [ApiError.ForStatus(400, "The client closed the request.")]);
            default:
                logger.LogError(exception, "Unhandled error on {Method} {Path}", context.Request.Method, context.Request.Path);
                return (500, [ApiError.ForStatus(500)]);
        }
    }
}

public static class SurfaceErrorsRegistration
{
    /// <summary>The exception handler and the writer picker; <typeparamref name="TFallback"/> answers for paths no surface owns.</summary>
    public static IServiceCollection AddSurfaceErrors<TFallback>(this IServiceCollection services) where TFallback : ISurfaceErrorWriter
    {
        services.AddSingleton(sp => new SurfaceErrors(sp.GetServices<ISurfaceErrorWriter>(), typeof(TFallback)));
        services.AddExceptionHandler<ApiExceptionHandler>();
        return services;
    }

    /// <summary>Each surface registers its one writer from its own registration.</summary>
    public static IServiceCollection AddSurfaceErrorWriter<T>(this IServiceCollection services) where T : class, ISurfaceErrorWriter =>
        services.AddSingleton<ISurfaceErrorWriter, T>();

    /// <summary>
    /// Exceptions, and bodiless 4xx/5xx results (unknown routes, 405s, challenges, <c>TypedResults.NotFound()</c>),
    /// all reach the surface's error writer, so no handler builds an error body by hand.
    /// </summary>
    public static IApplicationBuilder UseSurfaceErrors(this IApplicationBuilder app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // Unreachable while ApiExceptionHandler handles every exception; the middleware insists on a fallback.
            ExceptionHandler = context => Task.CompletedTask,
        });
        app.UseStatusCodePages(context =>
        {
            var http = context.HttpContext;
            var status = http.Response.StatusCode;
            return http.RequestServices.GetRequiredService<SurfaceErrors>().WriteAsync(http, status, [ApiError.ForStatus(status)]);
        });
        return app;
    }
}
