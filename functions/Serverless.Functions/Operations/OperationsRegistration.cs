using Serverless.Functions.Hosting;
using Serverless.Functions.Storage;

namespace Serverless.Functions.Operations;

public static class OperationsRegistration
{
    public static IServiceCollection AddOperations(this IServiceCollection services)
    {
        services.AddSingleton<OperationStore>();
        services.AddSingleton<OperationsEngine>();
        services.AddQueueHandler<OperationsEngine>(StorageLayout.Queues.Operations);
        services.AddTimerJob<OperationsMaintenance>(OperationsMaintenance.Name, OperationsMaintenance.Interval);
        return services;
    }
}
