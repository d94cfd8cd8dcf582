using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Serverless.Functions.Operations;

namespace Serverless.Functions.Tests.Operations;

/// <summary>Operation kinds that exist only in tests, to drive the engine through crashes, poison and slow work.</summary>
public static class TestOperations
{
    /// <summary>How many times each step of each operation really ran: "{operationId}/{step}" → count.</summary>
    public static readonly ConcurrentDictionary<string, int> StepRuns = new();

    /// <summary>Slow operations wait here until a test releases them.</summary>
    public static readonly ConcurrentDictionary<string, TaskCompletionSource> Gates = new();

    public static int Runs(string operationId, string step) => StepRuns.GetValueOrDefault($"{operationId}/{step}");

    private static Func<CancellationToken, Task> Count(OperationContext context, string step) => _ =>
    {
        StepRuns.AddOrUpdate($"{context.Id}/{step}", 1, (_, n) => n + 1);
        return Task.CompletedTask;
    };

    /// <summary>Three steps; the first delivery dies right after the first step's checkpoint.</summary>
    public sealed class CrashOnce : IOperationHandler
    {
        public string Kind => "test.crash-once";

        public async Task<JsonObject> RunAsync(OperationContext context, CancellationToken cancellationToken)
        {
            await context.StepAsync("a", Count(context, "a"), cancellationToken);
            if (Runs(context.Id, "crashed") == 0)
            {
                StepRuns[$"{context.Id}/crashed"] = 1;
                throw new InvalidOperationException("The worker died mid-way.");
            }
            await context.StepAsync("b", Count(context, "b"), cancellationToken);
            await context.StepAsync("c", Count(context, "c"), cancellationToken);
            return new JsonObject { ["steps"] = "abc" };
        }
    }

    public sealed class AlwaysFails : IOperationHandler
    {
        public string Kind => "test.always-fails";

        public Task<JsonObject> RunAsync(OperationContext context, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("The downstream service is down.");
    }

    public sealed class Gated : IOperationHandler
    {
        public string Kind => "test.gated";

        public async Task<JsonObject> RunAsync(OperationContext context, CancellationToken cancellationToken)
        {
            await Gates.GetOrAdd(context.Id, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(cancellationToken);
            return new JsonObject { ["answer"] = 42 };
        }
    }
}
