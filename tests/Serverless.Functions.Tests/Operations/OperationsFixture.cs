using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Functions.Identity;
using Serverless.Functions.Operations;
using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests.Operations;

/// <summary>The app with the test operation kinds registered.</summary>
public class OperationsFixture : ApiFixture
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<IOperationHandler, TestOperations.CrashOnce>();
            services.AddSingleton<IOperationHandler, TestOperations.AlwaysFails>();
            services.AddSingleton<IOperationHandler, TestOperations.Gated>();
        });
    }

    public OperationsEngine Engine => Services.GetRequiredService<OperationsEngine>();

    public OperationStore Operations => Services.GetRequiredService<OperationStore>();

    public async Task<Caller> AdminCallerAsync()
    {
        var admin = await Services.GetRequiredService<UserStore>().FindByApiKeyAsync(AdminKey);
        return new Caller(admin!.TenantId, admin.Id, admin.Email, admin.TenantRole, false);
    }

    public async Task<OperationEntity> WaitUntilFinishedAsync(string id)
    {
        OperationEntity? operation = null;
        await EventuallyAsync(async () => (operation = await Operations.GetAsync(id)) is { } o && OperationStatus.IsFinished(o.Status), $"operation {id} to finish");
        return operation!;
    }
}

/// <summary>The same, started as the Functions host starts it: triggers arrive as POSTs, and no poller runs.</summary>
public sealed class HostModeFixture : OperationsFixture
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("FUNCTIONS_CUSTOMHANDLER_PORT", "40999");
    }
}
