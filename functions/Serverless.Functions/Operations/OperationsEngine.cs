using System.Text.Json;
using System.Text.Json.Nodes;
using Serverless.Functions.Hosting;
using Serverless.Functions.Identity;
using Serverless.Functions.Storage;

namespace Serverless.Functions.Operations;

/// <summary>One kind of long-running work. Steps run through <see cref="OperationContext.StepAsync"/> so a redelivery
/// skips what is done; each step must itself be safe to repeat, since a crash can come after it and before its checkpoint.</summary>
public interface IOperationHandler
{
    string Kind { get; }

    /// <summary>Does the work; the returned object is the operation's result, shown as it is by the result endpoint.</summary>
    Task<JsonObject> RunAsync(OperationContext context, CancellationToken cancellationToken);
}

public sealed class OperationContext(OperationEntity operation, OperationStore store, TimeProvider time)
{
    private readonly HashSet<string> done = operation.CompletedSteps();

    public string Id => operation.Id;
    public string TenantId => operation.TenantId;
    public string CreatedBy => operation.CreatedBy;
    public string Target => operation.Target;
    public string? Input => operation.Input;

    /// <summary>Runs <paramref name="step"/> unless an earlier delivery finished it, then checkpoints it on the row.</summary>
    public async Task StepAsync(string name, Func<CancellationToken, Task> step, CancellationToken cancellationToken)
    {
        if (done.Contains(name))
        {
            return;
        }
        await step(cancellationToken);
        done.Add(name);
        operation.Steps = JsonSerializer.Serialize(done, AppJson.Default.HashSetString);
        operation.Updated = time.GetUtcNow();
        await store.UpdateAsync(operation, cancellationToken);
    }
}

/// <summary>
/// The 202 / poll / 303 engine: a request writes an operation row and enqueues its id; the worker
/// runs it step by step, checkpointing on the row; poll reads the row. One mechanism for every kind of operation.
/// </summary>
public sealed class OperationsEngine(
    OperationStore store,
    IEnumerable<IOperationHandler> handlers,
    QueueSender queues,
    TimeProvider time,
    ILogger<OperationsEngine> logger) : IQueueHandler
{
    private readonly Dictionary<string, IOperationHandler> handlers = handlers.ToDictionary(h => h.Kind);

    private const string Queue = StorageLayout.Queues.Operations;

    public sealed record Message(string Id);

    /// <summary>Records the operation, then enqueues it; a crash between the two is healed by the maintenance job.</summary>
    public async Task<OperationEntity> StartAsync(string kind, Caller caller, string target, string? input = null,
        string? id = null, CancellationToken cancellationToken = default)
    {
        if (!handlers.ContainsKey(kind))
        {
            throw new InvalidOperationException($"No handler for operations of kind '{kind}'.");
        }
        var now = time.GetUtcNow();
        var operation = new OperationEntity
        {
            PartitionKey = id ?? Ids.New(time),
            Kind = kind,
            TenantId = caller.TenantId,
            CreatedBy = caller.UserId,
            Target = target,
            Input = input,
            Created = now,
            Updated = now,
        };
        await store.AddAsync(operation, cancellationToken);
        await EnqueueAsync(operation.Id, cancellationToken);
        logger.LogInformation("Started operation {OperationId} ({Kind}) on {Target}", operation.Id, kind, target);
        return operation;
    }

    public async Task EnqueueAsync(string operationId, CancellationToken cancellationToken = default)
    {
        await queues.SendAsync(Queue, new Message(operationId), cancellationToken);
    }

    public async Task HandleAsync(string message, long dequeueCount, CancellationToken cancellationToken)
    {
        var operation = await store.GetAsync(ParseId(message), cancellationToken);
        if (operation is null || OperationStatus.IsFinished(operation.Status))
        {
            return; // Deleted, or a redelivery of finished work: nothing to do.
        }
        operation.Status = OperationStatus.Running;
        operation.Attempts = (int)dequeueCount;
        operation.Updated = time.GetUtcNow();
        await store.UpdateAsync(operation, cancellationToken);

        var result = await handlers[operation.Kind].RunAsync(new OperationContext(operation, store, time), cancellationToken);

        operation.Status = OperationStatus.Succeeded;
        operation.Result = JsonSerializer.Serialize(result, AppJson.Default.JsonObject);
        operation.Completed = operation.Updated = time.GetUtcNow();
        await store.UpdateAsync(operation, cancellationToken);
        RecordTurnaround(operation);
        logger.LogInformation("Operation {OperationId} ({Kind}) succeeded after {Attempts} attempt(s)", operation.Id, operation.Kind, dequeueCount);
    }

    /// <summary>The last delivery failed: the operation ends failed, with the reason, before its message is poisoned.</summary>
    public Task OnPoisonedAsync(string message, Exception error, CancellationToken cancellationToken) =>
        // A step may checkpoint between the read and the write; then read again.
        OptimisticConcurrency.RetryAsync(async () =>
        {
            var operation = await store.GetAsync(ParseId(message), cancellationToken);
            if (operation is null || OperationStatus.IsFinished(operation.Status))
            {
                return;
            }
            operation.Status = OperationStatus.Failed;
            // Any other exception's message may carry storage's response or a host name: the caller gets the id to quote,
            // and the log keeps the detail under that id.
            operation.Error = error is Errors.ApiException api ? api.Message : $"The operation failed; quote operation id {operation.Id} when reporting it.";
            operation.Completed = operation.Updated = time.GetUtcNow();
            await store.UpdateAsync(operation, cancellationToken);
            RecordTurnaround(operation);
            logger.LogWarning(error, "Operation {OperationId} ({Kind}) failed: {Reason}", operation.Id, operation.Kind, operation.Error);
        });

    private static void RecordTurnaround(OperationEntity operation) =>
        Telemetry.OperationTurnaround.Record(((operation.Completed ?? operation.Updated) - operation.Created).TotalSeconds,
            new KeyValuePair<string, object?>("kind", operation.Kind), new KeyValuePair<string, object?>("status", operation.Status));

    private static string ParseId(string message)
    {
        var parsed = QueueMessages.Read<Message>(message);
        return parsed is { Id: { } id } && Ids.IsValid(id) ? id : throw new FormatException("Not an operation message.");
    }
}
