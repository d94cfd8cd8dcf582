namespace Serverless.Functions.Runtime.Components;

public static class ComponentsRegistration
{
    public static IServiceCollection AddBuiltInComponents(this IServiceCollection services)
    {
        foreach (var repo in new[] { "simple-trigger-component", "router", "filter" })
        {
            services.AddSingleton<BuiltInComponent>(new DescriptorOnlyComponent(repo));
        }
        services.AddSingleton<BuiltInComponent, WebhookComponent>();
        services.AddSingleton<BuiltInComponent, JsonataComponent>();
        services.AddSingleton<BuiltInComponent, CodeComponent>();
        services.AddSingleton<BuiltInComponent, RestApiComponent>();
        services.AddSingleton<BuiltInComponent, SplitterComponent>();
        services.AddSingleton<BuiltInComponent, StatusPageComponent>();
        services.AddSingleton<ComponentCatalog>();
        return services;
    }
}
