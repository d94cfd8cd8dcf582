using Azure;

namespace Serverless.Functions.Storage;

/// <summary>
/// The one retry for optimistic-concurrency conflicts. Each attempt reads, changes and writes with the ETag it read;
/// a 412 (someone wrote since the read) or a 409 (someone added the row first) means: read again and re-apply. After
/// <see cref="MaxAttempts"/> the conflict propagates, and the surfaces answer it as a 409 or 412.
/// </summary>
public static class OptimisticConcurrency
{
    /// <summary>Enough for a burst of writers on one row; a conflict this persistent is worth telling the caller about.</summary>
    public const int MaxAttempts = 10;

    public static async Task<T> RetryAsync<T>(Func<Task<T>> attempt)
    {
        for (var attempts = 1; ; attempts++)
        {
            try
            {
                return await attempt();
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempts < MaxAttempts)
            {
                // Another writer got there first: go round again with their version.
            }
        }
    }

    public static Task RetryAsync(Func<Task> attempt) => RetryAsync(async () =>
    {
        await attempt();
        return true;
    });
}
