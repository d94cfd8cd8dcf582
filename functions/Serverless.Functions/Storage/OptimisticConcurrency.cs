using System.Diagnostics.Metrics;
using Azure;
using Serverless.Functions.Errors;

namespace Serverless.Functions.Storage;

/// <summary>
/// The one retry for optimistic-concurrency conflicts. Each attempt reads, changes and writes with the ETag it read;
/// a 412 (someone wrote since the read) or a 409 (someone added the row first) means: read again and re-apply. Between
/// attempts each writer waits a random time under a doubling cap ("full jitter"), so a burst of writers on one row
/// spreads out instead of colliding again in step. After <see cref="MaxAttempts"/> the caller gets a 409 with
/// <c>Retry-After</c>, in its surface's format: nothing was written, and nothing was silently lost (docs/decisions/0026).
/// </summary>
public static class OptimisticConcurrency
{
    /// <summary>
    /// Enough for 100 writers on one row at once on a loaded machine (docs/resilience.md, "Racing writers", gives the most
    /// one write needed); a conflict this persistent is worth telling the caller about.
    /// </summary>
    public const int MaxAttempts = 80;

    private static readonly TimeSpan FirstCap = TimeSpan.FromMilliseconds(4);
    private static readonly TimeSpan LastCap = TimeSpan.FromMilliseconds(200);

    private static readonly Meter Meter = new("Serverless.Functions");

    /// <summary>Conflicts answered by going round again; its rate is the contention on the rows that take them.</summary>
    public static readonly Counter<long> Retries = Meter.CreateCounter<long>("storage.etag.retries", "{retry}", "ETag conflicts retried by a read-modify-write.");

    /// <summary>Attempts a read-modify-write took to go in, when it took more than one.</summary>
    public static readonly Histogram<int> Attempts = Meter.CreateHistogram<int>("storage.etag.attempts", "{attempt}", "Attempts of read-modify-writes that met a conflict.");

    /// <summary>Read-modify-writes that ran out of attempts and answered 409.</summary>
    public static readonly Counter<long> Exhausted = Meter.CreateCounter<long>("storage.etag.exhausted", "{write}", "Read-modify-writes that gave up after MaxAttempts conflicts.");

    public static async Task<T> RetryAsync<T>(Func<Task<T>> attempt)
    {
        for (var attempts = 1; ; attempts++)
        {
            try
            {
                var result = await attempt();
                if (attempts > 1)
                {
                    Attempts.Record(attempts);
                }
                return result;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                // Another writer got there first: go round again with their version, after a random pause.
                if (attempts >= MaxAttempts)
                {
                    Exhausted.Add(1);
                    throw new ApiException(ApiError.ForStatus(StatusCodes.Status409Conflict,
                        "The resource is being changed by many requests at once, and this change could not be applied; nothing was written. Try again."))
                    {
                        RetryAfter = TimeSpan.FromSeconds(1),
                    };
                }
                Retries.Add(1);
                await Task.Delay(Pause(attempts));
            }
        }
    }

    public static Task RetryAsync(Func<Task> attempt) => RetryAsync(async () =>
    {
        await attempt();
        return true;
    });

    /// <summary>A random pause below a cap that doubles with each failed attempt, from 4 ms up to 200 ms.</summary>
    private static TimeSpan Pause(int failedAttempts)
    {
        var cap = Math.Min(LastCap.TotalMilliseconds, FirstCap.TotalMilliseconds * Math.Pow(2, Math.Min(failedAttempts - 1, 10)));
        return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * cap);
    }
}
