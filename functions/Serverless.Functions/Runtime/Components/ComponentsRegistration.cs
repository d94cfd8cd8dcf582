namespace Serverless.Functions.Runtime.Components;

public static class ComponentsRegistration
{
    public static IServiceCollection AddBuiltInComponents(this IServiceCollection services)
    {
        services.AddSingleton<BuiltInComponent, SimpleTriggerComponent>();
        services.AddSingleton<BuiltInComponent, TimerComponent>();
        services.AddSingleton<BuiltInComponent, RouterComponent>();
        services.AddSingleton<BuiltInComponent, FilterComponent>();
        services.AddSingleton<BuiltInComponent, RequestReplyComponent>();
        services.AddSingleton<BuiltInComponent, EmailComponent>();
        services.AddSingleton<BuiltInComponent, PetstoreComponent>();
        services.AddSingleton<BuiltInComponent, WebhookComponent>();
        services.AddSingleton<BuiltInComponent, JsonataComponent>();
        services.AddSingleton<BuiltInComponent, CodeComponent>();
        services.AddSingleton<BuiltInComponent, RestApiComponent>();
        services.AddSingleton<BuiltInComponent, SplitterComponent>();
        services.AddSingleton<BuiltInComponent, StatusPageComponent>();
        services.AddSingleton<BuiltInComponent, IncidentComponent>();
        services.AddSingleton<ComponentCatalog>();
        return services;
    }
}
