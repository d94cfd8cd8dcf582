using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Serverless.Functions.Hosting;
using Serverless.Functions.Identity;
using Serverless.Functions.StatusPage.Cachet;
using Serverless.Functions.Storage;

namespace Serverless.Functions.StatusPage.Notifications;

// StatusNotifications: PK = pageId, RK = notificationId (24-hex, time-ordered) → Subject, Body, ComponentId (0: every
// subscriber), To (one address, for verification mail; else the page's verified subscribers), State (pending, sent,
// recorded when no SMTP host is set, suppressed during maintenance) and Sent (JSON array of addresses already mailed).

public sealed class StatusNotificationEntity : TableRow
{
    public const string Pending = "pending";
    public const string Sent = "sent";
    public const string Recorded = "recorded";
    public const string Suppressed = "suppressed";

    public string Id => RowKey;
    public string Kind { get; set; } = "";
    public string Subject { get; set; } = "";
    public string Body { get; set; } = "";
    public string? To { get; set; }
    public int ComponentId { get; set; }
    public string State { get; set; } = Pending;
    public string SentTo { get; set; } = "[]";

    /// <summary>The page's public URL when the notification was written, for the links in the mail.</summary>
    public string BaseUrl { get; set; } = "";
    public DateTimeOffset Created { get; set; }

    public List<string> SentList() => JsonSerializer.Deserialize<List<string>>(SentTo) ?? [];
}

/// <summary>
/// Notifications to subscribers go through an outbox (spec §4 item 5): the request writes a pending row and enqueues
/// its id; <see cref="StatusNotificationSender"/> mails each recipient once and marks the row done. A lost message is
/// picked up again by the sweep job, so nothing accepted is dropped.
/// </summary>
public sealed class StatusNotifier(StorageAccount storage, StatusItemStore items, QueueSender queues, TimeProvider time, ILogger<StatusNotifier> logger)
{
    public const string Queue = StorageLayout.Queues.StatusNotifications;

    private readonly TableClient table = storage.Table(StorageLayout.Tables.StatusNotifications);

    public Task IncidentCreatedAsync(CachetPage page, StatusIncident incident, CancellationToken cancellationToken) =>
        incident.Visibility == Visibility.Public
            ? RecordAsync(page, "incident", $"{page.Page.Name}: {incident.Name}",
                $"New incident: {incident.Name}\nStatus: {incident.IncidentStatus.Label()}\n\n{incident.Message}",
                incident.ComponentId, suppressible: true, cancellationToken)
            : Task.CompletedTask;

    public Task IncidentUpdatedAsync(CachetPage page, StatusIncident incident, StatusIncidentUpdate update, CancellationToken cancellationToken) =>
        RecordAsync(page, "incident-update", $"{page.Page.Name}: {incident.Name} ({update.IncidentStatus.Label()})",
            $"{incident.Name} is now {update.IncidentStatus.Label()}.\n\n{update.Message}",
            incident.ComponentId, suppressible: true, cancellationToken);

    public Task ComponentStatusChangedAsync(CachetPage page, StatusComponent component, ComponentStatus before, CancellationToken cancellationToken) =>
        RecordAsync(page, "component", $"{page.Page.Name}: {component.Name} is {component.ComponentStatus.Label()}",
            $"{component.Name} changed from {before.Label()} to {component.ComponentStatus.Label()}.",
            component.Id, suppressible: true, cancellationToken);

    public Task ScheduleCreatedAsync(CachetPage page, StatusSchedule schedule, CancellationToken cancellationToken) =>
        RecordAsync(page, "schedule", $"{page.Page.Name}: scheduled maintenance {schedule.Name}",
            $"Scheduled maintenance: {schedule.Name}\nStarts: {CachetClock.Utc(schedule.ScheduledAt)} UTC\n\n{schedule.Message}",
            0, suppressible: false, cancellationToken);

    public Task VerificationAsync(StatusPageEntity page, StatusSubscriber subscriber, string baseUrl, CancellationToken cancellationToken) =>
        WriteAsync(new StatusNotificationEntity
        {
            PartitionKey = page.PageId,
            BaseUrl = baseUrl,
            Kind = "verify",
            Subject = $"Confirm your subscription to {page.Name}",
            Body = $"Confirm that you want updates from {page.Name}:\n{baseUrl}/subscribe/verify/{subscriber.VerifyCode}\n\nIf you did not ask for them, ignore this message.",
            To = subscriber.Email,
        }, cancellationToken);

    private async Task RecordAsync(CachetPage page, string kind, string subject, string body, int componentId, bool suppressible,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        // Incident, update and component mail waits out no maintenance: it is not sent while a window is in progress.
        var inMaintenance = suppressible && (await items.ListAsync<StatusSchedule>(page.PageId, cancellationToken))
            .Any(s => s.ScheduledAt <= now && s.ScheduleStatus != ScheduleStatus.Complete && (s.CompletedAt is null || s.CompletedAt > now));
        await WriteAsync(new StatusNotificationEntity
        {
            PartitionKey = page.PageId,
            BaseUrl = page.BaseUrl,
            Kind = kind,
            Subject = subject,
            Body = body,
            ComponentId = componentId,
            State = inMaintenance ? StatusNotificationEntity.Suppressed : StatusNotificationEntity.Pending,
        }, cancellationToken);
    }

    private async Task WriteAsync(StatusNotificationEntity notification, CancellationToken cancellationToken)
    {
        notification.RowKey = Ids.New(time);
        notification.Created = time.GetUtcNow();
        await table.AddEntityAsync(notification, cancellationToken);
        logger.LogInformation("Notification {NotificationId} ({Kind}) for page {PageId} is {State}", notification.Id, notification.Kind,
            notification.PartitionKey, notification.State);
        if (notification.State == StatusNotificationEntity.Pending)
        {
            await EnqueueAsync(notification, cancellationToken);
        }
    }

    public async Task EnqueueAsync(StatusNotificationEntity notification, CancellationToken cancellationToken)
    {
        await queues.SendAsync(Queue, new NotificationMessage(notification.PartitionKey, notification.Id), cancellationToken);
    }

    public sealed record NotificationMessage(string PageId, string Id);
}

/// <summary>
/// Mails one outbox row to its recipients. Idempotent: each address is recorded as mailed before the next is tried,
/// so a retry mails only those not reached yet. With no SMTP host the row is marked recorded, and nothing is sent.
/// </summary>
public sealed class StatusNotificationSender(StorageAccount storage, StatusItemStore items, Mailer mailer,
    ILogger<StatusNotificationSender> logger) : IQueueHandler
{
    private readonly TableClient table = storage.Table(StorageLayout.Tables.StatusNotifications);

    public async Task HandleAsync(string message, long dequeueCount, CancellationToken cancellationToken)
    {
        var (pageId, id) = JsonSerializer.Deserialize<StatusNotifier.NotificationMessage>(message)
            ?? throw new FormatException("The message is not a notification id.");
        var row = await table.GetEntityIfExistsAsync<StatusNotificationEntity>(pageId, id, cancellationToken: cancellationToken);
        if (!row.HasValue || row.Value!.State != StatusNotificationEntity.Pending)
        {
            return;
        }
        await SendAsync(row.Value, cancellationToken);
    }

    public async Task SendAsync(StatusNotificationEntity notification, CancellationToken cancellationToken)
    {
        var recipients = await RecipientsAsync(notification, cancellationToken);
        if (!mailer.IsConfigured)
        {
            notification.State = StatusNotificationEntity.Recorded;
            await table.UpdateEntityAsync(notification, notification.ETag, TableUpdateMode.Replace, cancellationToken);
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
            notification.SentTo = JsonSerializer.Serialize(sent);
            var response = await table.UpdateEntityAsync(notification, notification.ETag, TableUpdateMode.Replace, cancellationToken);
            notification.ETag = response.Headers.ETag ?? default;
        }
        notification.State = StatusNotificationEntity.Sent;
        await table.UpdateEntityAsync(notification, notification.ETag, TableUpdateMode.Replace, cancellationToken);
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
        var note = JsonSerializer.Deserialize<StatusNotifier.NotificationMessage>(message);
        if (note is null)
        {
            return;
        }
        var row = await table.GetEntityIfExistsAsync<StatusNotificationEntity>(note.PageId, note.Id, cancellationToken: cancellationToken);
        if (row.HasValue)
        {
            row.Value!.State = "failed";
            await table.UpdateEntityAsync(row.Value, ETag.All, TableUpdateMode.Replace, cancellationToken);
        }
        logger.LogWarning("Notification {NotificationId} failed for good: {Error}", note.Id, error.Message);
    }
}

/// <summary>
/// Re-enqueues outbox rows still pending a minute after they were written, should their message be lost, and deletes
/// finished rows after <see cref="Retention"/>: they are a record of what was sent, not the data of a page.
/// </summary>
public sealed class StatusNotificationSweep(StorageAccount storage, StatusNotifier notifier, TimeProvider time) : ITimerJob
{
    public const string Name = "StatusNotificationSweep";
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan Retention = TimeSpan.FromDays(30);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var table = storage.Table(StorageLayout.Tables.StatusNotifications);
        var stale = await table.ListAsync<StatusNotificationEntity>(
            TableClient.CreateQueryFilter($"State eq {StatusNotificationEntity.Pending} and Created lt {now.AddMinutes(-1)}"), cancellationToken);
        foreach (var notification in stale)
        {
            await notifier.EnqueueAsync(notification, cancellationToken);
        }
        var expired = await table.ListAsync<StatusNotificationEntity>(
            TableClient.CreateQueryFilter($"State ne {StatusNotificationEntity.Pending} and Created lt {now - Retention}"), cancellationToken);
        foreach (var notification in expired)
        {
            await table.DeleteIfExistsAsync(notification.PartitionKey, notification.RowKey, cancellationToken);
        }
    }
}
