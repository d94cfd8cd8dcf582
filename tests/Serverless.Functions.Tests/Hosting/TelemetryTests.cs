using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Serverless.Functions.Hosting;
using Serverless.Functions.Operations;
using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests.Hosting;

/// <summary>
/// Trace context travels in queue messages, so a request and the queue work it starts are one trace; requests are
/// measured by surface; and the SDK starts only when an exporter is asked for.
/// </summary>
public sealed class TelemetryTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public void AMessageSentInsideATraceCarriesItAndReadsAsBefore()
    {
        using var source = new ActivitySource("test-sender");
        using var listener = Listen("test-sender", _ => { });
        using var span = source.StartActivity("send")!;

        var text = QueueMessages.Write(new OperationsEngine.Message("0123456789abcdef01234567"));

        Assert.StartsWith("{\"$trace\":\"" + span.Id + "\",\"$sent\":", text, StringComparison.Ordinal);
        Assert.EndsWith(",\"$message\":{\"id\":\"0123456789abcdef01234567\"}}", text, StringComparison.Ordinal);
        var envelope = QueueMessages.Open(text);
        Assert.Equal(span.TraceId, envelope.Parent.TraceId);
        Assert.Equal(span.SpanId, envelope.Parent.SpanId);
        Assert.Equal(new OperationsEngine.Message("0123456789abcdef01234567"), QueueMessages.Read<OperationsEngine.Message>(text));
    }

    [Fact]
    public void AMessageSentOutsideATraceIsTheBareJson()
    {
        Activity.Current = null;
        Assert.Equal("""{"id":"x"}""", QueueMessages.Write(new OperationsEngine.Message("x")));
        Assert.Equal(default, QueueMessages.Open("""{"id":"x"}""").Parent);
    }

    /// <summary>A caller's trace, the request it made and the operation's delivery from the queue are one trace.</summary>
    [Fact]
    public async Task AnOperationsQueueWorkContinuesTheTraceOfTheRequestThatStartedIt()
    {
        var traceId = ActivityTraceId.CreateRandom();
        var deliveries = new ConcurrentQueue<Activity>();
        using var listener = Listen(Telemetry.Name, activity =>
        {
            if (activity.TraceId == traceId)
            {
                deliveries.Enqueue(activity);
            }
        });
        var contract = await api.CreateContractAsync();
        using var admin = api.AdminClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v2/contracts/{contract}/suspend");
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        var response = await admin.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);

        await ApiFixture.EventuallyAsync(() => Task.FromResult(!deliveries.IsEmpty), "the operation's delivery in the request's trace");
        var delivery = deliveries.First();
        Assert.Equal("process operations", delivery.DisplayName);
        Assert.Equal(ActivityKind.Consumer, delivery.Kind);
        Assert.Equal("operations", delivery.GetTagItem("messaging.destination.name"));
    }

    [Fact]
    public async Task RequestDurationsAreTaggedWithTheirSurface()
    {
        var surfaces = new ConcurrentQueue<string?>();
        using var meters = new MeterListener();
        meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument is { Meter.Name: "Microsoft.AspNetCore.Hosting", Name: "http.server.request.duration" })
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        meters.SetMeasurementEventCallback<double>((_, _, tags, _) =>
        {
            var route = Tag(tags, "http.route");
            if (route == "/api/v1/ping" || route == "/v2/users/me")
            {
                surfaces.Enqueue(route + " " + Tag(tags, "api.surface"));
            }
        });
        meters.Start();

        using var admin = api.AdminClient();
        await admin.GetAsync("/api/v1/ping");
        await admin.GetAsync("/v2/users/me");

        await ApiFixture.EventuallyAsync(() => Task.FromResult(surfaces.Count >= 2), "two request durations");
        Assert.Contains("/api/v1/ping status-page", surfaces);
        Assert.Contains("/v2/users/me integration-platform", surfaces);
    }

    [Theory]
    [InlineData(null, null, null, false)]
    [InlineData("InstrumentationKey=00000000-0000-0000-0000-000000000000", null, null, true)]
    [InlineData(null, "http://127.0.0.1:4317", null, true)]
    [InlineData(null, null, "true", true)]
    [InlineData(null, null, "no", false)]
    public void TheSdkStartsOnlyWhenAnExporterIsAskedFor(string? appInsights, string? otlp, string? console, bool enabled)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [Telemetry.AppInsightsSetting] = appInsights,
            [Telemetry.OtlpSetting] = otlp,
            [Telemetry.ConsoleSetting] = console,
        }).Build();
        Assert.Equal(enabled, Telemetry.IsEnabled(configuration));
    }

    private static ActivityListener Listen(string source, Action<Activity> stopped)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    private static string? Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string name)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == name)
            {
                return tag.Value?.ToString();
            }
        }
        return null;
    }
}
