using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.AspNetCore;
using Microsoft.AspNetCore.Http.Features;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Serverless.Functions.Storage;

namespace Serverless.Functions.Hosting;

/// <summary>
/// OpenTelemetry traces, metrics and logs: HTTP requests, storage calls (the Azure SDK's own activities), queue work and
/// outbound HTTP. Exported to Application Insights when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set, to an OTLP
/// endpoint when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is, and to the console when <c>OTEL_CONSOLE_EXPORTER</c> is
/// <c>true</c>; with none of them the SDK is not started at all, so start-up pays nothing for it.
/// </summary>
public static class Telemetry
{
    public const string Name = "Serverless.Functions";
    public const string AppInsightsSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";
    public const string OtlpSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string ConsoleSetting = "OTEL_CONSOLE_EXPORTER";

    /// <summary>Our own spans: one per queue delivery, a child of the span that enqueued the message.</summary>
    public static readonly ActivitySource Source = new(Name);

    public static readonly Meter Meter = new(Name);

    /// <summary>Messages enqueued, by <c>queue</c>: flow messages out, operations started, notifications queued.</summary>
    public static readonly Counter<long> QueueMessagesSent = Meter.CreateCounter<long>("queue.messages.sent", "{message}", "Messages enqueued, by queue.");

    /// <summary>Deliveries by <c>queue</c> and <c>outcome</c> (<c>handled</c>, <c>failed</c>, <c>poisoned</c>): messages in, and errors.</summary>
    public static readonly Counter<long> QueueDeliveries = Meter.CreateCounter<long>("queue.messages.delivered", "{message}", "Queue deliveries, by queue and outcome.");

    /// <summary>How long a message waited in its queue before this delivery, by <c>queue</c>.</summary>
    public static readonly Histogram<double> QueueMessageAge = Meter.CreateHistogram<double>("queue.message.age", "s", "Time from enqueue to delivery, by queue.");

    /// <summary>From an operation's start to its end, by <c>kind</c> and <c>status</c>.</summary>
    public static readonly Histogram<double> OperationTurnaround = Meter.CreateHistogram<double>("operation.turnaround", "s", "Time from an operation's 202 to its end, by kind and status.");

    public static bool IsEnabled(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration[AppInsightsSetting]) || !string.IsNullOrWhiteSpace(configuration[OtlpSetting])
        || string.Equals(configuration[ConsoleSetting], "true", StringComparison.OrdinalIgnoreCase);

    public static WebApplicationBuilder AddTelemetry(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        if (!IsEnabled(configuration))
        {
            return builder;
        }
        var otel = builder.Services.AddOpenTelemetry().ConfigureResource(r => r.AddService("serverless-ops-backend"));
        if (!string.IsNullOrWhiteSpace(configuration[AppInsightsSetting]))
        {
            // The distro brings requests, outbound HTTP, the Azure SDK's storage calls and logs; infra/ turns local auth
            // off, so telemetry is sent with the app's managed identity (APPLICATIONINSIGHTS_AUTHENTICATION_STRING).
            otel.UseAzureMonitor(options =>
            {
                if (configuration["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]?.Contains("Authorization=AAD", StringComparison.OrdinalIgnoreCase) == true)
                {
                    options.Credential = new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(configuration["AZURE_CLIENT_ID"]));
                }
            });
        }
        else
        {
            // Without the distro, the same sources by hand; the Azure SDK reports storage calls once asked to.
            AppContext.SetSwitch("Azure.Experimental.EnableActivitySource", true);
            otel.WithTracing(t => t.AddAspNetCoreInstrumentation().AddHttpClientInstrumentation().AddSource("Azure.*"))
                .WithMetrics(m => m.AddAspNetCoreInstrumentation().AddHttpClientInstrumentation())
                .WithLogging();
            if (!string.IsNullOrWhiteSpace(configuration[OtlpSetting]))
            {
                otel.UseOtlpExporter(); // reads OTEL_EXPORTER_OTLP_ENDPOINT and _PROTOCOL itself
            }
            if (string.Equals(configuration[ConsoleSetting], "true", StringComparison.OrdinalIgnoreCase))
            {
                otel.WithTracing(t => t.AddConsoleExporter()).WithMetrics(m => m.AddConsoleExporter()).WithLogging(l => l.AddConsoleExporter());
            }
        }
        otel.WithTracing(t => t.AddSource(Name)).WithMetrics(m => m.AddMeter(Name));
        builder.Services.AddHostedService<QueueDepthSampler>();
        // Every log record keeps its scopes, so the request id (RequestIds' scope) is on every line the request writes.
        builder.Services.Configure<OpenTelemetryLoggerOptions>(o => o.IncludeScopes = true);
        return builder;
    }

    /// <summary>
    /// Tags each request's span and duration metric with its surface (the API document its path belongs to) and the
    /// request's span with the request id, so requests by surface and status are one query.
    /// </summary>
    public static IApplicationBuilder UseTelemetryTags(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var surface = ApiReference.DocumentFor(context.Request.Path.Value ?? "/")?.Name ?? "none";
        context.Features.Get<IHttpMetricsTagsFeature>()?.Tags.Add(new("api.surface", surface));
        Activity.Current?.SetTag("api.surface", surface).SetTag("request.id", context.TraceIdentifier);
        return next(context);
    });
}

/// <summary>
/// <c>queue.depth</c> and <c>queue.oldest.age</c> (seconds) per queue and its poison queue, sampled once a minute while
/// telemetry is on: work that waits, and work that failed for good, are visible before anyone asks why.
/// </summary>
internal sealed class QueueDepthSampler(QueueDispatcher dispatcher, StorageAccount storage, StartupWork startup, ILogger<QueueDepthSampler> logger)
    : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, (int Depth, double OldestAge)> samples = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Telemetry.Meter.CreateObservableGauge("queue.depth", () => samples.Select(s => new Measurement<int>(s.Value.Depth, new KeyValuePair<string, object?>("queue", s.Key))),
            "{message}", "Messages waiting, by queue (approximate).");
        Telemetry.Meter.CreateObservableGauge("queue.oldest.age", () => samples.Select(s => new Measurement<double>(s.Value.OldestAge, new KeyValuePair<string, object?>("queue", s.Key))),
            "s", "Age of the oldest visible message, by queue.");
        await startup.Ready.WaitAsync(stoppingToken);
        using var timer = new PeriodicTimer(Interval);
        do
        {
            foreach (var queue in dispatcher.Queues.SelectMany(q => new[] { q, q + "-poison" }))
            {
                try
                {
                    var client = storage.Queue(queue);
                    var depth = (await client.GetPropertiesAsync(stoppingToken)).Value.ApproximateMessagesCount;
                    var oldest = depth == 0 ? null : (await client.PeekMessagesAsync(1, stoppingToken)).Value.FirstOrDefault()?.InsertedOn;
                    samples[queue] = (depth, oldest is { } inserted ? Math.Max(0, (DateTimeOffset.UtcNow - inserted).TotalSeconds) : 0);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogDebug(ex, "Sampling {Queue} failed", queue);
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
