using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Functions.IntegrationPlatform.FlowRuntime;
using Serverless.Functions.IntegrationPlatform.Flows;
using Serverless.Functions.Storage;
using Serverless.Functions.Tests.Infrastructure;
using static Serverless.Functions.Tests.Infrastructure.JsonApiAssertions;
using static Serverless.Functions.Tests.IntegrationPlatform.Flows.FlowSetup;

namespace Serverless.Functions.Tests.IntegrationPlatform.Flows;

/// <summary>A flow row read for running is reused for a short while: what another instance changes shows within that time.</summary>
public sealed class FlowRowReuseTests(FlowRowReuseTests.Fixture api) : IClassFixture<FlowRowReuseTests.Fixture>
{
    public sealed class Fixture : ApiFixture
    {
        protected override bool UsesFakeTime => true;
    }

    [Fact]
    public async Task AFlowStoppedByAnotherInstanceRefusesWebhooksAndParksMessagesOnceTheReuseTimeHasPassed()
    {
        var (server, received) = await SinkAsync("/in");
        await using var _ = server;
        var s = await FlowSetup.CreateAsync(api);
        var post = new JsonObject { ["reader"] = new JsonObject { ["method"] = "POST", ["url"] = "\"" + new Uri(server.Url, "/in") + "\"", ["body"] = "$" } };
        var id = await s.CreateFlowAsync(Graph([Node("step_1", "components/webhook:receive", new { auth = new { type = "NO_AUTH" } }),
            Node("step_2", "components/rest-api:httpRequestAxios", post)], [Edge("step_1", "step_2")]));
        await s.StartAsync(id);
        using var anonymous = api.AnonymousClient();
        await (await anonymous.PostAsync($"/hook/{id}", Json("""{"n":1}"""))).ReadJsonAsync();
        await ApiFixture.EventuallyAsync(() => Task.FromResult(received.Count == 1), "the first message");

        // Another instance stops the flow: its row changes in storage, not through this process's store.
        var table = api.Storage.Table(StorageLayout.Tables.Flows);
        var row = (await api.RowsAsync(StorageLayout.Tables.Flows)).Single(r => r.RowKey == id);
        row["Status"] = FlowStatus.Inactive;
        await table.UpdateEntityAsync(row, Azure.ETag.All, TableUpdateMode.Merge);
        api.Clock.Advance(FlowStore.RunCacheLifetime + TimeSpan.FromMilliseconds(1));

        Assert.Equal(404, (int)(await anonymous.PostAsync($"/hook/{id}", Json("""{"n":2}"""))).StatusCode);
        await api.Services.GetRequiredService<FlowQueue>().SendAsync(await s.EnvelopeAsync(api, id, "step_2", "after-stop", new JsonObject { ["n"] = 3 }));
        await ApiFixture.EventuallyAsync(async () => (await api.RowsAsync(StorageLayout.Tables.FlowParked)).Any(r => r.PartitionKey == id), "the message to be parked");
        Assert.Single(received);
    }
}
