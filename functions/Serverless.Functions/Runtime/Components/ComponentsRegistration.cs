namespace Serverless.Functions.Runtime.Components;

public static class ComponentsRegistration
{
    public const string HttpClientName = "components";

    public static IServiceCollection AddBuiltInComponents(this IServiceCollection services)
    {
        // Component calls go to other people's systems: bounded, so a stuck server cannot hold a worker.
        services.AddHttpClient(HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(30));
        foreach (var repo in new[] { "simple-trigger-component", "jsonata", "code", "router", "filter" })
        {
            services.AddSingleton<BuiltInComponent>(new DescriptorOnlyComponent(repo));
        }
        services.AddSingleton<BuiltInComponent, WebhookComponent>();
        services.AddSingleton<BuiltInComponent, RestApiComponent>();
        services.AddSingleton<BuiltInComponent, SplitterComponent>();
        services.AddSingleton<BuiltInComponent, StatusPageComponent>();
        services.AddSingleton<ComponentCatalog>();
        return services;
    }
}
