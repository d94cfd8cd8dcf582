using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Functions.Runtime.Components;
using Serverless.Functions.Tests.Incidents;
using Serverless.Functions.Tests.Infrastructure;
using Serverless.Functions.Tests.IntegrationPlatform.Executions;

namespace Serverless.Functions.Tests.Runtime.Components;

/// <summary>The built-in incident component against this product's own incident API, over a real socket.</summary>
public sealed class IncidentComponentTests(KestrelApiFixture api) : IClassFixture<KestrelApiFixture>
{
    private static RecordingStepContext Step() => new() { FlowId = "flow", StepId = "step_1", ExecId = Guid.NewGuid().ToString("N"), WorkspaceId = "ws" };

    private static JsonObject Message(object body) => new() { ["id"] = "m1", ["body"] = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(body)) };

    [Fact]
    public async Task TheComponentRaisesADeduplicatedAlertThenAcknowledgesAndResolvesItsIncident()
    {
        var org = await api.CreateOrganizationAsync();
        using var owner = await api.IncidentClientAsync(org.OwnerKey);
        var (_, serviceKey) = await IncidentTestKit.CreateServiceAsync(owner, "Orders");
        var component = api.Services.GetRequiredService<ComponentCatalog>().Find("incident")!;
        var cfg = new JsonObject { ["baseUrl"] = api.BaseUrl.ToString(), ["refreshToken"] = org.OwnerKey, ["serviceKey"] = serviceKey };

        await component.VerifyCredentialsAsync(cfg, default);
        var wrong = await Assert.ThrowsAsync<ComponentException>(() => component.VerifyCredentialsAsync(new JsonObject { ["baseUrl"] = api.BaseUrl.ToString(), ["refreshToken"] = "ops_wrong" }, default));
        Assert.Contains("401", wrong.Message, StringComparison.Ordinal);

        var raised = (await component.ProcessAsync("raiseAlert", Message(new { message = "Orders backlog", event_id = "orders-1", priority = "P2" }), cfg, Step(), default))!;
        Assert.Equal("created", raised["body"]!["status"]!.GetValue<string>());
        var incidentId = raised["body"]!["incident_id"]!.GetValue<string>();
        var again = (await component.ProcessAsync("raiseAlert", Message(new { message = "Orders backlog", event_id = "orders-1" }), cfg, Step(), default))!;
        Assert.Equal("deduplicated", again["body"]!["status"]!.GetValue<string>());
        Assert.Equal(incidentId, again["body"]!["incident_id"]!.GetValue<string>());

        var acknowledged = (await component.ProcessAsync("acknowledge", Message(new { incident_id = incidentId }), cfg, Step(), default))!;
        Assert.Equal("acknowledged", acknowledged["body"]!["status"]!.GetValue<string>());
        var resolved = (await component.ProcessAsync("resolve", Message(new { incident_id = incidentId, resolution_reason = "Drained" }), cfg, Step(), default))!;
        Assert.Equal("resolved", resolved["body"]!["status"]!.GetValue<string>());
        var incident = await IncidentTestKit.IncidentAsync(owner, incidentId);
        Assert.Equal("P2", incident["priority"]!.GetValue<string>());
        Assert.Equal("Drained", incident["logs"]!.AsArray().Last()!["reason"]!.GetValue<string>());

        var refused = await Assert.ThrowsAsync<ComponentException>(() => component.ProcessAsync("acknowledge", Message(new { incident_id = incidentId }), cfg, Step(), default));
        Assert.Contains("resolved incident cannot be acknowledged", refused.Message, StringComparison.Ordinal);
        var bad = await Assert.ThrowsAsync<ComponentException>(() => component.ProcessAsync("raiseAlert", Message(new { description = "no message" }), cfg, Step(), default));
        Assert.Contains("422", bad.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(serviceKey, bad.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ComponentException>(() => component.ProcessAsync("resolve", Message(new { }), cfg, Step(), default));
        // A resolve alert by event_id closes it from the monitoring side too.
        var reopened = (await component.ProcessAsync("raiseAlert", Message(new { message = "Orders backlog", event_id = "orders-2" }), cfg, Step(), default))!;
        var closed = (await component.ProcessAsync("raiseAlert", Message(new { status = "resolve", event_id = "orders-2" }), cfg, Step(), default))!;
        Assert.Equal("resolved", closed["body"]!["status"]!.GetValue<string>());
        Assert.Equal(reopened["body"]!["incident_id"]!.GetValue<string>(), closed["body"]!["incident_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task VerifyingTheIncidentCredentialThroughTheApiExchangesTheRefreshToken()
    {
        var org = await api.CreateOrganizationAsync();
        var owner = await api.CreateUserAsync();
        var contract = await api.CreateContractAsync(owner);
        using var client = api.ClientFor(owner);
        var workspace = await ApiFixture.CreateWorkspaceAsync(client, contract);
        var list = await (await client.GetAsync($"/v2/components?contract_id={contract}")).ReadJsonAsync();
        var incident = list["data"]!.AsArray().Single(c => c!["attributes"]!["name"]!.GetValue<string>() == "incident")!["id"]!.GetValue<string>();
        object Fields(string token) => new { fields = new { baseUrl = api.BaseUrl.ToString(), refreshToken = token } };
        var good = await ScheduledExecutionsTests.RunAsync(client, $"/v2/components/{incident}/versions/latest/verify-credential",
            ScheduledExecutionsTests.Execution("verify-credential", workspace, Fields(org.OwnerKey)));
        Assert.True(good["data"]!["verified"]!.GetValue<bool>(), good.ToJsonString());
        var bad = await ScheduledExecutionsTests.RunAsync(client, $"/v2/components/{incident}/versions/latest/verify-credential",
            ScheduledExecutionsTests.Execution("verify-credential", workspace, Fields("ops_revoked")));
        Assert.False(bad["data"]!["verified"]!.GetValue<bool>());
    }
}
