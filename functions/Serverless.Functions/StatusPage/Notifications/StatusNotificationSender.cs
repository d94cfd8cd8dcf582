using System.Text;
using System.Text.Json;
using Serverless.Functions.Hosting;

namespace Serverless.Functions.StatusPage.Notifications;

/// <summary>
/// Mails one outbox row to its recipients. Idempotent: each address is recorded as mailed before the next is tried,
/// so a retry mails only those not reached yet. With no SMTP host the row is marked recorded, and nothing is sent.
/// </summary>
public sealed class StatusNotificationSender(StatusNotificationStore notifications, StatusItemStore items, Mailer mailer,
    ILogger<StatusNotificationSender> logger) : IQueueHandler
{
    public async Task HandleAsync(string message, long dequeueCount, CancellationToken cancellationToken)
    {
        var (pageId, id) = QueueMessages.Read<StatusNotifier.NotificationMessage>(message)
            ?? throw new FormatException("The message is not a notification id.");
        var notification = await notifications.GetAsync(pageId, id, cancellationToken);
        if (notification?.State == StatusNotificationEntity.Pending)
        {
            await SendAsync(notification, cancellationToken);
        }
    }

    public async Task SendAsync(StatusNotificationEntity notification, CancellationToken cancellationToken)
    {
        var recipients = await RecipientsAsync(notification, cancellationToken);
        if (!mailer.IsConfigured)
        {
            notification.State = StatusNotificationEntity.Recorded;
            await notifications.UpdateAsync(notification, cancellationToken);
            logger.LogInformation("Notification {NotificationId} recorded for {Count} recipients; no SMTP host is set", notification.Id, recipients.Count);
            return;
        }
        var sent = notification.SentList();
        foreach (var (address, unsubscribe) in recipients.Where(r => !sent.Contains(r.Address)))
        {
            var body = new StringBuilder(notification.Body);
            if (unsubscribe is not null)
            {
                body.Append("\n\n--\nUnsubscribe: ").Append(unsubscribe);
            }
            await mailer.SendAsync(address, notification.Subject, body.ToString(), cancellationToken: cancellationToken);
            sent.Add(address);
            notification.SentTo = JsonSerializer.Serialize(sent, AppJson.Default.ListString);
            await notifications.UpdateAsync(notification, cancellationToken);
        }
        notification.State = StatusNotificationEntity.Sent;
        await notifications.UpdateAsync(notification, cancellationToken);
        logger.LogInformation("Notification {NotificationId} sent to {Count} recipients", notification.Id, sent.Count);
    }

    /// <summary>Verified subscribers: every global one, and those subscribed to the notification's component.</summary>
    private async Task<List<(string Address, string? Unsubscribe)>> RecipientsAsync(StatusNotificationEntity notification, CancellationToken cancellationToken)
    {
        if (notification.To is { } to)
        {
            return [(to, null)];
        }
        var subscribed = (await items.ListAsync<StatusSubscription>(notification.PartitionKey, cancellationToken))
            .Where(s => s.ComponentId == notification.ComponentId).Select(s => s.SubscriberId).ToHashSet();
        return (await items.ListAsync<StatusSubscriber>(notification.PartitionKey, cancellationToken))
            .Where(s => s.VerifiedAt is not null && (s.Global || notification.ComponentId == 0 || subscribed.Contains(s.Id)))
            .Select(s => (s.Email, (string?)$"{notification.BaseUrl}/unsubscribe/{s.VerifyCode}")).ToList();
    }

    public async Task OnPoisonedAsync(string message, Exception error, CancellationToken cancellationToken)
    {
        var note = QueueMessages.Read<StatusNotifier.NotificationMessage>(message);
        if (note is null)
        {
            return;
        }
        await notifications.MarkFailedAsync(note.PageId, note.Id, cancellationToken);
        logger.LogWarning("Notification {NotificationId} failed for good: {Error}", note.Id, error.Message);
    }
}
