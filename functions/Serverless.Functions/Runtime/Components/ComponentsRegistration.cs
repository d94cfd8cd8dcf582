using Serverless.Functions.Runtime.Scripting;

namespace Serverless.Functions.Runtime.Components;

public static class ComponentsRegistration
{
    public static IServiceCollection AddBuiltInComponents(this IServiceCollection services)
    {
        foreach (var repo in new[] { "jsonata", "code" })
        {
            services.AddSingleton<BuiltInComponent>(new DescriptorOnlyComponent(repo));
        }
        services.AddSingleton<BuiltInComponent, SimpleTriggerComponent>();
        services.AddSingleton<BuiltInComponent, TimerComponent>();
        services.AddSingleton<BuiltInComponent, RouterComponent>();
        services.AddSingleton<BuiltInComponent, FilterComponent>();
        services.AddSingleton<BuiltInComponent, RequestReplyComponent>();
        services.AddSingleton<BuiltInComponent, EmailComponent>();
        services.AddSingleton<BuiltInComponent, PetstoreComponent>();
        services.AddSingleton<Jsonata>();
        services.AddSingleton<BuiltInComponent, WebhookComponent>();
        services.AddSingleton<BuiltInComponent, RestApiComponent>();
        services.AddSingleton<BuiltInComponent, SplitterComponent>();
        services.AddSingleton<BuiltInComponent, StatusPageComponent>();
        services.AddSingleton<ComponentCatalog>();
        return services;
    }
}
