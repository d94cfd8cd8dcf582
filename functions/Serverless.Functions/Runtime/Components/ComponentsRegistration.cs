namespace Serverless.Functions.Runtime.Components;

public static class ComponentsRegistration
{
    public static IServiceCollection AddBuiltInComponents(this IServiceCollection services)
    {
        foreach (var repo in new[] { "simple-trigger-component", "jsonata", "code", "router", "filter" })
        {
            services.AddSingleton<BuiltInComponent>(new DescriptorOnlyComponent(repo));
        }
        services.AddSingleton<BuiltInComponent, WebhookComponent>();
        services.AddSingleton<BuiltInComponent, RestApiComponent>();
        services.AddSingleton<BuiltInComponent, SplitterComponent>();
        services.AddSingleton<BuiltInComponent, StatusPageComponent>();
        services.AddSingleton<BuiltInComponent, IncidentComponent>();
        services.AddSingleton<ComponentCatalog>();
        return services;
    }
}
