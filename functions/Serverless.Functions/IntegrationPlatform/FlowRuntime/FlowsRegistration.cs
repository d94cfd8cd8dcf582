using Serverless.Functions.Hosting;
using Serverless.Functions.IntegrationPlatform.Flows;
using Serverless.Functions.Operations;
using Serverless.Functions.Storage;
using Serverless.Functions.Tenancy;

namespace Serverless.Functions.IntegrationPlatform.FlowRuntime;

public static class FlowsRegistration
{
    /// <summary>The flows API's stores and the runtime that runs them: the step queue, the minute scheduler, log retention.</summary>
    public static IServiceCollection AddFlows(this IServiceCollection services)
    {
        services.AddSingleton<FlowStore>();
        services.AddSingleton<FlowVersionStore>();
        services.AddSingleton<FlowDraftStore>();
        services.AddSingleton<FlowSnapshotStore>();
        services.AddSingleton<FlowScheduleStore>();
        services.AddSingleton<FlowParts>();

        services.AddSingleton<FlowQueue>();
        services.AddSingleton<FlowDefinitions>();
        services.AddSingleton<FlowCounters>();
        services.AddHostedService(sp => sp.GetRequiredService<FlowCounters>());
        services.AddSingleton<FlowLogStore>();
        services.AddSingleton<FlowErrorStore>();
        services.AddSingleton<ParkedMessages>();
        services.AddSingleton<FlowTicks>();
        services.AddSingleton<ReplySlots>();
        services.AddSingleton<StepRunner>();
        services.AddSingleton<FlowLifecycle>();
        services.AddSingleton<StepWorker>();
        services.AddQueueHandler<StepWorker>(StorageLayout.Queues.FlowSteps);
        services.AddSingleton<IOperationHandler, StartFlow>();
        services.AddSingleton<IOperationHandler, StopFlow>();
        services.AddSingleton<ITenancyHooks, FlowTenancyHooks>();
        services.AddTimerJob<FlowScheduler>(FlowScheduler.Name, FlowScheduler.Interval);
        services.AddTimerJob<FlowLogRetention>(FlowLogRetention.Name, FlowLogRetention.Interval);
        return services;
    }
}
