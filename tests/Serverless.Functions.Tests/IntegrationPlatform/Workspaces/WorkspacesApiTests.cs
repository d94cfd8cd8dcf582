using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Functions.Identity;
using Serverless.Functions.Tests.Infrastructure;
using static Serverless.Functions.Tests.Infrastructure.JsonApiAssertions;

namespace Serverless.Functions.Tests.IntegrationPlatform.Workspaces;

public sealed class WorkspacesApiTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    /// <summary>A contract with an Owner, one workspace of theirs, and a second user who is a plain contract member.</summary>
    private async Task<(TestUser Owner, TestUser Member, string Contract, string Workspace)> SetUpAsync()
    {
        var owner = await api.CreateUserAsync();
        var member = await api.CreateUserAsync();
        var contract = await api.CreateContractAsync(owner);
        using var client = api.ClientFor(owner);
        await ApiFixture.AddContractMemberAsync(client, contract, member, "member");
        return (owner, member, contract, await ApiFixture.CreateWorkspaceAsync(client, contract));
    }

    [Fact]
    public async Task AContractMemberCreatesAWorkspaceAndBecomesItsOwner()
    {
        var (owner, member, contract, _) = await SetUpAsync();
        using var client = api.ClientFor(member);
        var response = await client.PostAsync("/v2/workspaces", Json(new
        {
            data = new { type = "workspace", attributes = new { name = "Mine" }, relationships = new { contract = new { data = new { id = contract, type = "contract" } } } },
        }));
        var body = await response.ReadJsonAsync(200); // the seed answers 200, not 201
        var data = body["data"]!;
        Assert.Equal("full", data["attributes"]!["type"]!.GetValue<string>());
        Assert.Equal(contract, data["relationships"]!["contract"]!["data"]!["id"]!.GetValue<string>());
        Assert.Equal(member.Id, Assert.Single(data["relationships"]!["members"]!["data"]!.AsArray())!["id"]!.GetValue<string>());

        var id = data["id"]!.GetValue<string>();
        var members = await (await client.GetAsync($"/v2/workspaces/{id}/members/")).ReadJsonAsync();
        var only = Assert.Single(members["data"]!.AsArray())!;
        Assert.Equal(["owner"], only["attributes"]!["roles"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.Equal($"/v2/members/{member.Id}", only["links"]!["self"]!.GetValue<string>());
        _ = owner;
    }

    [Theory]
    [InlineData("""{"data":{"type":"workspace","attributes":{"name":"X"}}}""", "/data/relationships/contract", 400)]
    [InlineData("""{"data":{"type":"workspace","attributes":{"name":"X"},"relationships":{"contract":{"data":{"id":"CONTRACT","type":"user"}}}}}""", "/data/relationships/contract/data/type", 400)]
    [InlineData("""{"data":{"type":"workspace","attributes":{},"relationships":{"contract":{"data":{"id":"CONTRACT","type":"contract"}}}}}""", "/data/attributes/name", 400)]
    [InlineData("""{"data":{"type":"workspace","attributes":{"name":"X","type":"huge"},"relationships":{"contract":{"data":{"id":"CONTRACT","type":"contract"}}}}}""", "/data/attributes/type", 400)]
    [InlineData("""{"data":{"type":"contract","attributes":{"name":"X"}}}""", "/data/type", 409)]
    public async Task BadWorkspaceBodiesGet4xxNamingTheField(string json, string pointer, int status)
    {
        var (owner, _, contract, _) = await SetUpAsync();
        using var client = api.ClientFor(owner);
        var error = await (await client.PostAsync("/v2/workspaces", Json(json.Replace("CONTRACT", contract, StringComparison.Ordinal)))).AssertErrorAsync(status);
        Assert.Equal(pointer, error["source"]!["pointer"]!.GetValue<string>());
        var mine = await (await client.GetAsync($"/v2/workspaces?contract_id={contract}")).ReadJsonAsync();
        Assert.Single(mine["data"]!.AsArray());
    }

    [Fact]
    public async Task OutsidersGet404ForEverythingOfTheWorkspace()
    {
        var (_, _, contract, workspace) = await SetUpAsync();
        var outsider = await api.CreateOtherTenantAdminAsync();
        var stranger = await api.CreateUserAsync();
        foreach (var user in new[] { outsider, stranger })
        {
            using var client = api.ClientFor(user);
            await (await client.GetAsync($"/v2/workspaces/{workspace}")).AssertErrorAsync(404);
            await (await client.GetAsync($"/v2/workspaces/{workspace}/members")).AssertErrorAsync(404);
            await (await client.PatchAsync($"/v2/workspaces/{workspace}", Json(new { data = new { type = "workspace", attributes = new { name = "Mine" } } }))).AssertErrorAsync(404);
            await (await client.PatchAsync($"/v2/workspaces/{workspace}/members/{user.Id}",
                Json(new { data = new { type = "member", id = user.Id, attributes = new { roles = new[] { "owner" } } } }))).AssertErrorAsync(404);
            await (await client.DeleteAsync($"/v2/workspaces/{workspace}/members/{user.Id}")).AssertErrorAsync(404);
            await (await client.PatchAsync($"/v2/workspaces/{workspace}/members/support", null)).AssertErrorAsync(404);
            await (await client.DeleteAsync($"/v2/workspaces/{workspace}/members/support")).AssertErrorAsync(404);
            await (await client.DeleteAsync($"/v2/workspaces/{workspace}")).AssertErrorAsync(404);
            await (await client.PostAsync("/v2/workspaces", Json(new
            {
                data = new { type = "workspace", attributes = new { name = "In yours" }, relationships = new { contract = new { data = new { id = contract, type = "contract" } } } },
            }))).AssertErrorAsync(404);
            var list = await (await client.GetAsync("/v2/workspaces")).ReadJsonAsync();
            Assert.Empty(list["data"]!.AsArray());
        }
    }

    [Fact]
    public async Task EachWorkspaceRoleDoesWhatItsPermissionsAllowAndNoMore()
    {
        var (owner, member, _, workspace) = await SetUpAsync();
        using var ownerClient = api.ClientFor(owner);
        using var memberClient = api.ClientFor(member);
        // A contract member who is not in the workspace knows it exists (403), but cannot read it without listAll.
        await (await memberClient.GetAsync($"/v2/workspaces/{workspace}")).AssertErrorAsync(403);

        await ApiFixture.AddWorkspaceMemberAsync(ownerClient, workspace, member, "integrator");
        var read = await (await memberClient.GetAsync($"/v2/workspaces/{workspace}?include=members")).ReadJsonAsync();
        Assert.Equal(2, read["included"]!.AsArray().Count);
        var rename = Json(new { data = new { type = "workspace", attributes = new { name = "Renamed" } } });
        await (await memberClient.PatchAsync($"/v2/workspaces/{workspace}", rename)).AssertErrorAsync(403);
        await (await memberClient.DeleteAsync($"/v2/workspaces/{workspace}")).AssertErrorAsync(403);
        await (await memberClient.DeleteAsync($"/v2/workspaces/{workspace}/members/{owner.Id}")).AssertErrorAsync(403);

        await ApiFixture.AddWorkspaceMemberAsync(ownerClient, workspace, member, "admin");
        var renamed = await (await memberClient.PatchAsync($"/v2/workspaces/{workspace}", rename)).ReadJsonAsync();
        Assert.Equal("Renamed", renamed["data"]!["attributes"]!["name"]!.GetValue<string>());
        // Changing the type needs workspaces.workspace.edit_type, which only the tenant admin holds.
        var limited = Json(new { data = new { type = "workspace", attributes = new { type = "limited" } } });
        await (await ownerClient.PatchAsync($"/v2/workspaces/{workspace}", limited)).AssertErrorAsync(403);
        using var admin = api.AdminClient();
        var changed = await (await admin.PatchAsync($"/v2/workspaces/{workspace}", limited)).ReadJsonAsync();
        Assert.Equal("limited", changed["data"]!["attributes"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task MembershipChangesAreValidatedAndKeepAnOwner()
    {
        var (owner, member, _, workspace) = await SetUpAsync();
        var notInContract = await api.CreateUserAsync();
        using var client = api.ClientFor(owner);

        var error = await (await client.PatchAsync($"/v2/workspaces/{workspace}/members/{notInContract.Id}",
            Json(new { data = new { type = "member", id = notInContract.Id, attributes = new { roles = new[] { "admin" } } } }))).AssertErrorAsync(409);
        Assert.Equal("/data/id", error["source"]!["pointer"]!.GetValue<string>());
        error = await (await client.PatchAsync($"/v2/workspaces/{workspace}/members/{member.Id}",
            Json(new { data = new { type = "member", id = owner.Id, attributes = new { roles = new[] { "admin" } } } }))).AssertErrorAsync(409);
        Assert.Equal("/data/id", error["source"]!["pointer"]!.GetValue<string>());
        error = await (await client.PatchAsync($"/v2/workspaces/{workspace}/members/{member.Id}",
            Json(new { data = new { type = "member", attributes = new { roles = new[] { "admin" } } } }))).AssertErrorAsync(400);
        Assert.Equal("/data/id", error["source"]!["pointer"]!.GetValue<string>());
        error = await (await client.PatchAsync($"/v2/workspaces/{workspace}/members/{member.Id}",
            Json(new { data = new { type = "member", id = member.Id, attributes = new { roles = new[] { "wizard" } } } }))).AssertErrorAsync(400);
        Assert.Equal("/data/attributes/roles/0", error["source"]!["pointer"]!.GetValue<string>());
        error = await (await client.PatchAsync($"/v2/workspaces/{workspace}/members/{member.Id}",
            Json(new { data = new { type = "member", id = member.Id, attributes = new { roles = Array.Empty<string>() } } }))).AssertErrorAsync(400);
        Assert.Equal("/data/attributes/roles", error["source"]!["pointer"]!.GetValue<string>());
        await (await client.PatchAsync($"/v2/workspaces/{workspace}/members/{owner.Id}",
            Json(new { data = new { type = "member", id = owner.Id, attributes = new { roles = new[] { "guest" } } } }))).AssertErrorAsync(409);
        await (await client.DeleteAsync($"/v2/workspaces/{workspace}/members/{owner.Id}")).AssertErrorAsync(409);

        await ApiFixture.AddWorkspaceMemberAsync(client, workspace, member, "guest");
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v2/workspaces/{workspace}/members/{member.Id}/")).StatusCode);
        await (await client.DeleteAsync($"/v2/workspaces/{workspace}/members/{member.Id}")).AssertErrorAsync(404);
    }

    [Fact]
    public async Task ListFiltersByContractAndRejectsABadContractId()
    {
        var (owner, _, contract, workspace) = await SetUpAsync();
        var otherContract = await api.CreateContractAsync(owner);
        using var client = api.ClientFor(owner);
        var other = await ApiFixture.CreateWorkspaceAsync(client, otherContract);
        var all = await (await client.GetAsync("/v2/workspaces")).ReadJsonAsync();
        Assert.Equal(2, all["data"]!.AsArray().Count);
        Assert.Equal("/v2/workspaces?page[number]=1&page[size]=20", Uri.UnescapeDataString(all["links"]!["self"]!.GetValue<string>()));
        var one = await (await client.GetAsync($"/v2/workspaces?contract_id={contract}")).ReadJsonAsync();
        Assert.Equal(workspace, Assert.Single(one["data"]!.AsArray())!["id"]!.GetValue<string>());
        var error = await (await client.GetAsync("/v2/workspaces?contract_id=../../x")).AssertErrorAsync(400);
        Assert.Equal("contract_id", error["source"]!["parameter"]!.GetValue<string>());
        _ = other;
    }

    [Fact]
    public async Task FlowStatsDefaultCascadesFromWorkspaceToContractToTenant()
    {
        var owner = await api.CreateUserAsync();
        var contract = await api.CreateContractAsync(owner, new { name = "Stats", flow_stats_enabled_default = true });
        using var client = api.ClientFor(owner);
        var workspace = await ApiFixture.CreateWorkspaceAsync(client, contract);
        var inherited = await (await client.GetAsync($"/v2/workspaces/{workspace}")).ReadJsonAsync();
        Assert.True(inherited["data"]!["attributes"]!["flow_stats_enabled_default"]!.GetValue<bool>());
        var own = await (await client.PatchAsync($"/v2/workspaces/{workspace}",
            Json(new { data = new { type = "workspace", attributes = new { flow_stats_enabled_default = false } } }))).ReadJsonAsync();
        Assert.False(own["data"]!["attributes"]!["flow_stats_enabled_default"]!.GetValue<bool>());
    }

    [Fact]
    public async Task SupportAccessAddsTheSupportUserAsOwnerAndTakesThemAwayAgain()
    {
        var (owner, _, contract, workspace) = await SetUpAsync();
        var support = await api.CreateUserAsync();
        using var admin = api.AdminClient();
        using var ownerClient = api.ClientFor(owner);
        // Only holders of workspace.workspace.edit_membership_support (the tenant admin) may do it.
        await (await ownerClient.PatchAsync($"/v2/workspaces/{workspace}/members/support", null)).AssertErrorAsync(403);
        var error = await (await admin.PatchAsync($"/v2/workspaces/{workspace}/members/support", null)).AssertErrorAsync(409);
        Assert.Contains("support_user_id", error["detail"]!.GetValue<string>(), StringComparison.Ordinal);

        await ownerClient.PatchAsync($"/v2/contracts/{contract}", Json(new { data = new { type = "contract", attributes = new { support_user_id = support.Id } } }));
        var granted = await (await admin.PatchAsync($"/v2/workspaces/{workspace}/members/support", null)).ReadJsonAsync();
        Assert.Equal(support.Id, granted["data"]!["id"]!.GetValue<string>());
        Assert.Equal(["owner"], granted["data"]!["attributes"]!["roles"]!.AsArray().Select(r => r!.GetValue<string>()));
        using var supportClient = api.ClientFor(support);
        Assert.Equal(contract, (await (await supportClient.GetAsync($"/v2/contracts/{contract}")).ReadJsonAsync())["data"]!["id"]!.GetValue<string>());
        Assert.Equal(workspace, (await (await supportClient.GetAsync($"/v2/workspaces/{workspace}")).ReadJsonAsync())["data"]!["id"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/v2/workspaces/{workspace}/members/support")).StatusCode);
        await (await supportClient.GetAsync($"/v2/workspaces/{workspace}")).AssertErrorAsync(404);
        await (await supportClient.GetAsync($"/v2/contracts/{contract}")).AssertErrorAsync(404);
    }

    [Fact]
    public async Task TheTenantsSupportUserServesContractsThatNameNone()
    {
        var (_, _, _, workspace) = await SetUpAsync();
        var support = await api.CreateUserAsync();
        var users = api.Services.GetRequiredService<UserStore>();
        var admin = await users.FindByApiKeyAsync(api.AdminKey);
        var table = api.Storage.Table(Serverless.Functions.Storage.StorageLayout.Tables.Tenants);
        var tenant = (await table.GetEntityAsync<TenantEntity>(TenantEntity.Partition, admin!.TenantId)).Value;
        tenant.SupportUserId = support.Id;
        await table.UpdateEntityAsync(tenant, tenant.ETag);
        using var client = api.AdminClient();
        var granted = await (await client.PatchAsync($"/v2/workspaces/{workspace}/members/support", null)).ReadJsonAsync();
        Assert.Equal(support.Id, granted["data"]!["id"]!.GetValue<string>());
        tenant = (await table.GetEntityAsync<TenantEntity>(TenantEntity.Partition, admin.TenantId)).Value;
        tenant.SupportUserId = null;
        await table.UpdateEntityAsync(tenant, tenant.ETag, Azure.Data.Tables.TableUpdateMode.Replace);
    }

    [Fact]
    public async Task AWorkspaceAdminCannotMakeThemselvesOwnerOrRemoveTheOwner()
    {
        var (owner, member, contract, workspace) = await SetUpAsync();
        var third = await api.CreateUserAsync();
        using var ownerClient = api.ClientFor(owner);
        await ApiFixture.AddContractMemberAsync(ownerClient, contract, third, "member");
        await ApiFixture.AddWorkspaceMemberAsync(ownerClient, workspace, member, "admin");
        using var adminClient = api.ClientFor(member);

        var error = await (await adminClient.PatchAsync($"/v2/workspaces/{workspace}/members/{member.Id}",
            Json(new { data = new { type = "member", id = member.Id, attributes = new { roles = new[] { "owner" } } } }))).AssertErrorAsync(403);
        Assert.Contains("owner", error["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        await (await adminClient.PatchAsync($"/v2/workspaces/{workspace}/members/{third.Id}",
            Json(new { data = new { type = "member", id = third.Id, attributes = new { roles = new[] { "owner" } } } }))).AssertErrorAsync(403);
        await (await adminClient.DeleteAsync($"/v2/workspaces/{workspace}/members/{owner.Id}")).AssertErrorAsync(403);

        var members = await (await ownerClient.GetAsync($"/v2/workspaces/{workspace}/members")).ReadJsonAsync();
        Assert.Equal(["admin"], RolesOf(members, member.Id));
        Assert.Equal(["owner"], RolesOf(members, owner.Id));
        Assert.Equal(2, members["data"]!.AsArray().Count);
        // A secret's value is the Owner's to read, and stays so.
        await (await adminClient.GetAsync($"/v2/workspaces/{workspace}/secrets")).AssertErrorAsync(403);

        var lowered = await (await adminClient.PatchAsync($"/v2/workspaces/{workspace}/members/{member.Id}",
            Json(new { data = new { type = "member", id = member.Id, attributes = new { roles = new[] { "guest" } } } }))).ReadJsonAsync();
        Assert.Equal(["guest"], lowered["data"]!["attributes"]!["roles"]!.AsArray().Select(r => r!.GetValue<string>()));
    }

    [Fact]
    public async Task AnEmptyPatchDoesNotReadAWorkspaceItsCallerMayNotGet()
    {
        var (_, member, _, workspace) = await SetUpAsync();
        using var memberClient = api.ClientFor(member);
        await (await memberClient.GetAsync($"/v2/workspaces/{workspace}")).AssertErrorAsync(403);
        var response = await memberClient.PatchAsync($"/v2/workspaces/{workspace}", Json(new { data = new { type = "workspace", attributes = new { } } }));
        await response.AssertErrorAsync(403);
        Assert.DoesNotContain("\"name\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoOwnersRemovingEachOtherAtOnceLeaveAnOwner()
    {
        using var tenantAdmin = api.AdminClient();
        for (var round = 0; round < 6; round++)
        {
            var (first, second, contract, workspace) = await SetUpAsync();
            using var firstClient = api.ClientFor(first);
            using var secondClient = api.ClientFor(second);
            await ApiFixture.AddWorkspaceMemberAsync(firstClient, workspace, second, "owner");

            var answers = await Task.WhenAll(
                firstClient.DeleteAsync($"/v2/workspaces/{workspace}/members/{second.Id}"),
                secondClient.DeleteAsync($"/v2/workspaces/{workspace}/members/{first.Id}"));
            Assert.All(answers, a => Assert.Contains((int)a.StatusCode, new[] { 204, 404, 409 }));
            var members = await (await tenantAdmin.GetAsync($"/v2/workspaces/{workspace}/members")).ReadJsonAsync();
            Assert.Contains(members["data"]!.AsArray(), m => m!["attributes"]!["roles"]!.AsArray().Any(r => r!.GetValue<string>() == "owner"));
        }
    }

    private static IEnumerable<string> RolesOf(System.Text.Json.Nodes.JsonObject members, string userId) =>
        members["data"]!.AsArray().Single(m => m!["id"]!.GetValue<string>() == userId)!["attributes"]!["roles"]!.AsArray().Select(r => r!.GetValue<string>());

    [Fact]
    public async Task DeletingAWorkspaceAnswers204AndHidesItAtOnce()
    {
        var (owner, member, contract, workspace) = await SetUpAsync();
        using var memberClient = api.ClientFor(member);
        await (await memberClient.DeleteAsync($"/v2/workspaces/{workspace}")).AssertErrorAsync(403);
        // The contract Owner deletes through contracts.workspace.delete.
        using var ownerClient = api.ClientFor(owner);
        Assert.Equal(HttpStatusCode.NoContent, (await ownerClient.DeleteAsync($"/v2/workspaces/{workspace}")).StatusCode);
        await (await ownerClient.GetAsync($"/v2/workspaces/{workspace}")).AssertErrorAsync(404);
        var list = await (await ownerClient.GetAsync($"/v2/workspaces?contract_id={contract}")).ReadJsonAsync();
        Assert.Empty(list["data"]!.AsArray());
        await ApiFixture.EventuallyAsync(async () =>
            !await api.Storage.Table(Serverless.Functions.Storage.StorageLayout.Tables.Workspaces).QueryAsync<Azure.Data.Tables.TableEntity>(
                Azure.Data.Tables.TableClient.CreateQueryFilter($"RowKey eq {workspace}")).AnyAsync(), "the workspace row to go");
    }
}
