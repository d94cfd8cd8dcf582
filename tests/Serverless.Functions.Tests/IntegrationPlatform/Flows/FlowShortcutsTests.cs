using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Functions.IntegrationPlatform.FlowRuntime;
using Serverless.Functions.Tests.Infrastructure;
using static Serverless.Functions.Tests.Infrastructure.JsonApiAssertions;
using static Serverless.Functions.Tests.IntegrationPlatform.Flows.FlowSetup;

namespace Serverless.Functions.Tests.IntegrationPlatform.Flows;

/// <summary>What the runtime's shortcuts (docs/decisions/0029) must not change: counts, logs, errors, and stops.</summary>
public sealed class FlowShortcutsTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task InProcessStepsRunInTheSameDeliveryWithTheirOwnCountsLogsAndErrors()
    {
        var (server, received) = await SinkAsync("/in");
        await using var _ = server;
        var s = await FlowSetup.CreateAsync(api);
        var post = new JsonObject { ["reader"] = new JsonObject { ["method"] = "POST", ["url"] = "\"" + new Uri(server.Url, "/in") + "\"", ["body"] = "$" } };
        var graph = Graph(
            [
                Node("step_1", "components/webhook:receive", new { auth = new { type = "NO_AUTH" } }),
                Node("step_2", "components/jsonata:transform", new { expression = "{\"n\": n * 10, \"to\": \"ops@example.com\", \"subject\": \"n\" & $string(n)}" }),
                Node("step_3", "components/filter:SimpleJSONataFilter", new { expression = "n < 30", assertion = true }),
                Node("step_4", "squiz-apidocs/email:send"),
                Node("step_5", "components/rest-api:httpRequestAxios", post),
            ],
            [Edge("step_1", "step_2"), Edge("step_2", "step_3"), Edge("step_3", "step_4"), Edge("step_4", "step_5")]);
        var id = await s.CreateFlowAsync(graph);
        await s.StartAsync(id);
        using var anonymous = api.AnonymousClient();
        foreach (var n in new[] { 1, 2, 7 })
        {
            await (await anonymous.PostAsync($"/hook/{id}", Json("{\"n\":" + n + "}"))).ReadJsonAsync();
        }

        await ApiFixture.EventuallyAsync(() => Task.FromResult(received.Count == 2), "the two messages the filter passes");
        Assert.Equal([10, 20], received.Select(b => (int)b["n"]!.GetValue<double>()).Order());
        await ApiFixture.EventuallyAsync(async () => (await s.StatsAsync(id, "step_5"))["out"]!.GetValue<long>() == 2, "the REST step's counts");
        var transform = await s.StatsAsync(id, "step_2");
        Assert.Equal((3, 3, 0, 0), (transform["in"]!.GetValue<long>(), transform["out"]!.GetValue<long>(), transform["errors"]!.GetValue<long>(), transform["ready"]!.GetValue<long>()));
        var filter = await s.StatsAsync(id, "step_3");
        Assert.Equal((3, 2, 1, 0), (filter["in"]!.GetValue<long>(), filter["out"]!.GetValue<long>(), filter["errors"]!.GetValue<long>(), filter["unacked"]!.GetValue<long>()));
        var mail = await s.StatsAsync(id, "step_4");
        Assert.Equal((2, 2), (mail["in"]!.GetValue<long>(), mail["out"]!.GetValue<long>()));

        // The failing filter's error is its own, with its own input kept, as if the message had come by the queue.
        var error = Assert.Single(await api.Services.GetRequiredService<FlowErrorStore>().OfFlowAsync(id, CancellationToken.None));
        Assert.Equal("step_3", error.StepId);
        Assert.Contains("\"n\":70", error.ErrorInput, StringComparison.Ordinal);
        var logs = await (await s.Client.GetAsync($"/v2/logs?workspace_id={s.Workspace}&flow_ids[]={id}")).ReadJsonAsync();
        var lines = logs["hits"]!.AsArray().Select(h => (Step: h!["step_id"]!.GetValue<string>(), Text: h["message"]!.GetValue<string>())).ToList();
        Assert.Equal(2, lines.Count(l => l.Step == "step_4" && l.Text.StartsWith("E-mail to ops@example.com", StringComparison.Ordinal)));
        Assert.Single(lines, l => l.Step == "step_3" && l.Text.Contains("is false for this message", StringComparison.Ordinal));
    }

    [Fact]
    public async Task LogLinesWrittenAtTheSameMomentAreAllKept()
    {
        var logs = api.Services.GetRequiredService<FlowLogStore>();
        var workspace = "ws" + Guid.NewGuid().ToString("N")[..10];
        await Task.WhenAll(Enumerable.Range(0, 250).Select(i => logs.AddAsync(new FlowLogEntity
        {
            WorkspaceId = workspace,
            FlowId = "flow",
            StepId = "step_1",
            Level = 30,
            Message = $"line {i}",
        }, CancellationToken.None)));
        var (total, hits) = await logs.QueryAsync(new FlowLogQuery(workspace, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5), [], [], null, 0, 1000),
            CancellationToken.None);
        Assert.Equal(250, total);
        Assert.Equal(250, hits.Select(h => h.Message).Distinct().Count());
    }
}
