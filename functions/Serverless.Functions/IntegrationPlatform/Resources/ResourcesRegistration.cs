using Serverless.Functions.Hosting;
using Serverless.Functions.Storage;

namespace Serverless.Functions.IntegrationPlatform.Resources;

public static class ResourcesRegistration
{
    public static IServiceCollection AddResources(this IServiceCollection services)
    {
        services.AddSingleton<SignedUrls>();
        services.AddTimerJob<ExpiredUploadsCleanup>(ExpiredUploadsCleanup.Name, ExpiredUploadsCleanup.Interval);
        return services;
    }
}
