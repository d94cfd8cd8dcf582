using Serverless.Functions.Hosting;

namespace Serverless.Functions.Operations;

/// <summary>
/// Every five minutes: removes operations that finished longer than <c>OPERATIONS_RETENTION</c> ago (default 7 days),
/// and re-enqueues operations left pending or running for <see cref="StaleAfter"/> — work accepted just before a crash,
/// whose message was never sent or was lost. Handlers are idempotent, so a duplicate delivery is harmless.
/// </summary>
public sealed class OperationsMaintenance(OperationStore store, OperationsEngine engine, IConfiguration configuration, TimeProvider time,
    ILogger<OperationsMaintenance> logger) : ITimerJob
{
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(15);

    public const string Name = "OperationsMaintenance";

    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);

    public TimeSpan Retention { get; } = configuration.GetValue("OPERATIONS_RETENTION", TimeSpan.FromDays(7));

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var (removed, requeued) = await SweepAsync(now - Retention, now - StaleAfter, cancellationToken);
        logger.LogInformation("Operations maintenance removed {Removed} and re-enqueued {Requeued}", removed, requeued);
    }

    public async Task<(int Removed, int Requeued)> SweepAsync(DateTimeOffset finishedBefore, DateTimeOffset staleBefore, CancellationToken cancellationToken)
    {
        var removed = 0;
        await foreach (var operation in store.FinishedBeforeAsync(finishedBefore, cancellationToken))
        {
            await store.DeleteAsync(operation, cancellationToken);
            removed++;
        }
        var requeued = 0;
        await foreach (var operation in store.UnfinishedSinceBeforeAsync(staleBefore, cancellationToken))
        {
            await engine.EnqueueAsync(operation.Id, cancellationToken);
            requeued++;
        }
        return (removed, requeued);
    }
}
