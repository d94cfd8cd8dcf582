using System.Globalization;
using System.Text.Json.Nodes;
using Serverless.Functions.Hosting;
using Serverless.Functions.Identity;
using Serverless.Functions.StatusPage.Cachet;
using Serverless.Functions.StatusPage.Statuspage;
using Serverless.Functions.Storage;

namespace Serverless.Functions.StatusPage.Notifications;

/// <summary>
/// Notifications to subscribers go through an outbox: the request writes a pending row and enqueues
/// its id; <see cref="StatusNotificationSender"/> mails each recipient once and marks the row done. A lost message is
/// picked up again by the sweep job, so nothing accepted is dropped.
/// </summary>
public sealed class StatusNotifier(StatusNotificationStore notifications, StatusItemStore items, QueueSender queues, TimeProvider time, ILogger<StatusNotifier> logger)
{
    public const string Queue = StorageLayout.Queues.StatusNotifications;

    public Task IncidentCreatedAsync(CachetPage page, StatusIncident incident, CancellationToken cancellationToken) =>
        incident.Visibility == Visibility.Public
            ? RecordAsync(page, "incident", $"{page.Page.Name}: {incident.Name}",
                $"New incident: {incident.Name}\nStatus: {incident.IncidentStatus.Label()}\n\n{incident.Message}",
                incident.ComponentId, suppressible: true, cancellationToken, "incident.created", d => new() { ["incident"] = d.IncidentOf(incident.Id) })
            : Task.CompletedTask;

    public Task IncidentUpdatedAsync(CachetPage page, StatusIncident incident, StatusIncidentUpdate update, CancellationToken cancellationToken) =>
        RecordAsync(page, "incident-update", $"{page.Page.Name}: {incident.Name} ({update.IncidentStatus.Label()})",
            $"{incident.Name} is now {update.IncidentStatus.Label()}.\n\n{update.Message}",
            incident.ComponentId, suppressible: true, cancellationToken, "incident.updated", d => new() { ["incident"] = d.IncidentOf(incident.Id) });

    public Task ComponentStatusChangedAsync(CachetPage page, StatusComponent component, ComponentStatus before, CancellationToken cancellationToken) =>
        RecordAsync(page, "component", $"{page.Page.Name}: {component.Name} is {component.ComponentStatus.Label()}",
            $"{component.Name} changed from {before.Label()} to {component.ComponentStatus.Label()}.",
            component.Id, suppressible: true, cancellationToken, "component.updated", d => new()
            {
                ["component_update"] = new JsonObject
                {
                    ["created_at"] = component.UpdatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
                    ["old_status"] = StatuspageDocuments.StatusWord(before),
                    ["new_status"] = StatuspageDocuments.StatusWord(component.ComponentStatus),
                    ["component_id"] = component.Id.ToString(CultureInfo.InvariantCulture),
                },
                ["component"] = d.ComponentOf(component.Id),
            });

    public Task ScheduleCreatedAsync(CachetPage page, StatusSchedule schedule, CancellationToken cancellationToken) =>
        RecordAsync(page, "schedule", $"{page.Page.Name}: scheduled maintenance {schedule.Name}",
            $"Scheduled maintenance: {schedule.Name}\nStarts: {CachetClock.Utc(schedule.ScheduledAt)} UTC\n\n{schedule.Message}",
            0, suppressible: false, cancellationToken, "maintenance.scheduled", d => new() { ["scheduled_maintenance"] = d.MaintenanceOf(schedule.Id) });

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
        CancellationToken cancellationToken, string? eventName = null, Func<StatuspageDocuments, JsonObject>? describe = null)
    {
        var now = time.GetUtcNow();
        string? payload = null;
        if (eventName is not null && describe is not null)
        {
            // The event as the page's Statuspage JSON shows it now, so a webhook reads the same shapes as /api/v2.
            var documents = await StatuspageDocuments.LoadAsync(items, page.Page, page.BaseUrl, page.Page.Zone(), cancellationToken);
            var described = describe(documents);
            described["event"] = eventName;
            described["page"] = documents.PageWithStatus();
            payload = described.ToJsonString();
        }
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
            Payload = payload,
            State = inMaintenance ? StatusNotificationEntity.Suppressed : StatusNotificationEntity.Pending,
        }, cancellationToken);
    }

    private async Task WriteAsync(StatusNotificationEntity notification, CancellationToken cancellationToken)
    {
        notification.RowKey = Ids.New(time);
        notification.Created = time.GetUtcNow();
        await notifications.AddAsync(notification, cancellationToken);
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
