using Serverless.Functions.Hosting;
using Serverless.Functions.IntegrationPlatform.Flows;

namespace Serverless.Functions.IntegrationPlatform.FlowRuntime;

/// <summary>
/// The <c>flow-steps</c> queue function. A message of a deleted flow is dropped; one of a stopped flow is parked until
/// the next start; otherwise it runs. The message is deleted only after everything it caused is enqueued, so a worker
/// killed mid-message has it delivered again (at least once), and one that fails every delivery becomes an error record.
/// </summary>
public sealed class StepWorker(FlowStore flows, FlowQueue queue, ParkedMessages parked, StepRunner runner, FlowCounters counters,
    ILogger<StepWorker> logger) : IQueueHandler
{
    public async Task HandleAsync(string message, long dequeueCount, CancellationToken cancellationToken)
    {
        var envelope = await queue.ReadAsync(message, cancellationToken);
        var flow = await flows.GetForRunAsync(envelope.TenantId, envelope.FlowId, cancellationToken);
        if (flow is null)
        {
            logger.LogInformation("Dropped a message of deleted flow {FlowId}", envelope.FlowId);
            return;
        }
        if (!flow.IsActive)
        {
            await parked.ParkAsync(message, envelope, cancellationToken);
            counters.Add(flow.Id, envelope.StepId, FlowCounters.Kind.Enqueued, -1);
            return;
        }
        await runner.RunAsync(flow, envelope, cancellationToken);
    }

    public async Task OnPoisonedAsync(string message, Exception error, CancellationToken cancellationToken)
    {
        var envelope = QueueMessages.Read<StepEnvelope>(message);
        var flow = envelope is null ? null : await flows.GetAsync(envelope.TenantId, envelope.FlowId, cancellationToken);
        if (flow is not null)
        {
            await runner.RecordPoisonedAsync(flow, envelope!, error, cancellationToken);
        }
    }
}
