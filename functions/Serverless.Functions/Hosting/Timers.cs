using Serverless.Functions.Storage;

namespace Serverless.Functions.Hosting;

/// <summary>A periodic job: a timer function in host mode, a loop in standalone mode.</summary>
public interface ITimerJob
{
    Task RunAsync(CancellationToken cancellationToken);
}

public static class TimerSchedules
{
    /// <summary>Whole minutes become <c>0 */N * * * *</c>, whole seconds <c>*/N * * * * *</c>: one source for both modes.</summary>
    public static string Ncrontab(TimeSpan interval) => interval switch
    {
        { TotalMinutes: >= 1 and < 60 } when interval.Seconds == 0 && 60 % interval.Minutes == 0 => $"0 */{interval.Minutes} * * * *",
        { TotalSeconds: >= 1 and < 60 } when 60 % interval.Seconds == 0 && interval.Milliseconds == 0 => $"*/{interval.Seconds} * * * * *",
        _ => throw new ArgumentOutOfRangeException(nameof(interval), interval, "Use a divisor of a minute or an hour."),
    };
}

/// <summary>Standalone mode's stand-in for the host's timer triggers.</summary>
public sealed class TimerScheduler(IServiceProvider services, IEnumerable<TimerTrigger> timers, StartupWork startup, ILogger<TimerScheduler> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await startup.Ready.WaitAsync(stoppingToken);
        await Task.WhenAll(timers.Select(timer => RunEveryAsync(timer, stoppingToken)));
    }

    private async Task RunEveryAsync(TimerTrigger trigger, CancellationToken stoppingToken)
    {
        var job = services.GetRequiredKeyedService<ITimerJob>(trigger.Name);
        using var timer = new PeriodicTimer(trigger.Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await job.RunAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested && StorageOutage.IsUnreachable(ex))
            {
                // StorageHealth has logged the outage once; the job tries again on its next tick, no sooner.
                logger.LogDebug("Timer job {Job} skipped a run: storage unreachable", trigger.Name);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "Timer job {Job} failed", trigger.Name);
            }
        }
    }
}
