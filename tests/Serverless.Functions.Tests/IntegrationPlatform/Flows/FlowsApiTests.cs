using System.Text.Json.Nodes;
using Serverless.Functions.Storage;
using Serverless.Functions.Tests.Infrastructure;
using static Serverless.Functions.Tests.Infrastructure.JsonApiAssertions;
using static Serverless.Functions.Tests.IntegrationPlatform.Flows.FlowSetup;

namespace Serverless.Functions.Tests.IntegrationPlatform.Flows;

public sealed class FlowsApiTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    /// <summary>The seed's own create example (FL-3), with its squiz-apidocs/help commands and placeholders, as written.</summary>
    private const string SeedGraph = """
        {"nodes":[
          {"name":"","description":"","command":"components/simple-trigger-component:timer@latest","fields":{},"id":"step_1","selected_data_samples":["{DATA_SAMPLE_ID}"]},
          {"name":"My component","description":"Duis aute","command":"components/code:execute@latest","fields":{"code":"{{Put your custom Node.js code here}}"},"id":"step_2","vpn_agent_id":"{VPN_AGENT_ID}","selected_data_samples":["{DATA_SAMPLE_ID}"]},
          {"name":"","description":"","command":"help/petstore:createPetWithPromise@latest","fields":{},"id":"step_3","credentials_id":"{CREDENTIAL_ID}","selected_data_samples":["{DATA_SAMPLE_ID}"]},
          {"name":"","description":"","command":"help/petstore:createPetWithPromise@latest","fields":{},"id":"step_4","credentials_id":"{CREDENTIAL_ID}","selected_data_samples":["{DATA_SAMPLE_ID}"]}],
         "edges":[
          {"config":{"mapper":{},"condition":null},"source":"step_1","target":"step_2"},
          {"config":{"mapper_type":"jsonata","mapper":{"status":"\"sold\"","name":"result"},"condition":null},"source":"step_2","target":"step_3"},
          {"config":{"mapper_type":"jsonata","mapper":{"status":"\"pending\"","name":"result"},"condition":null},"source":"step_2","target":"step_4"}]}
        """;

    [Fact]
    public async Task TheSeedsFlowExampleIsCreatedAsWrittenWithEdgeIdsAndComponentIds()
    {
        var s = await FlowSetup.CreateAsync(api);
        var body = JsonNode.Parse("""
            {"data":{"type":"flow","attributes":{"default_mapper_type":"jsonata","type":"ordinary","name":"My flow","description":"Lorem","cron":null,
              "nodes_config":{"step_1":{"passthrough":{"disabled":true}},"step_2":{"prefetch":3,"replicas":2,"disable_dynamic_flow_control":true,"log_level":"info"}}},
             "relationships":{"workspace":{"data":{"type":"workspace","id":"WORKSPACE"}}}}}
            """.Replace("WORKSPACE", s.Workspace, StringComparison.Ordinal))!;
        body["data"]!["attributes"]!["graph"] = JsonNode.Parse(SeedGraph);
        var response = await s.Client.PostAsync("/v2/flows", Json(body.ToJsonString()));
        var created = await response.ReadJsonAsync(201);
        var attributes = created["data"]!["attributes"]!;
        Assert.Equal("inactive", attributes["status"]!.GetValue<string>());
        Assert.Equal("inactive", attributes["current_status"]!.GetValue<string>());
        Assert.Equal("2.0", attributes["api_version"]!.GetValue<string>());
        var edges = attributes["graph"]!["edges"]!.AsArray();
        Assert.Equal(["step_1:step_2", "mapper:step_2:step_3", "mapper:step_2:step_4"], edges.Select(e => e!["id"]!.GetValue<string>()));
        Assert.Null(edges[0]!["config"]);
        Assert.All(attributes["graph"]!["nodes"]!.AsArray(), n => Assert.NotNull(n!["component_id"]));
        var version = created["data"]!["relationships"]!["latest_version"]!["data"]!["id"]!.GetValue<string>();
        Assert.Equal(40, version.Length);

        // The seed's other commands resolve by repository name too.
        var seedGet = Graph([Node("step_1", "squiz-apidocs/timer:timer", new { interval = "minute" }), Node("step_2", "squiz-apidocs/email:send")],
            [Edge("step_1", "step_2", new { to = "\"test@example.com\"", subject = "\"StrongMapper\"", textBody = "Address.Street" })]);
        await s.CreateFlowAsync(seedGet);
        var trigger = Graph([Node("step_1", "squiz-apidocs/code:executeTrigger@latest"), Node("step_2", "squiz-apidocs/code:execute@latest")], [Edge("step_1", "step_2")]);
        await s.CreateFlowAsync(trigger);
    }

    public static TheoryData<string, string, string> BadGraphs => new()
    {
        { """{"nodes":[{"id":"step_1","command":"components/nothing:x"}],"edges":[]}""", "/data/attributes/graph/nodes/0/command", "no component" },
        { """{"nodes":[{"id":"step_1","command":"components/webhook:nothing"}],"edges":[]}""", "/data/attributes/graph/nodes/0/command", "no trigger or action" },
        { """{"nodes":[{"id":"step_1","command":"components/webhook:receive@0000000000000000000000000000000000000000"}],"edges":[]}""", "/data/attributes/graph/nodes/0/command", "no version" },
        { """{"nodes":[{"id":"step_1","command":"components/webhook:receive"}],"edges":[{"source":"step_1","target":"step_9"}]}""", "/data/attributes/graph/edges/0/target", "step_9" },
        { """{"nodes":[{"id":"step_1","command":"components/webhook:receive"},{"id":"step_2","command":"components/router:route"},{"id":"step_3","command":"components/router:route"}],"edges":[{"source":"step_1","target":"step_2"},{"source":"step_2","target":"step_3"},{"source":"step_3","target":"step_2"}]}""", "/data/attributes/graph/edges", "cycle" },
        { """{"nodes":[{"id":"step_1","command":"components/webhook:receive"},{"id":"step_2","command":"components/router:route"},{"id":"step_3","command":"components/router:route"},{"id":"step_4","command":"components/router:route"}],"edges":[{"source":"step_1","target":"step_2","config":{"condition":"a"}},{"source":"step_1","target":"step_3"},{"source":"step_1","target":"step_4"}]}""", "/data/attributes/graph/edges", "default edge" },
        { """{"nodes":[{"id":"step_1","command":"components/router:route"}],"edges":[]}""", "/data/attributes/graph/nodes", "not a trigger" },
        { """{"nodes":[{"id":"step_1","command":"components/webhook:receive"},{"id":"step_2","command":"components/router:route"}],"edges":[{"source":"step_1","target":"step_2","config":{"mapper_type":"handlebars","mapper":{"a":"b"}}}]}""", "/data/attributes/graph/edges/0/config/mapper_type", "jsonata" },
        { """{"nodes":[{"id":"step_1","command":"components/webhook:receive"},{"id":"step_2","command":"components/router:route"}],"edges":[{"source":"step_1","target":"step_2","config":{"mapper":{"a":"{{fireTime}}"}}}]}""", "/data/attributes/graph/edges/0/config/mapper/a", "JSONata" },
        { """{"nodes":[{"id":"step_1","command":"components/webhook:receive"},{"id":"step_1","command":"components/router:route"}],"edges":[]}""", "/data/attributes/graph/nodes/1/id", "step_1" },
        { """{"nodes":"none","edges":[]}""", "/data/attributes/graph", "arrays" },
    };

    [Theory]
    [MemberData(nameof(BadGraphs))]
    public async Task ABadGraphIsA400NamingTheNodeOrEdgeAndNothingIsSaved(string graph, string pointer, string says)
    {
        var s = await FlowSetup.CreateAsync(api);
        var response = await s.Client.PostAsync("/v2/flows", FlowBody(s.Workspace, JsonNode.Parse(graph)!));
        var error = await response.AssertErrorAsync(400);
        Assert.Equal(pointer, error["source"]!["pointer"]!.GetValue<string>());
        Assert.Contains(says, error["detail"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
        var list = await (await s.Client.GetAsync($"/v2/flows?workspace_id={s.Workspace}")).ReadJsonAsync();
        Assert.Empty(list["data"]!.AsArray());
    }

    [Theory]
    [InlineData("""{"name":"F","type":"ordinary","default_mapper_type":"handlebars"}""", "/data/attributes/default_mapper_type")]
    [InlineData("""{"name":"F","type":"sometimes","default_mapper_type":"jsonata"}""", "/data/attributes/type")]
    [InlineData("""{"type":"ordinary","default_mapper_type":"jsonata"}""", "/data/attributes/name")]
    [InlineData("""{"name":"F","type":"ordinary","default_mapper_type":"jsonata","cron":"every day"}""", "/data/attributes/cron")]
    [InlineData("""{"name":"F","type":"ordinary","default_mapper_type":"jsonata","nodes_config":{"step_1":{"replicas":6}}}""", "/data/attributes/nodes_config/step_1/replicas")]
    [InlineData("""{"name":"F","type":"ordinary","default_mapper_type":"jsonata","nodes_config":{"step_1":{"log_level":"loud"}}}""", "/data/attributes/nodes_config/step_1/log_level")]
    public async Task BadAttributesAreA400NamingTheField(string attributes, string pointer)
    {
        var s = await FlowSetup.CreateAsync(api);
        var graph = Graph([Node("step_1", "components/webhook:receive")], []);
        var response = await s.Client.PostAsync("/v2/flows", FlowBody(s.Workspace, graph, JsonNode.Parse(attributes)));
        var error = await response.AssertErrorAsync(400);
        Assert.Equal(pointer, error["source"]!["pointer"]!.GetValue<string>());
    }

    [Fact]
    public async Task EveryUpdateIsANewVersionAndListsFilterSortAndSearch()
    {
        var s = await FlowSetup.CreateAsync(api);
        var graph = Graph([Node("step_1", "components/webhook:receive"), Node("step_2", "components/router:route")], [Edge("step_1", "step_2")]);
        var id = await s.CreateFlowAsync(graph);
        var patch = Json(new JsonObject { ["data"] = new JsonObject { ["type"] = "flow", ["id"] = id, ["attributes"] = new JsonObject { ["name"] = "Renamed flow", ["description"] = "orders" } } }.ToJsonString());
        var updated = await (await s.Client.PatchAsync($"/v2/flows/{id}", patch)).ReadJsonAsync();
        Assert.Equal("Renamed flow", updated["data"]!["attributes"]!["name"]!.GetValue<string>());
        var versions = await (await s.Client.GetAsync($"/v2/flows/{id}/versions")).ReadJsonAsync();
        Assert.Equal(2, versions["data"]!.AsArray().Count);
        var latest = updated["data"]!["relationships"]!["latest_version"]!["data"]!["id"]!.GetValue<string>();
        var version = await (await s.Client.GetAsync($"/v2/flows/{id}/versions/{latest}")).ReadJsonAsync();
        Assert.Equal("Renamed flow", version["data"]!["attributes"]!["name"]!.GetValue<string>());

        var other = await s.CreateFlowAsync(graph);
        var searched = await (await s.Client.GetAsync($"/v2/flows?workspace_id={s.Workspace}&search=ORDERS")).ReadJsonAsync();
        Assert.Equal(id, Assert.Single(searched["data"]!.AsArray())!["id"]!.GetValue<string>());
        var sorted = await (await s.Client.GetAsync($"/v2/flows?workspace_id={s.Workspace}&sort=-name")).ReadJsonAsync();
        Assert.Equal([other, id], sorted["data"]!.AsArray().Select(f => f!["id"]!.GetValue<string>()));
        var inactive = await (await s.Client.GetAsync($"/v2/flows?workspace_id={s.Workspace}&filter[status]=active")).ReadJsonAsync();
        Assert.Empty(inactive["data"]!.AsArray());
        await (await s.Client.GetAsync($"/v2/flows?workspace_id={s.Workspace}&sort=colour")).AssertErrorAsync(400);
        await (await s.Client.GetAsync($"/v2/flows?workspace_id={s.Workspace}&filter[status]=sleepy")).AssertErrorAsync(400);
        await (await s.Client.GetAsync("/v2/flows")).AssertErrorAsync(400);
    }

    [Fact]
    public async Task DraftsAreUpsertedReadAndDeletedAndCopiesGoIntoADraft()
    {
        var s = await FlowSetup.CreateAsync(api);
        var graph = Graph([Node("step_1", "components/webhook:receive"), Node("step_2", "components/router:route")], [Edge("step_1", "step_2")]);
        var id = await s.CreateFlowAsync(graph);
        await (await s.Client.GetAsync($"/v2/flows/{id}/draft")).AssertErrorAsync(404);
        var draftBody = Json(new JsonObject { ["data"] = new JsonObject { ["type"] = "flow-draft", ["attributes"] = new JsonObject { ["name"] = "Draft", ["graph"] = graph.DeepClone() } } }.ToJsonString());
        var draft = await (await s.Client.PutAsync($"/v2/flows/{id}/draft", draftBody)).ReadJsonAsync();
        Assert.Equal("flow-draft", draft["data"]!["type"]!.GetValue<string>());
        await (await s.Client.PutAsync($"/v2/flows/{id}/draft", draftBody)).ReadJsonAsync();
        var hasDraft = await (await s.Client.GetAsync($"/v2/flows?workspace_id={s.Workspace}&filter[has_draft]=true")).ReadJsonAsync();
        Assert.Single(hasDraft["data"]!.AsArray());
        Assert.Equal(System.Net.HttpStatusCode.NoContent, (await s.Client.DeleteAsync($"/v2/flows/{id}/draft")).StatusCode);
        await (await s.Client.GetAsync($"/v2/flows/{id}/draft")).AssertErrorAsync(404);

        var target = await ApiFixture.CreateWorkspaceAsync(s.Client, s.Contract, "Target");
        var copy = Json(new JsonObject
        {
            ["data"] = new JsonObject
            {
                ["type"] = "flow-copy",
                ["attributes"] = new JsonObject { ["name"] = "Copied" },
                ["relationships"] = new JsonObject { ["dest_workspace"] = new JsonObject { ["data"] = new JsonObject { ["id"] = target, ["type"] = "workspace" } } },
            },
        }.ToJsonString());
        var copied = await (await s.Client.PostAsync($"/v2/flows/{id}/copy", copy)).ReadJsonAsync(201);
        var newId = copied["data"]!["id"]!.GetValue<string>();
        Assert.Empty(copied["data"]!["attributes"]!["graph"]!["nodes"]!.AsArray());
        var copiedDraft = await (await s.Client.GetAsync($"/v2/flows/{newId}/draft")).ReadJsonAsync();
        Assert.Equal(2, copiedDraft["data"]!["attributes"]!["graph"]!["nodes"]!.AsArray().Count);
        var both = Json("""{"data":{"type":"flow-copy","attributes":{"dest_flow_id":"x"},"relationships":{"dest_workspace":{"data":{"id":"y","type":"workspace"}}}}}""");
        await (await s.Client.PostAsync($"/v2/flows/{id}/copy", both)).AssertErrorAsync(400);
    }

    [Fact]
    public async Task SnapshotsAreEditableOnlyWhileTheFlowIsStoppedAndOnlyForItsSteps()
    {
        var s = await FlowSetup.CreateAsync(api);
        var graph = Graph([Node("step_1", "components/webhook:receive"), Node("step_2", "components/router:route")], [Edge("step_1", "step_2")]);
        var id = await s.CreateFlowAsync(graph);
        StringContent Snapshot(string step, JsonNode? value) => Json(new JsonObject { ["data"] = new JsonObject { ["type"] = "snapshot", ["id"] = step, ["attributes"] = new JsonObject { ["snapshot"] = value } } }.ToJsonString());
        await (await s.Client.PostAsync($"/v2/flows/{id}/snapshots", Snapshot("step_1", new JsonObject { ["lastPoll"] = "x" }))).ReadJsonAsync(201);
        await (await s.Client.PostAsync($"/v2/flows/{id}/snapshots", Snapshot("step_1", 1))).AssertErrorAsync(409);
        await (await s.Client.PostAsync($"/v2/flows/{id}/snapshots", Snapshot("step_9", 1))).AssertErrorAsync(400);
        await (await s.Client.PatchAsync($"/v2/flows/{id}/snapshots/step_2", Snapshot("step_2", 1))).AssertErrorAsync(404);
        await (await s.Client.PostAsync($"/v2/flows/{id}/snapshots", Snapshot("step_2", new string('x', 6000)))).AssertErrorAsync(400);
        var edited = await (await s.Client.PatchAsync($"/v2/flows/{id}/snapshots/step_1", Snapshot("step_1", new JsonObject { ["lastPoll"] = "y" }))).ReadJsonAsync();
        Assert.Equal("y", edited["data"]!["attributes"]!["snapshot"]!["lastPoll"]!.GetValue<string>());
        var list = await (await s.Client.GetAsync($"/v2/flows/{id}/snapshots")).ReadJsonAsync();
        Assert.Single(list["data"]!.AsArray());

        await s.StartAsync(id);
        await (await s.Client.PatchAsync($"/v2/flows/{id}/snapshots/step_1", Snapshot("step_1", 2))).AssertErrorAsync(409);
        await (await s.Client.DeleteAsync($"/v2/flows/{id}/snapshots/step_1")).AssertErrorAsync(409);
        await s.StopAsync(id);
        Assert.Equal(System.Net.HttpStatusCode.NoContent, (await s.Client.DeleteAsync($"/v2/flows/{id}/snapshots/step_1")).StatusCode);
    }

    [Fact]
    public async Task AnOutsiderSeesNoFlowAndAGuestMayNotChangeOne()
    {
        var s = await FlowSetup.CreateAsync(api);
        var id = await s.CreateFlowAsync(Graph([Node("step_1", "components/webhook:receive")], []));
        var outsider = await api.CreateUserAsync();
        using var outsiderClient = api.ClientFor(outsider);
        await ApiFixture.CreateWorkspaceAsync(outsiderClient, await api.CreateContractAsync(outsider));
        foreach (var path in new[] { $"/v2/flows/{id}", $"/v2/flows/{id}/versions", $"/v2/flows/{id}/snapshots", $"/v2/stats/queues/{id}", $"/v2/flows/{id}/draft" })
        {
            await (await outsiderClient.GetAsync(path)).AssertErrorAsync(404);
        }
        await (await outsiderClient.GetAsync($"/v2/flows?workspace_id={s.Workspace}")).AssertErrorAsync(404);
        await (await outsiderClient.GetAsync($"/v2/logs?workspace_id={s.Workspace}")).AssertErrorAsync(404);
        await (await outsiderClient.PostAsync($"/v2/flows/{id}/start", null)).AssertErrorAsync(404);
        await (await outsiderClient.DeleteAsync($"/v2/flows/{id}")).AssertErrorAsync(404);
        await (await outsiderClient.PostAsync("/v2/flows", FlowBody(s.Workspace, Graph([Node("step_1", "components/webhook:receive")], [])))).AssertErrorAsync(404);

        var otherTenant = await api.CreateOtherTenantAdminAsync();
        using var otherClient = api.ClientFor(otherTenant);
        await (await otherClient.GetAsync($"/v2/flows/{id}")).AssertErrorAsync(404);

        var guest = await api.CreateUserAsync();
        await ApiFixture.AddContractMemberAsync(s.Client, s.Contract, guest, "member");
        await ApiFixture.AddWorkspaceMemberAsync(s.Client, s.Workspace, guest, "guest");
        using var guestClient = api.ClientFor(guest);
        await (await guestClient.GetAsync($"/v2/flows/{id}")).ReadJsonAsync();
        await (await guestClient.PostAsync($"/v2/flows/{id}/start", null)).AssertErrorAsync(403);
        await (await guestClient.DeleteAsync($"/v2/flows/{id}")).AssertErrorAsync(403);
        await (await guestClient.GetAsync($"/v2/logs?workspace_id={s.Workspace}")).AssertErrorAsync(403);
        await (await guestClient.PostAsync("/v2/flows", FlowBody(s.Workspace, Graph([Node("step_1", "components/webhook:receive")], [])))).AssertErrorAsync(403);
    }

    [Fact]
    public async Task DeletingAFlowRemovesItsVersionsAndItsWebhook()
    {
        var s = await FlowSetup.CreateAsync(api);
        var id = await s.CreateFlowAsync(Graph([Node("step_1", "components/webhook:receive", new { auth = new { type = "NO_AUTH" } })], []));
        await s.StartAsync(id);
        using var anonymous = api.AnonymousClient();
        await (await anonymous.PostAsync($"/hook/{id}", Json("""{"a":1}"""))).ReadJsonAsync();
        Assert.Equal(System.Net.HttpStatusCode.NoContent, (await s.Client.DeleteAsync($"/v2/flows/{id}")).StatusCode);
        await (await s.Client.GetAsync($"/v2/flows/{id}")).AssertErrorAsync(404);
        Assert.DoesNotContain(await api.RowsAsync(StorageLayout.Tables.FlowVersions), r => r.PartitionKey == id);
        Assert.Equal(404, (int)(await anonymous.PostAsync($"/hook/{id}", Json("""{"a":1}"""))).StatusCode);
    }
}
