using Microsoft.Extensions.DependencyInjection;
using Serverless.Functions.Hosting;
using Serverless.Functions.Operations;
using Serverless.Functions.StatusPage.Notifications;
using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests.Hosting;

public sealed class QueuesTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task EveryMessageQueueSenderWritesIsReadBackByItsHandlersReader()
    {
        // A queue no poller watches, so the message stays for the test to receive.
        var queue = api.Storage.Queue("json-round-trip");
        await queue.CreateIfNotExistsAsync();
        var sender = api.Services.GetRequiredService<QueueSender>();

        await sender.SendAsync("json-round-trip", new OperationsEngine.Message("0123456789abcdef01234567"));
        await sender.SendAsync("json-round-trip", new StatusNotifier.NotificationMessage("page-1", "note-1"));

        var texts = (await queue.ReceiveMessagesAsync(2)).Value.Select(m => m.MessageText).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["""{"id":"0123456789abcdef01234567"}""", """{"pageId":"page-1","id":"note-1"}"""], texts);
        Assert.Equal(new OperationsEngine.Message("0123456789abcdef01234567"), QueueMessages.Read<OperationsEngine.Message>(texts[0]));
        Assert.Equal(new StatusNotifier.NotificationMessage("page-1", "note-1"), QueueMessages.Read<StatusNotifier.NotificationMessage>(texts[1]));
    }

    [Fact]
    public void MessagesEnqueuedWithPascalCaseNamesStillRead()
    {
        Assert.Equal(new OperationsEngine.Message("x"), QueueMessages.Read<OperationsEngine.Message>("""{"Id":"x"}"""));
        Assert.Equal(new StatusNotifier.NotificationMessage("p", "n"), QueueMessages.Read<StatusNotifier.NotificationMessage>("""{"PageId":"p","Id":"n"}"""));
    }

    [Fact]
    public void AMessageTypeMissingFromTheContextIsRefusedRatherThanWrittenByReflection()
    {
        var error = Assert.Throws<InvalidOperationException>(() => QueueMessages.Write(new Uri("https://example.com")));
        Assert.Contains(nameof(AppJson), error.Message, StringComparison.Ordinal);
    }
}
