using Serverless.Functions.Errors;
using Serverless.Functions.Hosting;
using Serverless.Functions.IntegrationPlatform.AuthClients;
using Serverless.Functions.IntegrationPlatform.AuthSecrets;
using Serverless.Functions.IntegrationPlatform.Components;
using Serverless.Functions.IntegrationPlatform.Credentials;
using Serverless.Functions.IntegrationPlatform.DataSamples;
using Serverless.Functions.IntegrationPlatform.Executions;
using Serverless.Functions.IntegrationPlatform.FlowRuntime;
using Serverless.Functions.IntegrationPlatform.JsonApi;
using Serverless.Functions.IntegrationPlatform.Resources;
using Serverless.Functions.IntegrationPlatform.SshKeys;
using Serverless.Functions.IntegrationPlatform.Teams;
using Serverless.Functions.Operations;
using Serverless.Functions.Tenancy;

namespace Serverless.Functions.IntegrationPlatform;

public static class IntegrationPlatformRegistration
{
    /// <summary>Everything the /v2 resource groups need beyond tenancy and the operations engine: stores, jobs, handlers.</summary>
    public static IServiceCollection AddIntegrationPlatform(this IServiceCollection services)
    {
        services.AddSurfaceErrorWriter<JsonApiErrorWriter>();
        services.AddApiSurface(ApiSurface);

        services.AddSingleton<UploadUrls>();
        services.AddSingleton<UploadQuotaStore>();
        services.AddTimerJob<ExpiredUploadsCleanup>(ExpiredUploadsCleanup.Name, ExpiredUploadsCleanup.Interval);

        services.AddSingleton<ComponentEnvStore>();
        services.AddSingleton<ComponentRepoStore>();
        services.AddSingleton<TeamStore>();
        services.AddSingleton<IOperationHandler, ComponentMethodExecution>();

        services.AddSingleton<CredentialStore>();
        services.AddSingleton<ITenancyHooks, CredentialTenancyHooks>();

        services.AddSingleton<AuthClientStore>();
        services.AddSingleton<AuthSecretStore>();
        services.AddSingleton<SecretRefresher>();
        services.AddTimerJob<AuthSecretRefreshJob>(AuthSecretRefreshJob.Name, AuthSecretRefreshJob.Interval);

        services.AddFlows();

        services.AddSingleton<SshKeyStore>();
        services.AddSingleton<DataSampleStore>();
        services.AddSingleton<ITenancyHooks, DataSampleTenancyHooks>();
        return services;
    }

    /// <summary>How the OpenAPI documents describe every /v2 route: Basic auth, JSON:API errors and request documents.</summary>
    private static readonly ApiSurface ApiSurface = new(path => path.StartsWith("/v2/", StringComparison.Ordinal), typeof(JsonApiErrorWriter.ErrorDocument))
    {
        Schemes = new Dictionary<string, Microsoft.OpenApi.OpenApiSecurityScheme>
        {
            ["basic"] = new() { Type = Microsoft.OpenApi.SecuritySchemeType.Http, Scheme = "basic", Description = "`email:apikey`" },
        },
        WriteBody = typeof(InputDocument),
    };
}
