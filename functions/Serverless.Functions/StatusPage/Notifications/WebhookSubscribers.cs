using System.Runtime.Serialization;
using System.Security.Cryptography;
using System.Text.Json;
using Serverless.Functions.Storage;

namespace Serverless.Functions.StatusPage.Notifications;

/// <summary>
/// A webhook or Slack subscriber, an item of its page (RK = <c>webhook-{id:D10}</c> in StatusItems). Its URL (a Slack
/// incoming-webhook URL is a credential) and its signing secret are sealed by <see cref="SecretBox"/>; only the URL's
/// host is kept in the clear, to show. Verified by the test delivery made when it subscribes; disabled after
/// <see cref="WebhookSubscribers.DisableAfter"/> failed attempts in a row.
/// </summary>
public sealed class StatusWebhook : StatusItem, IStatusKind
{
    public const string WebhookType = "webhook";
    public const string SlackType = "slack";

    public static string Kind => "webhook";

    /// <summary><see cref="WebhookType"/> (signed JSON) or <see cref="SlackType"/> (a formatted message).</summary>
    public string Type { get; set; } = WebhookType;

    public string SealedUrl { get; set; } = "";
    public string Host { get; set; } = "";

    /// <summary>The HMAC key of a webhook's signatures; empty for Slack.</summary>
    public string SealedSecret { get; set; } = "";

    /// <summary>JSON array of component ids; empty: every component.</summary>
    public string Components { get; set; } = "[]";

    public DateTimeOffset? VerifiedAt { get; set; }
    public DateTimeOffset? DisabledAt { get; set; }

    /// <summary>Failed delivery attempts since the last success.</summary>
    public int Failures { get; set; }
    public string? LastError { get; set; }

    [IgnoreDataMember]
    public bool Active => VerifiedAt is not null && DisabledAt is null;

    public IReadOnlyList<int> ComponentIds() => JsonSerializer.Deserialize(Components, AppJson.Default.ListInt32) ?? [];

    /// <summary>Whether a notification about <paramref name="componentId"/> (0: the whole page) reaches it.</summary>
    public bool Wants(int componentId) => componentId == 0 || ComponentIds() is not { Count: > 0 } ids || ids.Contains(componentId);
}

/// <summary>Adding, finding and retiring webhook and Slack subscribers, with their secrets sealed.</summary>
public sealed class WebhookSubscribers(StatusItemStore store, SecretBox secrets)
{
    /// <summary>Failed attempts in a row (of any of its deliveries) after which a subscriber is disabled.</summary>
    public const int DisableAfter = 5;

    private const string UrlPurpose = "status-webhook-url";
    private const string SecretPurpose = "status-webhook-secret";

    /// <summary>A new subscriber, not stored yet, and its secret in the clear (shown once).</summary>
    public (StatusWebhook Webhook, string? Secret) New(string type, Uri url, IReadOnlyCollection<int> componentIds, DateTimeOffset now)
    {
        var secret = type == StatusWebhook.WebhookType ? "whsec_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)) : null;
        return (new StatusWebhook
        {
            Type = type,
            SealedUrl = secrets.Seal(url.AbsoluteUri, UrlPurpose),
            Host = url.Host,
            SealedSecret = secret is null ? "" : secrets.Seal(secret, SecretPurpose),
            Components = JsonSerializer.Serialize(componentIds.Order().ToList(), AppJson.Default.ListInt32),
            CreatedAt = now,
            UpdatedAt = now,
        }, secret);
    }

    public Task<StatusWebhook> AddAsync(string pageId, StatusWebhook webhook, CancellationToken cancellationToken = default) =>
        store.AddAsync(pageId, webhook, cancellationToken);

    public Uri UrlOf(StatusWebhook webhook) => new(secrets.Open(webhook.SealedUrl, UrlPurpose));

    public string? SecretOf(StatusWebhook webhook) => webhook.SealedSecret.Length == 0 ? null : secrets.Open(webhook.SealedSecret, SecretPurpose);

    public async Task<IReadOnlyList<StatusWebhook>> ActiveAsync(string pageId, int componentId, CancellationToken cancellationToken = default) =>
        (await store.ListAsync<StatusWebhook>(pageId, cancellationToken)).Where(w => w.Active && w.Wants(componentId)).ToList();

    /// <summary>Counts an attempt's outcome: a success clears the count, the <see cref="DisableAfter"/>th failure in a row disables.</summary>
    public Task<StatusWebhook?> RecordAttemptAsync(string pageId, int id, string? error, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        store.MutateAsync<StatusWebhook>(pageId, id, w =>
        {
            w.Failures = error is null ? 0 : w.Failures + 1;
            w.LastError = error ?? w.LastError;
            if (w.Failures >= DisableAfter && w.DisabledAt is null)
            {
                w.DisabledAt = now;
            }
            w.UpdatedAt = now;
        }, cancellationToken);
}
