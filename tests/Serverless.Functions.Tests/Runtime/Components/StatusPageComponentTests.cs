using System.Text.Json.Nodes;
using Serverless.Functions.Tests.Infrastructure;
using Serverless.Functions.Tests.IntegrationPlatform.Executions;
using Serverless.Functions.Tests.StatusPage.Cachet;

namespace Serverless.Functions.Tests.Runtime.Components;

/// <summary>The built-in status-page component against this product's own status page, over a real socket.</summary>
public sealed class StatusPageComponentTests(KestrelApiFixture api) : IClassFixture<KestrelApiFixture>
{
    [Fact]
    public async Task TheStatusPageComponentVerifiesItsTokenAndListsComponentsOfOurOwnPage()
    {
        using var cachet = api.CachetClient();
        var component = await cachet.PostDataAsync("/api/v1/components", new { name = "Checkout", status = 1 });
        var owner = await api.CreateUserAsync();
        var contract = await api.CreateContractAsync(owner);
        using var client = api.ClientFor(owner);
        var workspace = await ApiFixture.CreateWorkspaceAsync(client, contract);
        var list = await (await client.GetAsync($"/v2/components?contract_id={contract}")).ReadJsonAsync();
        var statusPage = list["data"]!.AsArray().Single(c => c!["attributes"]!["name"]!.GetValue<string>() == "status-page")!["id"]!.GetValue<string>();
        object Fields(string token) => new { fields = new { baseUrl = api.BaseUrl.ToString(), apiToken = token } };

        var good = await ScheduledExecutionsTests.RunAsync(client, $"/v2/components/{statusPage}/versions/latest/verify-credential",
            ScheduledExecutionsTests.Execution("verify-credential", workspace, Fields(api.AdminKey)));
        Assert.True(good["data"]!["verified"]!.GetValue<bool>(), good.ToJsonString());
        var bad = await ScheduledExecutionsTests.RunAsync(client, $"/v2/components/{statusPage}/versions/latest/verify-credential",
            ScheduledExecutionsTests.Execution("verify-credential", workspace, Fields("wrong-token")));
        Assert.False(bad["data"]!["verified"]!.GetValue<bool>());
        Assert.Contains("401", bad["data"]!["reason"]!.GetValue<string>(), StringComparison.Ordinal);

        var model = await ScheduledExecutionsTests.RunAsync(client, $"/v2/components/{statusPage}/versions/latest/select-model",
            ScheduledExecutionsTests.Execution("select-model", workspace, new { module = "setComponentStatus", method = "listComponents", fields = new { baseUrl = api.BaseUrl.ToString(), apiToken = api.AdminKey } }));
        Assert.Equal("Checkout", model["data"]![component.Id().ToString(System.Globalization.CultureInfo.InvariantCulture)]!.GetValue<string>());
        Assert.IsType<JsonObject>(model["data"]);
    }
}
