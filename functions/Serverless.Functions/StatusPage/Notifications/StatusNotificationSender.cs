using System.Text;
using System.Text.Json;
using Serverless.Functions.Hosting;
using Serverless.Functions.StatusPage.Cachet;

namespace Serverless.Functions.StatusPage.Notifications;

/// <summary>
/// Sends one outbox row. A notification first gets one delivery row per webhook or Slack subscriber (keyed so that a
/// retry adds none twice), each queued on its own; then it is mailed to its recipients, each address recorded as
/// mailed before the next is tried, so a retry mails only those not reached yet. With no SMTP host the row is marked
/// recorded, and no mail is sent. A delivery is claimed (its attempt counted and its next attempt set, under its ETag)
/// before it is posted, so two workers never post it at once; a failed one waits 1, 2, 4 then 8 minutes (the sweep
/// re-queues it) and gives up after <see cref="MaxAttempts"/>.
/// </summary>
public sealed class StatusNotificationSender(StatusNotificationStore notifications, StatusItemStore items, Mailer mailer, StatusNotifier notifier,
    WebhookSubscribers webhooks, WebhookDelivery delivery, TimeProvider time, ILogger<StatusNotificationSender> logger) : IQueueHandler
{
    public const int MaxAttempts = 5;

    public async Task HandleAsync(string message, long dequeueCount, CancellationToken cancellationToken)
    {
        var (pageId, id) = QueueMessages.Read<StatusNotifier.NotificationMessage>(message)
            ?? throw new FormatException("The message is not a notification id.");
        var notification = await notifications.GetAsync(pageId, id, cancellationToken);
        if (notification?.State != StatusNotificationEntity.Pending)
        {
            return;
        }
        if (notification.Kind == StatusNotificationEntity.Delivery)
        {
            await DeliverAsync(notification, cancellationToken);
        }
        else
        {
            await SendAsync(notification, cancellationToken);
        }
    }

    public static TimeSpan Backoff(int attempts) => TimeSpan.FromMinutes(Math.Pow(2, Math.Max(0, attempts - 1)));

    private async Task FanOutAsync(StatusNotificationEntity notification, CancellationToken cancellationToken)
    {
        foreach (var webhook in await webhooks.ActiveAsync(notification.PartitionKey, notification.ComponentId, cancellationToken))
        {
            var row = new StatusNotificationEntity
            {
                PartitionKey = notification.PartitionKey,
                RowKey = $"{notification.Id}-w{webhook.Id:D10}",
                Kind = StatusNotificationEntity.Delivery,
                Subject = notification.Subject,
                Body = notification.Body,
                Payload = notification.Payload,
                BaseUrl = notification.BaseUrl,
                ComponentId = notification.ComponentId,
                WebhookId = webhook.Id,
                Created = time.GetUtcNow(),
            };
            if (await notifications.TryAddAsync(row, cancellationToken))
            {
                await notifier.EnqueueAsync(row, cancellationToken);
            }
        }
    }

    private async Task DeliverAsync(StatusNotificationEntity row, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (row.NextAttemptAt is { } due && due > now)
        {
            return; // backing off; the sweep queues it again
        }
        var webhook = await items.GetAsync<StatusWebhook>(row.PartitionKey, row.WebhookId, cancellationToken);
        if (webhook is not { Active: true })
        {
            row.State = StatusNotificationEntity.Failed;
            row.LastError = "The subscriber is gone or disabled.";
            await notifications.UpdateAsync(row, cancellationToken);
            return;
        }
        row.Attempts++;
        row.NextAttemptAt = now + Backoff(row.Attempts);
        try
        {
            await notifications.UpdateAsync(row, cancellationToken);
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 412)
        {
            return; // another worker claimed this attempt
        }
        var eventName = (JsonText.Parse(row.Payload) as System.Text.Json.Nodes.JsonObject)?["event"]?.GetValue<string>() ?? row.Kind;
        var error = await delivery.SendAsync(webhook, row.Id, eventName, row.Subject, row.Body, row.Payload, row.BaseUrl, cancellationToken);
        var after = await webhooks.RecordAttemptAsync(row.PartitionKey, webhook.Id, error, now, cancellationToken);
        if (error is null)
        {
            row.State = StatusNotificationEntity.Sent;
            logger.LogInformation("Delivery {DeliveryId} reached {Type} subscriber {WebhookId} at {Host}", row.Id, webhook.Type, webhook.Id, webhook.Host);
        }
        else
        {
            row.LastError = error;
            if (row.Attempts >= MaxAttempts || after?.DisabledAt is not null)
            {
                row.State = StatusNotificationEntity.Failed;
            }
            logger.LogWarning("Delivery {DeliveryId} to {Type} subscriber {WebhookId} at {Host} failed (attempt {Attempt}): {Error}", row.Id, webhook.Type,
                webhook.Id, webhook.Host, row.Attempts, error);
        }
        await notifications.UpdateAsync(row, cancellationToken);
    }

    public async Task SendAsync(StatusNotificationEntity notification, CancellationToken cancellationToken)
    {
        if (notification.To is null && notification.Payload is not null)
        {
            await FanOutAsync(notification, cancellationToken);
        }
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
