using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Serverless.Functions.Errors;
using Serverless.Functions.Hosting;

namespace Serverless.Functions.StatusPage.Notifications;

/// <summary>
/// One POST to a webhook or Slack subscriber, through the guarded outbound client. A webhook receives the event's JSON
/// signed with its secret: <c>X-Status-Signature: sha256=HEX(HMAC-SHA256(secret, "{timestamp}.{body}"))</c> beside
/// <c>X-Status-Timestamp</c> (Unix seconds), and <c>X-Status-Event</c> and <c>X-Status-Delivery</c> (the same on every
/// retry, so a receiver can drop a repeat). Slack receives <c>{"text": …}</c> in its mrkdwn.
/// </summary>
public sealed class WebhookDelivery(IHttpClientFactory http, WebhookSubscribers subscribers, TimeProvider time)
{
    public const string SignatureHeader = "X-Status-Signature";
    public const string TimestampHeader = "X-Status-Timestamp";
    public const string EventHeader = "X-Status-Event";
    public const string DeliveryHeader = "X-Status-Delivery";

    /// <summary>Posts; null on a 2xx, else what went wrong, in words fit to store and show to the page's admins.</summary>
    public async Task<string?> SendAsync(StatusWebhook webhook, string deliveryId, string eventName, string subject, string text, string? payload,
        string pageUrl, CancellationToken cancellationToken)
    {
        var body = webhook.Type == StatusWebhook.SlackType
            ? new JsonObject { ["text"] = SlackText(subject, text, pageUrl) }.ToJsonString()
            : payload ?? new JsonObject { ["event"] = eventName, ["message"] = text }.ToJsonString();
        using var request = new HttpRequestMessage(HttpMethod.Post, subscribers.UrlOf(webhook))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (subscribers.SecretOf(webhook) is { } secret)
        {
            var timestamp = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            request.Headers.Add(TimestampHeader, timestamp);
            request.Headers.Add(SignatureHeader, "sha256=" + Sign(secret, timestamp, body));
            request.Headers.Add(EventHeader, eventName);
            request.Headers.Add(DeliveryHeader, deliveryId);
        }
        try
        {
            using var response = await OutboundHttp.Create(http).SendAsync(request, cancellationToken);
            return response.IsSuccessStatusCode ? null : $"The endpoint answered {(int)response.StatusCode}.";
        }
        catch (Exception ex) when (OutboundHttp.RefusalOf(ex) is { } refused)
        {
            return refused.Message;
        }
        catch (HttpRequestException ex)
        {
            return $"The endpoint could not be reached: {ex.HttpRequestError}.";
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return "The endpoint did not answer within 30 seconds.";
        }
    }

    /// <summary>
    /// Subscribes a webhook or Slack URL once a test delivery to it succeeds, so a subscriber is verified by its own
    /// endpoint; otherwise a 400 naming <c>url</c>, and nothing is stored. Returns the subscriber and, for a webhook, its
    /// signing secret in the clear (shown once).
    /// </summary>
    public async Task<(StatusWebhook Webhook, string? Secret)> SubscribeAsync(StatusPageEntity page, string pageUrl, string type, Uri url,
        IReadOnlyCollection<int> componentIds, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var (webhook, secret) = subscribers.New(type, url, componentIds, now);
        var test = new JsonObject
        {
            ["event"] = "test",
            ["page"] = new JsonObject { ["id"] = page.PageId, ["name"] = page.Name, ["url"] = pageUrl },
            ["message"] = $"A test delivery from {page.Name}: this endpoint will receive its incidents, their updates and component changes.",
        };
        var error = await SendAsync(webhook, "test-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), "test",
            $"Subscribed to {page.Name}", $"This channel will receive incidents, their updates and component changes of {page.Name}.",
            test.ToJsonString(), pageUrl, cancellationToken);
        if (error is not null)
        {
            throw new ApiException(ApiError.ForStatus(400, $"The url did not accept the test delivery: {error}") with { Code = "validation", Pointer = "url" });
        }
        webhook.VerifiedAt = now;
        return (await subscribers.AddAsync(page.PageId, webhook, cancellationToken), secret);
    }

    public static string Sign(string secret, string timestamp, string body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));

    /// <summary>Slack's mrkdwn: the subject bold, the text, and a link to the page; &amp;, &lt; and &gt; escaped as Slack asks.</summary>
    private static string SlackText(string subject, string text, string pageUrl) =>
        $"*{Escape(subject)}*\n{Escape(text)}\n<{pageUrl}|View the status page>";

    private static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal);
}
