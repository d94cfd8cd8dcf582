using System.Diagnostics;
using System.Net.Sockets;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;

namespace Serverless.Functions.Storage;

/// <summary>
/// What "the storage account cannot be reached" means, decided in one place for the request pipeline, the queue
/// workers, the timers and the start-up work (docs/decisions/0025-storage-goes-away.md): a call that got no answer from
/// storage at all (connection refused or reset, a DNS failure, no answer within <see cref="NetworkTimeout"/>), after the
/// SDK's own retries; storage answering 503; and a managed identity that could not reach its token endpoint. A storage
/// answer (404, 409, 412, 400 …) is not an outage, and neither is a call the caller itself cancelled.
/// </summary>
public static class StorageOutage
{
    /// <summary>Tries after the first: a refused connection gives up in under a second, a silent network in <see cref="CallBudget"/>.</summary>
    public const int MaxRetries = 2;

    /// <summary>How long one try waits for storage's answer (and between reads of it) before it counts as no answer.</summary>
    public static readonly TimeSpan NetworkTimeout = TimeSpan.FromSeconds(4);

    /// <summary>The first wait between tries; it doubles (with the SDK's ±20 % jitter) up to <see cref="MaxRetryDelay"/>.</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(250);

    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>The longest one storage call can take before it gives up: every try timing out, and the waits between them.</summary>
    public static readonly TimeSpan CallBudget = NetworkTimeout * (MaxRetries + 1) + MaxRetryDelay * MaxRetries;

    /// <summary>What a 503 for unreachable storage asks the caller to wait, as <c>Retry-After</c>.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    private const string Marker = "storage.unreachable";

    /// <summary>Whether <paramref name="error"/> means storage could not be reached (see the class summary).</summary>
    public static bool IsUnreachable(Exception error) => error switch
    {
        _ when error.Data.Contains(Marker) => true,
        // The SDK's "Retry failed after N tries": every try failed to reach storage.
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsUnreachable),
        RequestFailedException { Status: 0 or StatusCodes.Status503ServiceUnavailable } => true,
        // A managed identity's token is fetched before the storage call; its endpoint can be just as unreachable.
        AuthenticationFailedException => Causes(error).Any(IsTransportFailure),
        _ => false,
    };

    /// <summary>One line that says why, for a log: the innermost cause's message, never a stack.</summary>
    public static string Reason(Exception error)
    {
        var innermost = Causes(error).Last();
        var line = innermost.Message.Split('\n', 2)[0].Trim();
        return $"{innermost.GetType().Name}: {line}";
    }

    /// <summary>The SDK options every storage client (and the identity that signs its calls) is made with.</summary>
    public static T Configure<T>(T options, StorageHealth? health) where T : ClientOptions
    {
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.MaxRetries = MaxRetries;
        options.Retry.Delay = RetryDelay;
        options.Retry.MaxDelay = MaxRetryDelay;
        options.Retry.NetworkTimeout = NetworkTimeout;
        if (health is not null)
        {
            options.AddPolicy(new ReachabilityPolicy(health), HttpPipelinePosition.PerRetry);
        }
        return options;
    }

    private static bool IsTransportFailure(Exception error) =>
        error is RequestFailedException { Status: 0 } or HttpRequestException or SocketException or IOException or OperationCanceledException;

    private static IEnumerable<Exception> Causes(Exception error)
    {
        for (Exception? cause = error; cause is not null; cause = cause is AggregateException { InnerExceptions.Count: > 0 } aggregate ? aggregate.InnerExceptions[0] : cause.InnerException)
        {
            yield return cause;
        }
    }

    /// <summary>
    /// Sees every try of every storage call: a try that got an answer says storage is reachable, one that failed in
    /// transport (while its caller still wanted it) is marked as an outage and says storage is not.
    /// </summary>
    private sealed class ReachabilityPolicy(StorageHealth health) : HttpPipelinePolicy
    {
        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            try
            {
                await ProcessNextAsync(message, pipeline);
            }
            catch (Exception ex) when (Failed(message, ex))
            {
                throw;
            }
            Answered(message);
        }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            try
            {
                ProcessNext(message, pipeline);
            }
            catch (Exception ex) when (Failed(message, ex))
            {
                throw;
            }
            Answered(message);
        }

        private void Answered(HttpMessage message)
        {
            if (message.HasResponse && message.Response.Status == StatusCodes.Status503ServiceUnavailable)
            {
                health.OnUnreachable(new RequestFailedException(message.Response));
            }
            else
            {
                health.OnReached();
            }
        }

        /// <summary>Marks and reports a transport failure; always false, so the exception goes on unchanged.</summary>
        private bool Failed(HttpMessage message, Exception error)
        {
            if (!message.CancellationToken.IsCancellationRequested && IsTransportFailure(error))
            {
                error.Data[Marker] = true;
                health.OnUnreachable(error);
            }
            return false;
        }
    }
}

/// <summary>
/// Whether storage is reachable, as the last storage call found it: says so in the log once when it goes away and once
/// when it is back (each request that meets the outage logs one line of its own), and tells workers how long to wait.
/// </summary>
public sealed class StorageHealth(ILogger<StorageHealth> logger)
{
    private static readonly TimeSpan MinBackOff = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxBackOff = TimeSpan.FromSeconds(5);

    // A Stopwatch timestamp of the first failure, 0 while storage answers.
    private long downSince;

    public bool IsReachable => Interlocked.Read(ref downSince) == 0;

    /// <summary>
    /// The wait after a worker's failed round: while storage is unreachable, half the outage so far (from
    /// 0.5 s up to 5 s, so a long outage costs few calls and its end is noticed within 5 s); otherwise <paramref name="otherwise"/>.
    /// </summary>
    public Task BackOffAsync(Exception error, TimeSpan otherwise, CancellationToken cancellationToken)
    {
        if (!StorageOutage.IsUnreachable(error))
        {
            return Task.Delay(otherwise, cancellationToken);
        }
        var since = Interlocked.Read(ref downSince);
        var half = since == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(since) / 2;
        return Task.Delay(TimeSpan.FromTicks(Math.Clamp(half.Ticks, MinBackOff.Ticks, MaxBackOff.Ticks)), cancellationToken);
    }

    internal void OnReached()
    {
        var since = Interlocked.Exchange(ref downSince, 0);
        if (since != 0)
        {
            logger.LogInformation("Storage is reachable again after {Seconds:0.0} s", Stopwatch.GetElapsedTime(since).TotalSeconds);
        }
    }

    internal void OnUnreachable(Exception error)
    {
        if (Interlocked.CompareExchange(ref downSince, Math.Max(1, Stopwatch.GetTimestamp()), 0) == 0)
        {
            logger.LogWarning("Storage is unreachable ({Reason}); requests answer 503 and workers back off until it answers again",
                StorageOutage.Reason(error));
        }
    }
}
