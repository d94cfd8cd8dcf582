using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
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
/// <remarks>
/// Like the host's listener, each queue runs up to <c>QUEUE_CONCURRENCY</c> messages at once and receives more as soon
/// as half of them are done, so one slow message never holds the others back. A received message is hidden for
/// <c>QUEUE_VISIBILITY_TIMEOUT</c> only, and that is renewed every third of it while its handler works: a process
/// killed mid-way gives its messages back within that time, not after minutes (docs/decisions/0023).
/// </remarks>
public sealed class QueuePoller(
    QueueDispatcher dispatcher,
    StorageAccount storage,
    QueueSignal signal,
    StartupWork startup,
    StorageHealth health,
    IConfiguration configuration,
    ILogger<QueuePoller> logger) : BackgroundService
{
    /// <summary>The most messages one receive call may ask for.</summary>
    private const int MaxReceive = 32;

    private readonly TimeSpan pollInterval = configuration.GetValue("QUEUE_POLL_INTERVAL", TimeSpan.FromSeconds(5));
    private readonly TimeSpan retryDelay = configuration.GetValue("QUEUE_RETRY_DELAY", TimeSpan.FromSeconds(2));
    private readonly TimeSpan visibility = configuration.GetValue("QUEUE_VISIBILITY_TIMEOUT", TimeSpan.FromSeconds(30));
    private readonly int concurrency = (int)Settings.PositiveWholeNumber(configuration, "QUEUE_CONCURRENCY", 16, 256);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await startup.Ready.WaitAsync(stoppingToken);
        await Task.WhenAll(dispatcher.Queues.Select(q => PollAsync(q, stoppingToken)));
    }

    private async Task PollAsync(string queue, CancellationToken stoppingToken)
    {
        var client = storage.Queue(queue);
        var running = new ConcurrentDictionary<Task, bool>();
        var finished = new SemaphoreSlim(0);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // Take more once half the slots are free, as the host does with newBatchThreshold.
                while (running.Count > concurrency / 2)
                {
                    await finished.WaitAsync(stoppingToken);
                }
                QueueMessage[] messages;
                try
                {
                    messages = (await client.ReceiveMessagesAsync(Math.Min(MaxReceive, concurrency - running.Count), visibility, stoppingToken)).Value;
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    if (!StorageOutage.IsUnreachable(ex))
                    {
                        logger.LogError(ex, "Polling {Queue} failed; trying again shortly", queue);
                    }
                    // Unreachable storage was logged once by StorageHealth; the wait grows while it lasts.
                    await health.BackOffAsync(ex, pollInterval, stoppingToken);
                    continue;
                }
                if (messages.Length == 0)
                {
                    await signal.WaitAsync(queue, pollInterval, stoppingToken);
                    continue;
                }
                foreach (var message in messages)
                {
                    var work = Task.Run(() => ProcessAsync(queue, client, message, stoppingToken), CancellationToken.None);
                    running[work] = true;
                    _ = work.ContinueWith(done =>
                    {
                        running.TryRemove(done, out _);
                        finished.Release();
                    }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        // Messages still being handled at shutdown stay hidden for at most the visibility timeout, then come back.
        await Task.WhenAll(running.Keys);
    }

    private async Task ProcessAsync(string queue, QueueClient client, QueueMessage message, CancellationToken stoppingToken)
    {
        var lease = new Lease(message.PopReceipt);
        Exception? failure = null;
        using (var handling = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
        {
            var renewal = RenewAsync(queue, client, message.MessageId, lease, handling.Token);
            try
            {
                await dispatcher.DeliverAsync(queue, message.MessageText, message.DequeueCount, stoppingToken);
            }
            catch (Exception ex)
            {
                failure = ex;
            }
            handling.Cancel();
            await renewal;
        }
        if (stoppingToken.IsCancellationRequested)
        {
            return;
        }
        try
        {
            if (failure is null)
            {
                await client.DeleteMessageAsync(message.MessageId, lease.PopReceipt, stoppingToken);
            }
            else if (message.DequeueCount >= QueueDispatcher.MaxDequeueCount)
            {
                await storage.Queue(queue + "-poison").SendMessageAsync(message.MessageText, stoppingToken);
                await client.DeleteMessageAsync(message.MessageId, lease.PopReceipt, stoppingToken);
            }
            else
            {
                // Retry after a delay that doubles with each failed delivery.
                var delay = retryDelay * Math.Pow(2, message.DequeueCount - 1);
                await client.UpdateMessageAsync(message.MessageId, lease.PopReceipt, visibilityTimeout: delay, cancellationToken: stoppingToken);
            }
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            // The message comes back when its visibility ends, and handlers are idempotent: nothing is lost.
            logger.LogWarning(ex, "Settling a message on {Queue} failed; it will be delivered again", queue);
        }
    }

    /// <summary>
    /// Keeps a message hidden while its handler works. The update itself is not cancelled when the handler ends, so
    /// the pop receipt it returns is always the one the delete uses.
    /// </summary>
    private async Task RenewAsync(string queue, QueueClient client, string messageId, Lease lease, CancellationToken handling)
    {
        try
        {
            while (true)
            {
                await Task.Delay(visibility / 3, handling);
                var renewed = await client.UpdateMessageAsync(messageId, lease.PopReceipt, visibilityTimeout: visibility, cancellationToken: CancellationToken.None);
                lease.PopReceipt = renewed.Value.PopReceipt;
            }
        }
        catch (OperationCanceledException) when (handling.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // The handler goes on; if it outlives the visibility, the message is delivered again (at least once).
            logger.LogWarning(ex, "Renewing a message's visibility on {Queue} failed", queue);
        }
    }

    /// <summary>The current pop receipt of a received message: each visibility update replaces it.</summary>
    private sealed class Lease(string popReceipt)
    {
        public string PopReceipt { get; set; } = popReceipt;
    }
}
