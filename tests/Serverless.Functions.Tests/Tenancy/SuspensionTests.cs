using System.Net;
using Serverless.Functions.Tests.Infrastructure;
using static Serverless.Functions.Tests.Infrastructure.JsonApiAssertions;

namespace Serverless.Functions.Tests.Tenancy;

public sealed class SuspensionTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task ASuspendedContractRefusesWritesKeepsReadsAndUnsuspendRestoresWrites()
    {
        var owner = await api.CreateUserAsync();
        var contract = await api.CreateContractAsync(owner);
        using var client = api.ClientFor(owner);
        var workspace = await ApiFixture.CreateWorkspaceAsync(client, contract);
        using var admin = api.AdminClient();

        var response = await admin.PostAsync($"/v2/contracts/{contract}/suspend", null);
        var accepted = await response.ReadJsonAsync(202);
        var operation = accepted["data"]!["id"]!.GetValue<string>();
        Assert.Equal($"http://localhost/v2/exec/poll/{operation}", response.Headers.Location!.ToString());
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Equal("execution-result", accepted["data"]!["type"]!.GetValue<string>());

        // Refused from the moment the request was accepted, whatever the worker has done yet.
        await AssertWritesRefusedAsync(client, contract, workspace);
        await (await client.GetAsync($"/v2/contracts/{contract}")).ReadJsonAsync();
        await (await client.GetAsync($"/v2/workspaces/{workspace}")).ReadJsonAsync();

        await ApiFixture.EventuallyAsync(async () => (await admin.GetAsync($"/v2/exec/poll/{operation}")).StatusCode == HttpStatusCode.SeeOther, "the suspension to finish");
        var result = await (await admin.GetAsync($"/v2/exec/result/{operation}")).ReadJsonAsync();
        Assert.Equal("suspended", result["data"]!["attributes"]!["result"]!["status"]!.GetValue<string>());
        var read = await (await client.GetAsync($"/v2/contracts/{contract}")).ReadJsonAsync();
        Assert.Equal("suspended", read["data"]!["attributes"]!["status"]!.GetValue<string>());
        await AssertWritesRefusedAsync(client, contract, workspace);

        // Suspending again is idempotent: the same operation.
        var again = await (await admin.PostAsync($"/v2/contracts/{contract}/suspend", null)).ReadJsonAsync(202);
        Assert.Equal(operation, again["data"]!["id"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/v2/contracts/{contract}/unsuspend", null)).StatusCode);
        var renamed = await (await client.PatchAsync($"/v2/workspaces/{workspace}", Json(new { data = new { type = "workspace", attributes = new { name = "Back" } } }))).ReadJsonAsync();
        Assert.Equal("Back", renamed["data"]!["attributes"]!["name"]!.GetValue<string>());
        Assert.Equal("active", (await (await client.GetAsync($"/v2/contracts/{contract}")).ReadJsonAsync())["data"]!["attributes"]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task OnlyATenantAdminOrAServiceAccountSuspends()
    {
        var owner = await api.CreateUserAsync();
        var contract = await api.CreateContractAsync(owner);
        using var client = api.ClientFor(owner);
        await (await client.PostAsync($"/v2/contracts/{contract}/suspend", null)).AssertErrorAsync(403);
        await (await client.PostAsync($"/v2/contracts/{contract}/unsuspend", null)).AssertErrorAsync(403);

        using var admin = api.AdminClient();
        var created = await (await admin.PostAsync("/v2/users", Json(new
        {
            data = new { type = "user", attributes = new { first_name = "Robot", last_name = "Ops", email = $"svc-{Guid.NewGuid():N}@example.com", service_account = true } },
        }))).ReadJsonAsync(201);
        Assert.True(created["data"]!["attributes"]!["service_account"]!.GetValue<bool>());
        using var service = api.ClientFor(created["data"]!["attributes"]!["email"]!.GetValue<string>(), created["meta"]!["api_key"]!.GetValue<string>());
        await (await service.PostAsync($"/v2/contracts/{contract}/suspend", null)).ReadJsonAsync(202);
        Assert.Equal(HttpStatusCode.NoContent, (await service.PostAsync($"/v2/contracts/{contract}/unsuspend", null)).StatusCode);
    }

    [Fact]
    public async Task UnsuspendingDuringTheSuspensionLeavesTheContractActive()
    {
        var contract = await api.CreateContractAsync();
        using var admin = api.AdminClient();
        var operation = (await (await admin.PostAsync($"/v2/contracts/{contract}/suspend", null)).ReadJsonAsync(202))["data"]!["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/v2/contracts/{contract}/unsuspend", null)).StatusCode);
        await ApiFixture.EventuallyAsync(async () => (await admin.GetAsync($"/v2/exec/poll/{operation}")).StatusCode == HttpStatusCode.SeeOther, "the suspension to finish");
        var read = await (await admin.GetAsync($"/v2/contracts/{contract}")).ReadJsonAsync();
        Assert.Equal("active", read["data"]!["attributes"]!["status"]!.GetValue<string>());
    }

    private static async Task AssertWritesRefusedAsync(HttpClient client, string contract, string workspace)
    {
        var responses = new[]
        {
            await client.PatchAsync($"/v2/contracts/{contract}", Json(new { data = new { type = "contract", attributes = new { name = "X" } } })),
            await client.PatchAsync($"/v2/workspaces/{workspace}", Json(new { data = new { type = "workspace", attributes = new { name = "X" } } })),
            await client.PostAsync("/v2/workspaces", Json(new
            {
                data = new { type = "workspace", attributes = new { name = "X" }, relationships = new { contract = new { data = new { id = contract, type = "contract" } } } },
            })),
            await client.DeleteAsync($"/v2/workspaces/{workspace}"),
        };
        foreach (var response in responses)
        {
            var error = await response.AssertErrorAsync(409);
            Assert.Equal("contract_suspended", error["code"]!.GetValue<string>());
            Assert.Contains("suspen", error["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        }
    }
}
