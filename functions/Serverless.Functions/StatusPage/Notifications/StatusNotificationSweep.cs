using Serverless.Functions.Hosting;

namespace Serverless.Functions.StatusPage.Notifications;

/// <summary>
/// Re-enqueues outbox rows still pending a minute after they were written, should their message be lost, and deletes
/// finished rows after <see cref="Retention"/>: they are a record of what was sent, not the data of a page.
/// </summary>
public sealed class StatusNotificationSweep(StatusNotificationStore notifications, StatusNotifier notifier, TimeProvider time) : ITimerJob
{
    public const string Name = "StatusNotificationSweep";
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan Retention = TimeSpan.FromDays(30);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var notification in await notifications.PendingSinceBeforeAsync(now.AddMinutes(-1), cancellationToken))
        {
            await notifier.EnqueueAsync(notification, cancellationToken);
        }
        foreach (var notification in await notifications.FinishedBeforeAsync(now - Retention, cancellationToken))
        {
            await notifications.DeleteAsync(notification, cancellationToken);
        }
    }
}
