using Serverless.Functions.Storage;

namespace Serverless.Functions.Hosting;

/// <summary>Work that must finish before the API serves requests: creating storage, bootstrapping the first admin.</summary>
public interface IStartupTask
{
    Task RunAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Runs the start-up tasks in registration order, in the background, retrying until they succeed. Kestrel starts
/// listening at once, because the Functions host gives up on a handler that does not answer <c>GET /</c> within 30 s;
/// API requests wait for <see cref="Ready"/> instead (see <see cref="StartupWorkRegistration.UseStartupGate"/>).
/// </summary>
public sealed class StartupWork(IEnumerable<IStartupTask> tasks, ILogger<StartupWork> logger) : BackgroundService
{
    // Short, so that storage coming back is noticed within seconds (docs/decisions/0025-storage-goes-away.md).
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(5);
    private readonly TaskCompletionSource ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Ready => ready.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var task in tasks)
        {
            var delay = TimeSpan.FromMilliseconds(250);
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await task.RunAsync(stoppingToken);
                    break;
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested && StorageOutage.IsUnreachable(ex))
                {
                    // Storage down at start: no stack, just the reason; the process keeps serving 503s until it answers.
                    logger.LogWarning("Start-up task {Task} cannot reach storage on attempt {Attempt} ({Reason}); retrying in {Delay}",
                        task.GetType().Name, attempt, StorageOutage.Reason(ex), delay);
                    await Task.Delay(delay, stoppingToken);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogWarning(ex, "Start-up task {Task} failed on attempt {Attempt}; retrying in {Delay}", task.GetType().Name, attempt, delay);
                    await Task.Delay(delay, stoppingToken);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
                }
            }
        }
        ready.TrySetResult();
    }
}

/// <summary>Marks the endpoint the Functions host pings for readiness: it answers before start-up work is done.</summary>
public sealed class ReadinessProbe
{
    public static readonly ReadinessProbe Instance = new();

    private ReadinessProbe()
    {
    }
}

public static class StartupWorkRegistration
{
    private static readonly TimeSpan GateTimeout = TimeSpan.FromSeconds(20);

    public static IServiceCollection AddStartupTask<T>(this IServiceCollection services) where T : class, IStartupTask
    {
        services.AddSingleton<IStartupTask, T>();
        if (!services.Any(d => d.ServiceType == typeof(StartupWork)))
        {
            services.AddSingleton<StartupWork>();
            services.AddHostedService(sp => sp.GetRequiredService<StartupWork>());
        }
        return services;
    }

    /// <summary>
    /// Holds requests until start-up work is done; only the readiness ping passes, since it touches no storage. While
    /// storage is known to be unreachable there is nothing to wait for: the answer is 503 with <c>Retry-After</c> at once.
    /// </summary>
    public static IApplicationBuilder UseStartupGate(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var ready = context.RequestServices.GetRequiredService<StartupWork>().Ready;
        if (!ready.IsCompleted && context.GetEndpoint()?.Metadata.GetMetadata<ReadinessProbe>() is null)
        {
            try
            {
                if (!context.RequestServices.GetRequiredService<StorageHealth>().IsReachable)
                {
                    throw new TimeoutException();
                }
                await ready.WaitAsync(GateTimeout, context.RequestAborted);
            }
            catch (TimeoutException)
            {
                throw new Errors.ApiException(Errors.ApiError.Unavailable("The service is starting; its storage is not reachable yet."))
                {
                    RetryAfter = StorageOutage.RetryAfter,
                };
            }
        }
        await next(context);
    });
}
