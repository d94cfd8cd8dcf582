using System.Net;
using Serverless.Functions.Operations;
using Serverless.Functions.Storage;

namespace Serverless.Functions.Tests.Operations;

public sealed class OperationsEngineTests(OperationsFixture api) : IClassFixture<OperationsFixture>
{
    [Fact]
    public async Task AWorkerThatCrashesMidwayIsFinishedByRedeliveryWithoutRepeatingAStep()
    {
        var operation = await api.Engine.StartAsync("test.crash-once", await api.AdminCallerAsync(), "target");
        var done = await api.WaitUntilFinishedAsync(operation.Id);
        Assert.Equal(OperationStatus.Succeeded, done.Status);
        Assert.Equal(2, done.Attempts);
        Assert.Equal(1, TestOperations.Runs(operation.Id, "a"));
        Assert.Equal(1, TestOperations.Runs(operation.Id, "b"));
        Assert.Equal(1, TestOperations.Runs(operation.Id, "c"));
    }

    [Fact]
    public async Task AnOperationThatFailsFiveTimesEndsFailedWithAGenericReasonNamingItsIdAndItsMessageInThePoisonQueue()
    {
        var operation = await api.Engine.StartAsync("test.always-fails", await api.AdminCallerAsync(), "target");
        var done = await api.WaitUntilFinishedAsync(operation.Id);
        Assert.Equal(OperationStatus.Failed, done.Status);
        Assert.Equal($"The operation failed; quote operation id {operation.Id} when reporting it.", done.Error);
        Assert.Equal(5, done.Attempts);
        var poison = api.Storage.Queue(StorageLayout.Queues.Operations + "-poison");
        await Infrastructure.ApiFixture.EventuallyAsync(async () =>
            (await poison.PeekMessagesAsync(32)).Value.Any(m => m.MessageText.Contains(operation.Id, StringComparison.Ordinal)), "the poison message");

        using var admin = api.AdminClient();
        var result = await (await admin.GetAsync($"/v2/exec/result/{operation.Id}")).Content.ReadAsStringAsync();
        // The exception's message (for storage errors, storage's own response) stays in the log.
        Assert.DoesNotContain("downstream", result, StringComparison.Ordinal);
        Assert.Contains(operation.Id, result, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PollAnswers200WhileRunningThen303ToTheResult()
    {
        var operation = await api.Engine.StartAsync("test.gated", await api.AdminCallerAsync(), "target");
        using var admin = api.AdminClient();
        var poll = await admin.GetAsync($"/v2/exec/poll/{operation.Id}");
        Assert.Equal(HttpStatusCode.OK, poll.StatusCode);
        var body = await Infrastructure.JsonApiAssertions.ReadJsonAsync(poll);
        Assert.Equal("execution-result", body["data"]!["type"]!.GetValue<string>());
        Assert.Equal($"/v2/exec/result/{operation.Id}", body["data"]!["links"]!["self"]!.GetValue<string>());
        var early = await Infrastructure.JsonApiAssertions.AssertErrorAsync(await admin.GetAsync($"/v2/exec/result/{operation.Id}"), 409);
        Assert.Equal("result_not_ready", early["code"]!.GetValue<string>());

        TestOperations.Gates.GetOrAdd(operation.Id, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        await api.WaitUntilFinishedAsync(operation.Id);
        var done = await admin.GetAsync($"/v2/exec/poll/{operation.Id}");
        Assert.Equal(HttpStatusCode.SeeOther, done.StatusCode);
        Assert.Equal($"/v2/exec/result/{operation.Id}", done.Headers.Location!.OriginalString);
        var empty = await Infrastructure.JsonApiAssertions.ReadJsonAsync(done, 303);
        Assert.Empty(empty["data"]!.AsObject());
        var result = await Infrastructure.JsonApiAssertions.ReadJsonAsync(await admin.GetAsync($"/v2/exec/result/{operation.Id}"));
        Assert.Equal(42, result["data"]!["attributes"]!["result"]!["answer"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("not-an-id")]
    public async Task AnUnknownExecutionIs404(string id)
    {
        using var admin = api.AdminClient();
        await Infrastructure.JsonApiAssertions.AssertErrorAsync(await admin.GetAsync($"/v2/exec/poll/{id}"), 404);
        await Infrastructure.JsonApiAssertions.AssertErrorAsync(await admin.GetAsync($"/v2/exec/result/{id}"), 404);
    }

    [Fact]
    public async Task AnotherTenantsUserCannotPollAnOperation()
    {
        var operation = await api.Engine.StartAsync("test.crash-once", await api.AdminCallerAsync(), "target");
        var outsider = await api.CreateOtherTenantAdminAsync();
        var member = await api.CreateUserAsync();
        foreach (var user in new[] { outsider, member })
        {
            using var client = api.ClientFor(user);
            await Infrastructure.JsonApiAssertions.AssertErrorAsync(await client.GetAsync($"/v2/exec/poll/{operation.Id}"), 404);
            await Infrastructure.JsonApiAssertions.AssertErrorAsync(await client.GetAsync($"/v2/exec/result/{operation.Id}"), 404);
        }
    }

    [Fact]
    public async Task MaintenanceRemovesOldFinishedOperationsAndRequeuesStaleOnes()
    {
        var finished = await api.Engine.StartAsync("test.crash-once", await api.AdminCallerAsync(), "target");
        await api.WaitUntilFinishedAsync(finished.Id);
        // Accepted but never enqueued, as if the process died between the two writes.
        var stranded = new OperationEntity
        {
            PartitionKey = Serverless.Functions.Identity.Ids.New(TimeProvider.System),
            Kind = "test.crash-once",
            TenantId = finished.TenantId,
            CreatedBy = finished.CreatedBy,
            Target = "target",
            Created = DateTimeOffset.UtcNow,
            Updated = DateTimeOffset.UtcNow,
        };
        await api.Operations.AddAsync(stranded);

        var maintenance = (OperationsMaintenance)Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions
            .GetRequiredService<OperationsMaintenance>(api.Services);
        var later = DateTimeOffset.UtcNow.AddSeconds(1);
        var (removed, requeued) = await maintenance.SweepAsync(later, later, CancellationToken.None);
        Assert.True(removed >= 1 && requeued >= 1, $"removed {removed}, requeued {requeued}");
        Assert.Null(await api.Operations.GetAsync(finished.Id));
        Assert.Equal(OperationStatus.Succeeded, (await api.WaitUntilFinishedAsync(stranded.Id)).Status);
    }

    [Fact]
    public async Task TriggerEndpointsAreNotReachableInStandaloneMode()
    {
        using var client = api.AnonymousClient();
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync("/operations", Infrastructure.JsonApiAssertions.Json("{}"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync("/OperationsMaintenance", Infrastructure.JsonApiAssertions.Json("{}"))).StatusCode);
    }
}
