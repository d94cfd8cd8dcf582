using Serverless.Functions.Hosting;
using Serverless.Functions.StatusPage.Uptime;

namespace Serverless.Functions.StatusPage;

/// <summary>
/// Moves scheduled maintenance along its dates: an upcoming window whose start has come goes in progress and gives
/// its components their maintenance status; a window in progress whose <c>completed_at</c> has passed completes and
/// returns them to Operational (docs/decisions/0010-status-pages.md).
/// </summary>
public sealed class MaintenanceProgress(StatusPageStore pages, StatusItemStore items, ComponentHistory history, TimeProvider time,
    ILogger<MaintenanceProgress> logger) : ITimerJob
{
    public const string Name = "MaintenanceProgress";
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var page in await pages.AllAsync(cancellationToken))
        {
            foreach (var schedule in await items.ListAsync<StatusSchedule>(page.PageId, cancellationToken))
            {
                var ended = schedule.CompletedAt is { } end && end <= now;
                var next = schedule.ScheduleStatus switch
                {
                    ScheduleStatus.Upcoming when schedule.ScheduledAt <= now && !ended => ScheduleStatus.InProgress,
                    ScheduleStatus.Upcoming or ScheduleStatus.InProgress when ended => ScheduleStatus.Complete,
                    var same => same,
                };
                if (next == schedule.ScheduleStatus)
                {
                    continue;
                }
                // Components first, then the schedule: a run stopped in between repeats the same component writes next
                // time, as the schedule has not moved yet.
                foreach (var (componentId, status) in schedule.AffectedComponents())
                {
                    var cause = StatusCause.MaintenanceWindow(schedule.Id, starting: next == ScheduleStatus.InProgress);
                    var changed = await items.MutateAsync<StatusComponent>(page.PageId, componentId, c =>
                    {
                        c.Status = next == ScheduleStatus.InProgress ? status : (int)ComponentStatus.Operational;
                        c.UpdatedAt = now;
                    }, cause, cancellationToken);
                    if (changed is not null)
                    {
                        // The status may not have changed, and then the store recorded nothing; the window's time still
                        // starts (or stops) counting as maintenance.
                        await history.RecordAsync(page.PageId, componentId, changed.Status, now, cause, cancellationToken);
                    }
                }
                await items.MutateAsync<StatusSchedule>(page.PageId, schedule.Id, s =>
                {
                    s.ScheduleStatus = next;
                    s.UpdatedAt = now;
                }, cancellationToken);
                logger.LogInformation("Maintenance {ScheduleId} of page {PageId} is now {Status}", schedule.Id, page.PageId,
                    next.Label());
            }
        }
    }
}
