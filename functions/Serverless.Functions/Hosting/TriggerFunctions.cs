using System.Text.Json;
using System.Text.Json.Nodes;
using Serverless.Functions.Storage;

namespace Serverless.Functions.Hosting;

/// <summary>A queue function, named after its queue; registered with <see cref="TriggerFunctions.AddQueueHandler{T}"/>.</summary>
public sealed record QueueTrigger(string Queue);

/// <summary>A timer function, named after its job; the NCRONTAB schedule of function.json is derived from the interval.</summary>
public sealed record TimerTrigger(string Name, TimeSpan Interval);

/// <summary>
/// The timer and queue functions. Their table is data registered beside the handlers, so function.json files can be
/// generated without constructing anything. In host mode the Functions host POSTs invocations to <c>/{Name}</c>
/// (mapped here); standalone, <see cref="QueuePoller"/> and <see cref="TimerScheduler"/> fire the same handlers.
/// </summary>
public static class TriggerFunctions
{
    public static IReadOnlyList<TriggerFunction> From(IServiceProvider services) =>
        services.GetServices<QueueTrigger>().Select(q => new TriggerFunction(q.Queue, new JsonObject
        {
            ["name"] = "message",
            ["type"] = "queueTrigger",
            ["direction"] = "in",
            ["queueName"] = q.Queue,
            ["connection"] = StorageAccount.ConnectionSetting,
        }))
        .Concat(services.GetServices<TimerTrigger>().Select(t => new TriggerFunction(t.Name, new JsonObject
        {
            ["name"] = "timer",
            ["type"] = "timerTrigger",
            ["direction"] = "in",
            ["schedule"] = TimerSchedules.Ncrontab(t.Interval),
            ["runOnStartup"] = false,
            ["useMonitor"] = true,
        })))
        .OrderBy(t => t.Name, StringComparer.Ordinal)
        .ToList();

    public static IServiceCollection AddTriggers(this IServiceCollection services)
    {
        services.AddSingleton<QueueSignal>();
        services.AddSingleton<QueueSender>();
        services.AddSingleton<QueueDispatcher>();
        services.AddHostedService<StandaloneTriggers>();
        return services;
    }

    /// <summary>Registers <typeparamref name="T"/> (already registered as a singleton) as the handler of <paramref name="queue"/>.</summary>
    public static IServiceCollection AddQueueHandler<T>(this IServiceCollection services, string queue) where T : class, IQueueHandler
    {
        services.AddSingleton(new QueueTrigger(queue));
        services.AddKeyedSingleton<IQueueHandler>(queue, (sp, _) => sp.GetRequiredService<T>());
        return services;
    }

    public static IServiceCollection AddTimerJob<T>(this IServiceCollection services, string name, TimeSpan interval) where T : class, ITimerJob
    {
        TimerSchedules.Ncrontab(interval); // fails at start-up, not at deploy, for an interval NCRONTAB cannot say
        services.AddSingleton<T>();
        services.AddSingleton(new TimerTrigger(name, interval));
        services.AddKeyedSingleton<ITimerJob>(name, (sp, _) => sp.GetRequiredService<T>());
        return services;
    }

    /// <summary>Host mode: <c>POST /{Name}</c> for each trigger, answering the host's invocation contract.</summary>
    public static void MapTriggerFunctions(this WebApplication app)
    {
        if (CustomHandler.ModeOf(app.Configuration) != HostingMode.FunctionsHost)
        {
            return; // Standalone, nothing calls these, and they must not be reachable from outside.
        }
        foreach (var trigger in app.Services.GetServices<QueueTrigger>())
        {
            app.MapPost("/" + trigger.Queue, (HttpRequest request, QueueDispatcher dispatcher, CancellationToken cancellationToken) =>
                InvokeAsync(request, async invocation =>
                {
                    var message = Unwrap(invocation["Data"]?["message"]) ?? throw new FormatException("The invocation has no Data.message.");
                    await dispatcher.DeliverAsync(trigger.Queue, message, DequeueCount(invocation["Metadata"]?["DequeueCount"]), cancellationToken);
                })).WithMetadata(HostInternal.Instance);
        }
        foreach (var trigger in app.Services.GetServices<TimerTrigger>())
        {
            app.MapPost("/" + trigger.Name, (HttpRequest request, IServiceProvider services, CancellationToken cancellationToken) =>
                InvokeAsync(request, _ => services.GetRequiredKeyedService<ITimerJob>(trigger.Name).RunAsync(cancellationToken)))
                .WithMetadata(HostInternal.Instance);
        }
    }

    /// <summary>The host reads these names exactly as written: Outputs, Logs, ReturnValue.</summary>
    private static JsonObject HostResponse(params string[] logs) =>
        new() { ["Outputs"] = new JsonObject(), ["Logs"] = new JsonArray([.. logs.Select(l => JsonValue.Create(l))]), ["ReturnValue"] = null };

    /// <summary>Always a JSON body: an empty one would leave the host waiting; a non-2xx status fails the invocation.</summary>
    private static async Task<IResult> InvokeAsync(HttpRequest request, Func<JsonNode, Task> run)
    {
        var invocation = await JsonNode.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted) ?? new JsonObject();
        var logger = request.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Serverless.Triggers");
        try
        {
            await run(invocation);
            return Results.Json(HostResponse(), AppJson.Default.JsonObject);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Invocation of {Path} failed", request.Path);
            return Results.Json(HostResponse(ex.Message), AppJson.Default.JsonObject, statusCode: 500);
        }
    }

    /// <summary>The host embeds strings JSON-encoded, sometimes twice (<c>"\"{...}\""</c>); unwrap until it is not a JSON string.</summary>
    internal static string? Unwrap(JsonNode? node)
    {
        if (node is null)
        {
            return null;
        }
        if (node.GetValueKind() != JsonValueKind.String)
        {
            return node.ToJsonString();
        }
        var text = node.GetValue<string>();
        for (var i = 0; i < 2 && text.StartsWith('"'); i++)
        {
            try
            {
                text = JsonSerializer.Deserialize(text, AppJson.Default.String) ?? text;
            }
            catch (JsonException)
            {
                break;
            }
        }
        return text;
    }

    private static long DequeueCount(JsonNode? node) => node?.GetValueKind() switch
    {
        JsonValueKind.Number => node.GetValue<long>(),
        JsonValueKind.String when long.TryParse(Unwrap(node), out var count) => count,
        _ => 1,
    };
}

/// <summary>Starts the standalone pollers and timers, and nothing in host mode, where the host delivers.</summary>
internal sealed class StandaloneTriggers(IServiceProvider services, IConfiguration configuration) : IHostedService
{
    private readonly List<IHostedService> started = [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (CustomHandler.ModeOf(configuration) != HostingMode.Standalone)
        {
            return;
        }
        started.Add(ActivatorUtilities.CreateInstance<QueuePoller>(services));
        started.Add(ActivatorUtilities.CreateInstance<TimerScheduler>(services));
        foreach (var service in started)
        {
            await service.StartAsync(cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.WhenAll(started.Select(s => s.StopAsync(cancellationToken)));
}
