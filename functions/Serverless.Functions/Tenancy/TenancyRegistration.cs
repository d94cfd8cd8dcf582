using Serverless.Functions.Identity;
using Serverless.Functions.Operations;

namespace Serverless.Functions.Tenancy;

public static class TenancyRegistration
{
    public static IServiceCollection AddTenancy(this IServiceCollection services)
    {
        services.AddSingleton<ContractStore>();
        services.AddSingleton<WorkspaceStore>();
        services.AddSingleton<MembershipStore>();
        services.AddSingleton<AccessControl>();
        services.AddSingleton<IOperationHandler, SuspendContract>();
        services.AddSingleton<IOperationHandler, DeleteContract>();
        services.AddSingleton<IOperationHandler, DeleteWorkspace>();
        return services;
    }
}
