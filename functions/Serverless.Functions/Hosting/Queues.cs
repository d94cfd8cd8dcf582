using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Serverless.Functions.Storage;

namespace Serverless.Functions.Hosting;

/// <summary>Handles the messages of one queue. Delivery is at least once, so handling must be idempotent.</summary>
public interface IQueueHandler
{
    Task HandleAsync(string message, long dequeueCount, CancellationToken cancellationToken);

    /// <summary>Called once when the last allowed delivery failed, before the message moves to the poison queue.</summary>
    Task OnPoisonedAsync(string message, Exception error, CancellationToken cancellationToken);
}

/// <summary>Wakes the standalone poller of a queue as soon as this process enqueues to it.</summary>
public sealed class QueueSignal
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> signals = new();

    public void Notify(string queue)
    {
        var signal = For(queue);
        if (signal.CurrentCount == 0)
        {
            signal.Release();
        }
    }

    public Task<bool> WaitAsync(string queue, TimeSpan timeout, CancellationToken cancellationToken) =>
        For(queue).WaitAsync(timeout, cancellationToken);

    private SemaphoreSlim For(string queue) => signals.GetOrAdd(queue, _ => new SemaphoreSlim(0, 1));
}

/// <summary>
/// The one format of queue messages: <see cref="AppJson"/>'s options, for the sender and the handlers alike. Reading is
/// case-insensitive, so messages enqueued before the format was shared (PascalCase names) still read.
/// <para>
/// A message sent while a trace is open carries it: <c>{"$trace":"00-…","$sent":…,"$message":{…}}</c>, the W3C
/// traceparent of the span that sent it and the time it was sent (Unix ms). The dispatcher continues that trace, so one
/// request's whole chain of queue work (an operation, a flow's steps, a notification) is one trace, for every queue
/// sent through <see cref="QueueSender"/>, those added later included. Without a trace the message is the bare JSON.
/// </para>
/// </summary>
public static class QueueMessages
{
    private const string EnvelopeStart = "{\"$trace\":";

    /// <summary>A message opened: its own JSON, and the trace and send time it carried, when it carried them.</summary>
    public readonly record struct Envelope(string Body, ActivityContext Parent, DateTimeOffset? Sent);

    public static string Write<T>(T message)
    {
        var body = JsonSerializer.Serialize(message, TypeInfo<T>());
        return Activity.Current is { IdFormat: ActivityIdFormat.W3C, Id: { } traceparent }
            ? $"{EnvelopeStart}\"{traceparent}\",\"$sent\":{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)},\"$message\":{body}}}"
            : body;
    }

    /// <summary>The message, or null when it is JSON <c>null</c>; malformed JSON throws, so the message is retried and then poisoned.</summary>
    public static T? Read<T>(string message) => JsonSerializer.Deserialize(Open(message).Body, TypeInfo<T>());

    public static Envelope Open(string message)
    {
        if (!message.StartsWith(EnvelopeStart, StringComparison.Ordinal))
        {
            return new Envelope(message, default, null);
        }
        using var document = JsonDocument.Parse(message);
        var root = document.RootElement;
        ActivityContext.TryParse(root.GetProperty("$trace").GetString(), null, out var parent);
        DateTimeOffset? sent = root.TryGetProperty("$sent", out var ms) && ms.TryGetInt64(out var value) ? DateTimeOffset.FromUnixTimeMilliseconds(value) : null;
        return new Envelope(root.GetProperty("$message").GetRawText(), parent, sent);
    }

    private static JsonTypeInfo<T> TypeInfo<T>() =>
        AppJson.Default.GetTypeInfo(typeof(T)) as JsonTypeInfo<T>
            ?? throw new InvalidOperationException($"{typeof(T)} is not a queue message type: add it to {nameof(AppJson)}.");
}

/// <summary>Enqueues a message and wakes this process's poller for it, so work enqueued here starts at once.</summary>
public sealed class QueueSender(StorageAccount storage, QueueSignal signal)
{
    public Task SendAsync<T>(string queue, T message, CancellationToken cancellationToken = default) =>
        SendRawAsync(queue, QueueMessages.Write(message), cancellationToken);

    /// <summary>A message already written with <see cref="QueueMessages.Write{T}"/>.</summary>
    public async Task SendRawAsync(string queue, string text, CancellationToken cancellationToken = default)
    {
        await storage.Queue(queue).SendMessageAsync(text, cancellationToken);
        Telemetry.QueueMessagesSent.Add(1, new KeyValuePair<string, object?>("queue", queue));
        signal.Notify(queue);
    }
}

/// <summary>
/// Runs one delivery the same way in both modes: the Functions host's queue trigger, or the standalone poller. After
/// <see cref="MaxDequeueCount"/> failed deliveries (host.json's maxDequeueCount) the handler hears of it and the
/// message moves to <c>&lt;queue&gt;-poison</c>.
/// </summary>
public sealed class QueueDispatcher(IServiceProvider services, IEnumerable<QueueTrigger> triggers, ILogger<QueueDispatcher> logger)
{
    public const int MaxDequeueCount = 5;

    public IReadOnlyList<string> Queues { get; } = triggers.Select(t => t.Queue).ToList();

    /// <summary>Returns normally when the message is done with; throws when it should be delivered again or poisoned.</summary>
    public async Task DeliverAsync(string queue, string message, long dequeueCount, CancellationToken cancellationToken)
    {
        var handler = services.GetRequiredKeyedService<IQueueHandler>(queue);
        var envelope = QueueMessages.Open(message);
        var tag = new KeyValuePair<string, object?>("queue", queue);
        // The span that sent the message is this delivery's parent: the request and its queue work are one trace.
        using var activity = Telemetry.Source.StartActivity($"process {queue}", ActivityKind.Consumer, envelope.Parent);
        activity?.SetTag("messaging.system", "azure_queue").SetTag("messaging.destination.name", queue).SetTag("messaging.message.delivery_count", dequeueCount);
        if (envelope.Sent is { } sent)
        {
            Telemetry.QueueMessageAge.Record(Math.Max(0, (DateTimeOffset.UtcNow - sent).TotalSeconds), tag);
        }
        try
        {
            await handler.HandleAsync(envelope.Body, dequeueCount, cancellationToken);
            Telemetry.QueueDeliveries.Add(1, tag, new("outcome", "handled"));
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Delivery {DequeueCount} of a message on {Queue} failed", dequeueCount, queue);
            activity?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            var poisoned = dequeueCount >= MaxDequeueCount;
            Telemetry.QueueDeliveries.Add(1, tag, new("outcome", poisoned ? "poisoned" : "failed"));
            if (poisoned)
            {
                await handler.OnPoisonedAsync(envelope.Body, ex, cancellationToken);
            }
            throw;
        }
    }
}

/// <summary>
/// Standalone mode's stand-in for the host's queue triggers: receives, delivers, deletes on success, backs off on
/// failure, and moves a message that failed <see cref="QueueDispatcher.MaxDequeueCount"/> times to the poison queue.
/// It wakes as soon as this process enqueues, and polls as a fallback for work enqueued elsewhere.
/// </summary>
public sealed class QueuePoller(
    QueueDispatcher dispatcher,
    StorageAccount storage,
    QueueSignal signal,
    StartupWork startup,
    StorageHealth health,
    IConfiguration configuration,
    ILogger<QueuePoller> logger) : BackgroundService
{
    /// <summary>How long a received message stays hidden; handlers finish well within it, or are redelivered.</summary>
    private static readonly TimeSpan Visibility = TimeSpan.FromMinutes(5);

    private readonly TimeSpan pollInterval = configuration.GetValue("QUEUE_POLL_INTERVAL", TimeSpan.FromSeconds(5));
    private readonly TimeSpan retryDelay = configuration.GetValue("QUEUE_RETRY_DELAY", TimeSpan.FromSeconds(2));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await startup.Ready.WaitAsync(stoppingToken);
        await Task.WhenAll(dispatcher.Queues.Select(q => PollAsync(q, stoppingToken)));
    }

    private async Task PollAsync(string queue, CancellationToken stoppingToken)
    {
        var client = storage.Queue(queue);
        var poison = storage.Queue(queue + "-poison");
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var messages = (await client.ReceiveMessagesAsync(16, Visibility, stoppingToken)).Value;
                if (messages.Length == 0)
                {
                    await signal.WaitAsync(queue, pollInterval, stoppingToken);
                    continue;
                }
                await Task.WhenAll(messages.Select(async message =>
                {
                    try
                    {
                        await dispatcher.DeliverAsync(queue, message.MessageText, message.DequeueCount, stoppingToken);
                        await client.DeleteMessageAsync(message.MessageId, message.PopReceipt, stoppingToken);
                    }
                    catch (Exception) when (!stoppingToken.IsCancellationRequested && message.DequeueCount >= QueueDispatcher.MaxDequeueCount)
                    {
                        await poison.SendMessageAsync(message.MessageText, stoppingToken);
                        await client.DeleteMessageAsync(message.MessageId, message.PopReceipt, stoppingToken);
                    }
                    catch (Exception) when (!stoppingToken.IsCancellationRequested)
                    {
                        // Retry after a delay that doubles with each failed delivery.
                        var delay = retryDelay * Math.Pow(2, message.DequeueCount - 1);
                        await client.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: delay, cancellationToken: stoppingToken);
                    }
                }));
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                if (!StorageOutage.IsUnreachable(ex))
                {
                    logger.LogError(ex, "Polling {Queue} failed; trying again shortly", queue);
                }
                // Unreachable storage was logged once by StorageHealth; the wait grows while it lasts.
                await health.BackOffAsync(ex, pollInterval, stoppingToken);
            }
        }
    }
}
