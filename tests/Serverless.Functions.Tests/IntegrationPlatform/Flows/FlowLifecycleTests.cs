using System.Text.Json.Nodes;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Functions.Hosting;
using Serverless.Functions.IntegrationPlatform.FlowRuntime;
using Serverless.Functions.Storage;
using Serverless.Functions.Tests.Infrastructure;
using static Serverless.Functions.Tests.Infrastructure.JsonApiAssertions;
using static Serverless.Functions.Tests.IntegrationPlatform.Flows.FlowSetup;

namespace Serverless.Functions.Tests.IntegrationPlatform.Flows;

public sealed class FlowLifecycleTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static JsonObject Post(Uri sink, string path) => new()
    {
        ["reader"] = new JsonObject { ["method"] = "POST", ["url"] = "\"" + new Uri(sink, path) + "\"", ["body"] = "$" },
    };

    [Fact]
    public async Task ASplitterFansOneMessageOutIntoOneMessagePerElement()
    {
        var (server, received) = await SinkAsync("/in");
        await using var _ = server;
        var s = await FlowSetup.CreateAsync(api);
        var graph = Graph(
            [
                Node("step_1", "components/webhook:receive", new { auth = new { type = "NO_AUTH" } }),
                Node("step_2", "components/splitter:splitOnJsonataExpression", new { expression = "items" }),
                Node("step_3", "components/rest-api:httpRequestAxios", Post(server.Url, "/in")),
            ],
            [Edge("step_1", "step_2"), Edge("step_2", "step_3")]);
        var id = await s.CreateFlowAsync(graph);
        await s.StartAsync(id);
        using var anonymous = api.AnonymousClient();
        await (await anonymous.PostAsync($"/hook/{id}", Json("""{"items":[{"n":1},{"n":2},{"n":3}]}"""))).ReadJsonAsync();
        await ApiFixture.EventuallyAsync(() => Task.FromResult(received.Count == 3), "three split messages");
        Assert.Equal([1, 2, 3], received.Select(b => (int)b["n"]!.GetValue<double>()).Order());
        await ApiFixture.EventuallyAsync(async () => (await s.StatsAsync(id, "step_2"))["out"]!.GetValue<long>() == 3, "the splitter's out count");
    }

    [Fact]
    public async Task AMessageLargerThanAQueueMessageTravelsByBlobAndArrivesWhole()
    {
        var (server, received) = await SinkAsync("/in");
        await using var _ = server;
        var s = await FlowSetup.CreateAsync(api);
        var graph = Graph([Node("step_1", "components/webhook:receive", new { auth = new { type = "NO_AUTH" } }), Node("step_2", "components/rest-api:httpRequestAxios", Post(server.Url, "/in"))],
            [Edge("step_1", "step_2", new { text = "text" })]);
        var id = await s.CreateFlowAsync(graph);
        await s.StartAsync(id);
        var text = string.Concat(Enumerable.Range(0, 20_000).Select(i => (char)('a' + (i % 26)))) + new string('z', 180_000);
        using var anonymous = api.AnonymousClient();
        await (await anonymous.PostAsync($"/hook/{id}", Json(new JsonObject { ["text"] = text }.ToJsonString()))).ReadJsonAsync();
        await ApiFixture.EventuallyAsync(() => Task.FromResult(received.Count == 1), "the large message");
        Assert.Equal(text, received.Single()["text"]!.GetValue<string>());
        var blobs = api.Storage.Container(StorageLayout.Containers.FlowMessages).GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, id + "/", CancellationToken.None);
        Assert.True(await blobs.AnyAsync(), "the message went by blob");
    }

    [Fact]
    public async Task AReboundingStepIsCountedWaitingAndLogged()
    {
        var (server, received) = await SinkAsync("/in", 503);
        await using var _ = server;
        var s = await FlowSetup.CreateAsync(api);
        var request = Post(server.Url, "/in");
        request["errorPolicy"] = "rebound";
        var graph = Graph([Node("step_1", "components/webhook:receive", new { auth = new { type = "NO_AUTH" } }), Node("step_2", "components/rest-api:httpRequestAxios", request)],
            [Edge("step_1", "step_2")]);
        var id = await s.CreateFlowAsync(graph);
        await s.StartAsync(id);
        using var anonymous = api.AnonymousClient();
        await (await anonymous.PostAsync($"/hook/{id}", Json("""{"n":1}"""))).ReadJsonAsync();
        await ApiFixture.EventuallyAsync(async () => (await s.StatsAsync(id, "step_2"))["rebounds"]!.GetValue<long>() == 1, "a rebound waiting");
        var stats = await s.StatsAsync(id, "step_2");
        Assert.Equal(0, stats["errors"]!.GetValue<long>());
        var logs = await (await s.Client.GetAsync($"/v2/logs?workspace_id={s.Workspace}&levels[]=40")).ReadJsonAsync();
        Assert.Contains("Rebound 1 in 15 s", Assert.Single(logs["hits"]!.AsArray())!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMessageTakenByAWorkerThatDiedIsDeliveredAgain()
    {
        var (server, received) = await SinkAsync("/in");
        await using var _ = server;
        var s = await FlowSetup.CreateAsync(api);
        var graph = Graph([Node("step_1", "components/webhook:receive", new { auth = new { type = "NO_AUTH" } }), Node("step_2", "components/rest-api:httpRequestAxios", Post(server.Url, "/in"))],
            [Edge("step_1", "step_2")]);
        var id = await s.CreateFlowAsync(graph);
        await s.StartAsync(id);
        var envelope = await s.EnvelopeAsync(api, id, "step_2", "m-1", new JsonObject { ["n"] = 7 });
        // A worker receives the message (hiding it for 2 s) and dies before finishing: nothing deletes it.
        var queue = api.Storage.Queue(StorageLayout.Queues.FlowSteps);
        await queue.SendMessageAsync(QueueMessages.Write(envelope), visibilityTimeout: TimeSpan.FromSeconds(1));
        await ApiFixture.EventuallyAsync(() => Task.FromResult(received.Count == 1), "the redelivered message", seconds: 30);
        Assert.Equal(7, received.Single()["n"]!.GetValue<double>());
    }

    [Fact]
    public async Task AMessageThatFailsEveryDeliveryBecomesAnErrorRecordOnItsStep()
    {
        var s = await FlowSetup.CreateAsync(api);
        var id = await s.CreateFlowAsync(Graph([Node("step_1", "components/webhook:receive"), Node("step_2", "components/router:route")], [Edge("step_1", "step_2")]));
        var envelope = await s.EnvelopeAsync(api, id, "step_2", "poisoned", new JsonObject { ["n"] = 1 });
        await api.Services.GetRequiredService<StepWorker>().OnPoisonedAsync(QueueMessages.Write(envelope), new TimeoutException(), CancellationToken.None);
        var error = Assert.Single(await api.Services.GetRequiredService<FlowErrorStore>().OfFlowAsync(id, CancellationToken.None));
        Assert.Equal("step_2", error.StepId);
        Assert.Equal("PoisonMessage", error.Name);
        Assert.Equal(1, (await s.StatsAsync(id, "step_2"))["errors"]!.GetValue<long>());
    }

    [Fact]
    public async Task SuspendingAContractStopsItsRunningFlowsBeforeTheSuspensionCompletes()
    {
        var s = await FlowSetup.CreateAsync(api);
        var id = await s.CreateFlowAsync(Graph([Node("step_1", "components/webhook:receive", new { auth = new { type = "NO_AUTH" } })], []));
        await s.StartAsync(id);
        using var admin = api.AdminClient();
        var suspend = await admin.PostAsync($"/v2/contracts/{s.Contract}/suspend", null);
        Assert.Equal(202, (int)suspend.StatusCode);
        var poll = suspend.Headers.Location!.PathAndQuery;
        await ApiFixture.EventuallyAsync(async () => (int)(await admin.GetAsync(poll)).StatusCode == 303, "the suspension to complete");
        var flow = await (await s.Client.GetAsync($"/v2/flows/{id}")).ReadJsonAsync();
        Assert.Equal("inactive", flow["data"]!["attributes"]!["status"]!.GetValue<string>());
        Assert.Equal("inactive", flow["data"]!["attributes"]!["current_status"]!.GetValue<string>());
        using var anonymous = api.AnonymousClient();
        Assert.Equal(404, (int)(await anonymous.PostAsync($"/hook/{id}", Json("{}"))).StatusCode);
        await (await s.Client.PostAsync($"/v2/flows/{id}/start", null)).AssertErrorAsync(409);
        await (await admin.PostAsync($"/v2/contracts/{s.Contract}/unsuspend", null)).EnsureSuccessStatusCodeAsync();
    }

    [Fact]
    public async Task AFlowWithoutStepsCannotStartAndWorkspaceStatsListFlowsWithTheirComponents()
    {
        var s = await FlowSetup.CreateAsync(api);
        var empty = await s.CreateFlowAsync(Graph([], []));
        await (await s.Client.PostAsync($"/v2/flows/{empty}/start", null)).AssertErrorAsync(409);
        await s.CreateFlowAsync(Graph([Node("step_1", "components/webhook:receive"), Node("step_2", "squiz-apidocs/email:send")], [Edge("step_1", "step_2")]));
        await (await s.Client.GetAsync("/v2/stats/workspaces")).AssertErrorAsync(400);
        using var admin = api.AdminClient();
        await (await admin.GetAsync($"/v2/stats/workspaces?contract_id={s.Contract}")).AssertErrorAsync(400);
        var stats = await (await admin.GetAsync("/v2/stats/workspaces")).ReadJsonAsync();
        var mine = stats["data"]!.AsArray().Single(w => w!["id"]!.GetValue<string>() == s.Workspace)!;
        var flows = mine["attributes"]!["flows"]!.AsArray();
        Assert.Equal(2, flows.Count);
        Assert.Contains(flows, f => f!["components"]!.AsArray().Any(c => c!["name"]!.GetValue<string>() == "email"));
    }

    [Fact]
    public async Task ARunningFlowKeepsItsVersionUntilItIsStartedAgain()
    {
        var s = await FlowSetup.CreateAsync(api);
        JsonObject GraphReplying(string expression) => Graph(
            [Node("step_1", "components/webhook:receive", new { auth = new { type = "NO_AUTH" } }), Node("step_2", "components/request-reply:reply")],
            [Edge("step_1", "step_2", new { responseBody = expression })]);
        var id = await s.CreateFlowAsync(GraphReplying("first"));
        await s.StartAsync(id);
        var patch = Json(new JsonObject { ["data"] = new JsonObject { ["type"] = "flow", ["id"] = id, ["attributes"] = new JsonObject { ["graph"] = GraphReplying("second") } } }.ToJsonString());
        await (await s.Client.PatchAsync($"/v2/flows/{id}", patch)).ReadJsonAsync();
        using var anonymous = api.AnonymousClient();
        async Task<string> Reply() => await (await anonymous.PostAsync($"/hook/{id}", Json("""{"first":"old","second":"new"}"""))).Content.ReadAsStringAsync();
        Assert.Equal("old", await Reply());
        await s.StopAsync(id);
        await s.StartAsync(id);
        Assert.Equal("new", await Reply());
    }

    [Fact]
    public async Task DeletingAWorkspaceDeletesItsFlows()
    {
        var s = await FlowSetup.CreateAsync(api);
        var id = await s.CreateFlowAsync(Graph([Node("step_1", "components/webhook:receive", new { auth = new { type = "NO_AUTH" } })], []));
        await s.StartAsync(id);
        var deleted = await s.Client.DeleteAsync($"/v2/workspaces/{s.Workspace}");
        Assert.True(deleted.IsSuccessStatusCode, await deleted.Content.ReadAsStringAsync());
        await ApiFixture.EventuallyAsync(async () => !(await api.RowsAsync(StorageLayout.Tables.Flows)).Any(r => r.RowKey == id), "the flow to be deleted");
        using var anonymous = api.AnonymousClient();
        Assert.Equal(404, (int)(await anonymous.PostAsync($"/hook/{id}", Json("{}"))).StatusCode);
    }

    [Fact]
    public async Task LogsOlderThanFourteenDaysAreDeleted()
    {
        var logs = api.Services.GetRequiredService<FlowLogStore>();
        var table = api.Storage.Table(StorageLayout.Tables.FlowLogs);
        var old = DateTimeOffset.UtcNow.AddDays(-20).ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture);
        await table.AddEntityAsync(new Azure.Data.Tables.TableEntity($"{old}|ws", "1|x") { ["Message"] = "old" });
        await logs.DeleteExpiredAsync(CancellationToken.None);
        Assert.DoesNotContain(await api.RowsAsync(StorageLayout.Tables.FlowLogs), r => r.PartitionKey == $"{old}|ws");
    }
}

internal static class ResponseChecks
{
    public static async Task EnsureSuccessStatusCodeAsync(this HttpResponseMessage response) =>
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
}
