using Serverless.Functions.Hosting;
using Serverless.Functions.IntegrationPlatform.AuthClients;

namespace Serverless.Functions.IntegrationPlatform.AuthSecrets;

public static class AuthRegistration
{
    public static IServiceCollection AddAuthClientsAndSecrets(this IServiceCollection services)
    {
        services.AddSingleton<AuthClientStore>();
        services.AddSingleton<AuthSecretStore>();
        services.AddSingleton<SecretRefresher>();
        services.AddTimerJob<AuthSecretRefreshJob>(AuthSecretRefreshJob.Name, AuthSecretRefreshJob.Interval);
        return services;
    }
}
