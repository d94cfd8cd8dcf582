using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Serverless.Functions.Operations;
using Serverless.Functions.Storage;
using static Serverless.Functions.Tests.Infrastructure.JsonApiAssertions;

namespace Serverless.Functions.Tests.Operations;

/// <summary>The invocations the Functions host POSTs, answered as it requires.</summary>
public sealed class HostModeTriggerTests(HostModeFixture api) : IClassFixture<HostModeFixture>
{
    [Fact]
    public async Task AQueueInvocationWithTheHostsDoubleEncodedMessageRunsTheOperation()
    {
        var operation = await api.Operations.GetAsync((await StartWithoutDeliveryAsync("test.crash-once")).Id);
        // The host embeds the message as a JSON string holding a JSON string.
        var message = JsonSerializer.Serialize(JsonSerializer.Serialize(new { id = operation!.Id }));
        using var client = api.AnonymousClient();
        var first = await client.PostAsync("/operations", Invocation(message, JsonValue.Create("1")));
        Assert.Equal(HttpStatusCode.InternalServerError, first.StatusCode); // the test kind crashes once
        var failed = await first.ReadJsonAsync(500);
        Assert.Contains("died", failed["Logs"]![0]!.GetValue<string>(), StringComparison.Ordinal);

        var second = await client.PostAsync("/operations", Invocation(message, JsonValue.Create(2)));
        var body = await second.ReadJsonAsync();
        Assert.Equal("""{"Outputs":{},"Logs":[],"ReturnValue":null}""", body.ToJsonString());
        Assert.Equal(OperationStatus.Succeeded, (await api.Operations.GetAsync(operation.Id))!.Status);
        Assert.Equal(1, TestOperations.Runs(operation.Id, "a"));
    }

    [Fact]
    public async Task TheLastFailedDeliveryMarksTheOperationFailedBeforeTheHostPoisonsIt()
    {
        var operation = await StartWithoutDeliveryAsync("test.always-fails");
        using var client = api.AnonymousClient();
        var response = await client.PostAsync("/operations", Invocation(JsonSerializer.Serialize(new { id = operation.Id }), JsonValue.Create(5)));
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var done = await api.Operations.GetAsync(operation.Id);
        Assert.Equal(OperationStatus.Failed, done!.Status);
        Assert.Contains(operation.Id, done.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATimerInvocationRunsTheJob()
    {
        using var client = api.AnonymousClient();
        var response = await client.PostAsync("/OperationsMaintenance",
            Json("""{"Data":{"timer":{"Schedule":{},"ScheduleStatus":null,"IsPastDue":false}},"Metadata":{"sys":{"MethodName":"OperationsMaintenance"}}}"""));
        Assert.Equal("""{"Outputs":{},"Logs":[],"ReturnValue":null}""", (await response.ReadJsonAsync()).ToJsonString());
    }

    [Fact]
    public async Task AMalformedInvocationFailsWithAJsonBodyNotAnEmptyOne()
    {
        using var client = api.AnonymousClient();
        var response = await client.PostAsync("/operations", Json("""{"Data":{},"Metadata":{}}"""));
        var body = await response.ReadJsonAsync(500);
        Assert.NotNull(body["Logs"]);
    }

    /// <summary>The host's envelope: one Data member per binding, and trigger metadata with sys.</summary>
    private static StringContent Invocation(string message, JsonNode dequeueCount) => Json(new JsonObject
    {
        ["Data"] = new JsonObject { ["message"] = message },
        ["Metadata"] = new JsonObject { ["DequeueCount"] = dequeueCount, ["sys"] = new JsonObject { ["MethodName"] = "operations" } },
    }.ToJsonString());

    /// <summary>In host mode no poller runs, so an operation waits for the invocations the test sends.</summary>
    private async Task<OperationEntity> StartWithoutDeliveryAsync(string kind)
    {
        var operation = await api.Engine.StartAsync(kind, await api.AdminCallerAsync(), "target");
        // Enqueueing wakes a standalone poller at once, and a message it has received is hidden from a peek; this one
        // is still there, for the host to deliver.
        var waiting = await api.Storage.Queue(StorageLayout.Queues.Operations).PeekMessagesAsync(maxMessages: 32); // the most one peek returns
        Assert.Contains(waiting.Value, m => m.Body.ToString().Contains(operation.Id, StringComparison.Ordinal));
        Assert.Equal(OperationStatus.Pending, (await api.Operations.GetAsync(operation.Id))!.Status);
        return operation;
    }
}
