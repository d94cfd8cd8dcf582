using System.Text.Json.Nodes;
using Serverless.Functions.Tests.Incidents;
using Serverless.Functions.Tests.Infrastructure;
using static Serverless.Functions.Tests.Infrastructure.JsonApiAssertions;
using static Serverless.Functions.Tests.IntegrationPlatform.Flows.FlowSetup;

namespace Serverless.Functions.Tests.IntegrationPlatform.Flows;

/// <summary>Flows reach incidents: a webhook flow whose incident step opens an incident on this product's own incident API, over a real socket.</summary>
public sealed class FlowIncidentTests(KestrelApiFixture api) : IClassFixture<KestrelApiFixture>
{
    [Fact]
    public async Task AWebhookFlowWithTheIncidentComponentOpensOneIncidentPerEventId()
    {
        using var owner = await api.IncidentClientAsync(api.AdminKey);
        var (_, serviceKey) = await IncidentTestKit.CreateServiceAsync(owner, "Checkout");
        var s = await FlowSetup.CreateAsync(api);
        var list = await (await s.Client.GetAsync($"/v2/components?contract_id={s.Contract}")).ReadJsonAsync();
        var incident = list["data"]!.AsArray().Single(c => c!["attributes"]!["name"]!.GetValue<string>() == "incident")!["id"]!.GetValue<string>();
        var credential = await (await s.Client.PostAsync("/v2/credentials", Json(new JsonObject
        {
            ["data"] = new JsonObject
            {
                ["type"] = "credential",
                ["attributes"] = new JsonObject
                {
                    ["name"] = "Our incidents",
                    ["keys"] = new JsonObject { ["baseUrl"] = api.BaseUrl.ToString(), ["refreshToken"] = api.AdminKey, ["serviceKey"] = serviceKey },
                },
                ["relationships"] = new JsonObject
                {
                    ["component"] = new JsonObject { ["data"] = new JsonObject { ["id"] = incident, ["type"] = "component" } },
                    ["workspace"] = new JsonObject { ["data"] = new JsonObject { ["id"] = s.Workspace, ["type"] = "workspace" } },
                },
            },
        }.ToJsonString()))).ReadJsonAsync(201);
        var graph = Graph(
            [
                Node("step_1", "components/webhook:receive", new { auth = new { type = "NO_AUTH" } }),
                Node("step_2", "components/incident:raiseAlert", credentials: credential["data"]!["id"]!.GetValue<string>()),
            ],
            [Edge("step_1", "step_2", new { message = "'Checkout failing: ' & reason", event_id = "check", priority = "\"P1\"" })]);
        var id = await s.CreateFlowAsync(graph);
        await s.StartAsync(id);
        using var anonymous = api.AnonymousClient();
        await (await anonymous.PostAsync($"/hook/{id}", Json("""{"check":"checkout-5xx","reason":"500s"}"""))).ReadJsonAsync();
        await (await anonymous.PostAsync($"/hook/{id}", Json("""{"check":"checkout-5xx","reason":"still 500s"}"""))).ReadJsonAsync();
        await ApiFixture.EventuallyAsync(async () => (await s.StatsAsync(id, "step_2"))["out"]!.GetValue<long>() == 2, "both alerts to be sent", seconds: 30);
        var export = await (await owner.GetAsync("/v3/incidents/export?type=json")).Content.ReadAsStringAsync();
        // One incident for the event id: the two messages run at once, and whichever alert came second deduplicated onto it.
        Assert.Single(JsonNode.Parse(export)!["data"]!.AsArray(), i => i!.ToJsonString().Contains("Checkout failing: ", StringComparison.Ordinal));
        Assert.Equal(0, (await s.StatsAsync(id, "step_2"))["errors"]!.GetValue<long>());
    }
}
