using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Serverless.Functions.Storage;

namespace Serverless.Functions.StatusPage.Notifications;

// StatusNotifications: PK = pageId, RK = notificationId (24-hex, time-ordered) → Subject, Body, Payload (the event as
// JSON, for webhooks), ComponentId (0: every subscriber), To (one address, for verification mail; else the page's
// verified subscribers), State (pending, sent, recorded when no SMTP host is set, suppressed during maintenance) and
// Sent (JSON array of addresses already mailed).
// RK = "{notificationId}-w{webhookId:D10}" → one delivery of that notification to a webhook or Slack subscriber (Kind
// "delivery"), made once by the notification's sender (the key makes a repeat a 409), with its Attempts,
// NextAttemptAt (the back-off) and LastError.

public sealed class StatusNotificationEntity : TableRow
{
    public const string Pending = "pending";
    public const string Sent = "sent";
    public const string Recorded = "recorded";
    public const string Suppressed = "suppressed";
    public const string Failed = "failed";

    public const string Delivery = "delivery";

    public string Id => RowKey;
    public string Kind { get; set; } = "";

    /// <summary>The event as JSON (<c>event</c>, <c>page</c>, and the incident, component or maintenance), for webhooks.</summary>
    public string? Payload { get; set; }

    /// <summary>A delivery's subscriber (<see cref="StatusWebhook"/> id).</summary>
    public int WebhookId { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset? NextAttemptAt { get; set; }
    public string? LastError { get; set; }
    public string Subject { get; set; } = "";
    public string Body { get; set; } = "";
    public string? To { get; set; }
    public int ComponentId { get; set; }
    public string State { get; set; } = Pending;
    public string SentTo { get; set; } = "[]";

    /// <summary>The page's public URL when the notification was written, for the links in the mail.</summary>
    public string BaseUrl { get; set; } = "";
    public DateTimeOffset Created { get; set; }

    public List<string> SentList() => JsonSerializer.Deserialize(SentTo, AppJson.Default.ListString) ?? [];
}

public sealed class StatusNotificationStore(StorageAccount storage)
{
    private readonly TableClient table = storage.Table(StorageLayout.Tables.StatusNotifications);

    public Task AddAsync(StatusNotificationEntity notification, CancellationToken cancellationToken = default) =>
        table.AddEntityAsync(notification, cancellationToken);

    /// <summary>Adds the row unless one with its key exists (a sender's retry); true when added.</summary>
    public async Task<bool> TryAddAsync(StatusNotificationEntity notification, CancellationToken cancellationToken = default)
    {
        try
        {
            await table.AddEntityAsync(notification, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    public async Task<StatusNotificationEntity?> GetAsync(string pageId, string id, CancellationToken cancellationToken = default)
    {
        var row = await table.GetEntityIfExistsAsync<StatusNotificationEntity>(pageId, id, cancellationToken: cancellationToken);
        return row.HasValue ? row.Value : null;
    }

    /// <summary>Writes the row back if nobody changed it since it was read, and keeps its new ETag for the next write.</summary>
    public async Task UpdateAsync(StatusNotificationEntity notification, CancellationToken cancellationToken = default)
    {
        var response = await table.UpdateEntityAsync(notification, notification.ETag, TableUpdateMode.Replace, cancellationToken);
        notification.ETag = response.Headers.ETag ?? default;
    }

    /// <summary>A row given up on: failed, whatever else changed it meanwhile.</summary>
    public async Task MarkFailedAsync(string pageId, string id, CancellationToken cancellationToken = default)
    {
        var patch = new TableEntity(pageId, id) { [nameof(StatusNotificationEntity.State)] = StatusNotificationEntity.Failed };
        try
        {
            await table.UpdateEntityAsync(patch, ETag.All, TableUpdateMode.Merge, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Already swept away.
        }
    }

    /// <summary>Rows still pending that were written before <paramref name="before"/>: their message may be lost.</summary>
    public Task<IReadOnlyList<StatusNotificationEntity>> PendingSinceBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken = default) =>
        table.ListAsync<StatusNotificationEntity>(
            TableClient.CreateQueryFilter($"State eq {StatusNotificationEntity.Pending} and Created lt {before}"), cancellationToken);

    /// <summary>Finished rows (sent, recorded, suppressed, failed) written before <paramref name="before"/>.</summary>
    public Task<IReadOnlyList<StatusNotificationEntity>> FinishedBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken = default) =>
        table.ListAsync<StatusNotificationEntity>(
            TableClient.CreateQueryFilter($"State ne {StatusNotificationEntity.Pending} and Created lt {before}"), cancellationToken);

    public Task DeleteAsync(StatusNotificationEntity notification, CancellationToken cancellationToken = default) =>
        table.DeleteIfExistsAsync(notification.PartitionKey, notification.RowKey, cancellationToken);
}
