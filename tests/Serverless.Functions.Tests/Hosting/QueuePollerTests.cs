using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Functions.Hosting;
using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests.Hosting;

/// <summary>The standalone poller with a probe queue whose messages say how long their handler takes.</summary>
public sealed class PollerFixture : ApiFixture
{
    public const string Queue = "poller-probe";

    public ProbeHandler Probe { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("QUEUE_VISIBILITY_TIMEOUT", "00:00:03");
        builder.UseSetting("QUEUE_CONCURRENCY", "8");
        builder.ConfigureTestServices(services => services.AddSingleton(Probe).AddQueueHandler<ProbeHandler>(Queue));
    }

    /// <summary>Messages are "{id}" (done at once), "{id}:gate" (waits for <see cref="ProbeHandler.Gate"/>) or "{id}:{ms}" (sleeps).</summary>
    public sealed class ProbeHandler : IQueueHandler
    {
        public ConcurrentDictionary<string, int> Deliveries { get; } = new();

        public ConcurrentDictionary<string, DateTimeOffset> Finished { get; } = new();

        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task HandleAsync(string message, long dequeueCount, CancellationToken cancellationToken)
        {
            var parts = message.Split(':');
            Deliveries.AddOrUpdate(parts[0], 1, (_, n) => n + 1);
            if (parts.Length > 1)
            {
                await (parts[1] == "gate" ? Gate.Task.WaitAsync(cancellationToken) : Task.Delay(int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), cancellationToken));
            }
            Finished[parts[0]] = DateTimeOffset.UtcNow;
        }

        public Task OnPoisonedAsync(string message, Exception error, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

public sealed class QueuePollerTests(PollerFixture api) : IClassFixture<PollerFixture>
{
    private async Task SendAsync(params string[] messages)
    {
        await api.Storage.Queue(PollerFixture.Queue).CreateIfNotExistsAsync();
        var sender = api.Services.GetRequiredService<QueueSender>();
        foreach (var message in messages)
        {
            await sender.SendRawAsync(PollerFixture.Queue, message);
        }
    }

    [Fact]
    public async Task ASlowMessageDoesNotHoldBackTheMessagesAfterIt()
    {
        await SendAsync("slow:gate");
        await ApiFixture.EventuallyAsync(() => Task.FromResult(api.Probe.Deliveries.ContainsKey("slow")), "the slow message to start");

        var fast = Enumerable.Range(0, 20).Select(i => $"fast{i}").ToArray();
        await SendAsync(fast);

        // Before, the poller took a batch and waited for all of it: these waited for the slow one's gate.
        await ApiFixture.EventuallyAsync(() => Task.FromResult(fast.All(api.Probe.Finished.ContainsKey)), "every fast message to be handled while the slow one works");
        Assert.False(api.Probe.Finished.ContainsKey("slow"));
        api.Probe.Gate.SetResult();
        await ApiFixture.EventuallyAsync(() => Task.FromResult(api.Probe.Finished.ContainsKey("slow")), "the slow message to finish");
    }

    [Fact]
    public async Task AHandlerThatOutlivesTheVisibilityTimeoutKeepsItsMessageHiddenAndDeletesIt()
    {
        // Visibility is 3 s here: without renewal the message would come back twice while its handler sleeps 8 s.
        await SendAsync("long:8000");
        await ApiFixture.EventuallyAsync(() => Task.FromResult(api.Probe.Finished.ContainsKey("long")), "the long message to finish", seconds: 30);
        await Task.Delay(TimeSpan.FromSeconds(4));

        Assert.Equal(1, api.Probe.Deliveries["long"]);
        var left = (await api.Storage.Queue(PollerFixture.Queue).PeekMessagesAsync(32)).Value;
        Assert.DoesNotContain(left, m => m.MessageText.Contains("long", StringComparison.Ordinal));
    }
}
