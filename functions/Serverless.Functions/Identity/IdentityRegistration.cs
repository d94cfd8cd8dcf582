using Microsoft.AspNetCore.Authentication;
using Serverless.Functions.Hosting;
using Serverless.Functions.Storage;

namespace Serverless.Functions.Identity;

public static class IdentityRegistration
{
    public const string IntegrationPolicy = "IntegrationPlatform";

    public static IServiceCollection AddIdentityCore(this IServiceCollection services)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<UserStore>();
        SecretBox.AddSecretBox(services);
        services.AddSingleton(sp => BootstrapSettings.From(sp.GetRequiredService<IConfiguration>()));
        services.AddStartupTask<Bootstrap>();
        services.AddSingleton<CredentialGate>();
        services.AddSingleton(sp => new PreAuthenticationGate(sp.GetRequiredService<CredentialGate>().InvokeAsync));
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, BasicAuthentication>(BasicAuthentication.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(IntegrationPolicy, p => p.AddAuthenticationSchemes(BasicAuthentication.SchemeName).RequireAuthenticatedUser());
        return services;
    }
}
