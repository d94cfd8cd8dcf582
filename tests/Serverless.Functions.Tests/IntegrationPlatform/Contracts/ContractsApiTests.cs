using Serverless.Functions.Storage;
using Serverless.Functions.Tests.Infrastructure;
using static Serverless.Functions.Tests.Infrastructure.JsonApiAssertions;

namespace Serverless.Functions.Tests.IntegrationPlatform.Contracts;

public sealed class ContractsApiTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Theory]
    [InlineData("Acme\r\nBcc: everyone@example.com")]
    [InlineData("Acme\u0001")]
    public async Task NamesWithControlCharactersAreRefusedNamingTheField(string name)
    {
        using var admin = api.AdminClient();
        var error = await (await admin.PostAsync("/v2/contracts", Json(new { data = new { type = "contract", attributes = new { name } } }))).AssertErrorAsync(400);
        Assert.Equal("/data/attributes/name", error["source"]!["pointer"]!.GetValue<string>());
    }

    [Fact]
    public async Task ATenantAdminCreatesAContractWithItsOwner()
    {
        var owner = await api.CreateUserAsync();
        using var admin = api.AdminClient();
        var response = await admin.PostAsync("/v2/contracts", Json(new
        {
            data = new
            {
                type = "contract",
                attributes = new { name = "My Contract", available_roles = new[] { new { scope = "contracts", role = "admin" }, new { scope = "workspaces", role = "admin" } } },
                relationships = new { owner = new { data = new { id = owner.Id, type = "user" } } },
            },
        }));
        var body = await response.ReadJsonAsync(201);
        var id = body["data"]!["id"]!.GetValue<string>();
        Assert.Equal($"/v2/contracts/{id}", response.Headers.Location!.OriginalString);
        var attributes = body["data"]!["attributes"]!;
        Assert.Equal("active", attributes["status"]!.GetValue<string>());
        // The Owner roles are always available, though not listed (seed example).
        Assert.Equal(["contracts/admin", "workspaces/admin", "contracts/owner", "workspaces/owner"],
            attributes["available_roles"]!.AsArray().Select(r => $"{r!["scope"]}/{r["role"]}"));

        using var client = api.ClientFor(owner);
        var mine = await (await client.GetAsync("/v2/contracts")).ReadJsonAsync();
        Assert.Contains(mine["data"]!.AsArray(), c => c!["id"]!.GetValue<string>() == id);
        var members = await (await client.GetAsync($"/v2/contracts/{id}?include=members")).ReadJsonAsync();
        var included = Assert.Single(members["included"]!.AsArray())!;
        Assert.Equal("contract-member", included["type"]!.GetValue<string>());
        Assert.Equal(["owner"], included["attributes"]!["roles"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.Equal(owner.Email, included["attributes"]!["email"]!.GetValue<string>());
        Assert.Equal(owner.Id, included["relationships"]!["user"]!["data"]!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task OnlyATenantAdminCreatesContracts()
    {
        var member = await api.CreateUserAsync();
        using var client = api.ClientFor(member);
        await (await client.PostAsync("/v2/contracts", Json(new { data = new { type = "contract", attributes = new { name = "X" } } }))).AssertErrorAsync(403);
    }

    [Theory]
    [InlineData("""{"data":{"type":"contract","attributes":{}}}""", "/data/attributes/name", 400)]
    [InlineData("""{"data":{"type":"contract","attributes":{"name":"X","available_roles":[{"scope":"contracts","role":"emperor"}]}}}""", "/data/attributes/available_roles/0", 400)]
    [InlineData("""{"data":{"type":"contract","attributes":{"name":"X","available_roles":"all"}}}""", "/data/attributes/available_roles", 400)]
    [InlineData("""{"data":{"type":"contract","attributes":{"name":"X","available_roles":[{"role":"admin"}]}}}""", "/data/attributes/available_roles/0", 400)]
    [InlineData("""{"data":{"type":"contract","attributes":{"name":"X","flow_stats_enabled_default":"yes"}}}""", "/data/attributes/flow_stats_enabled_default", 400)]
    [InlineData("""{"data":{"type":"contract","attributes":{"name":"X","support_user_id":"aaaaaaaaaaaaaaaaaaaaaaaa"}}}""", "/data/attributes/support_user_id", 400)]
    [InlineData("""{"data":{"type":"contract","attributes":{"name":"X"},"relationships":{"owner":{"data":{"id":"aaaaaaaaaaaaaaaaaaaaaaaa","type":"user"}}}}}""", "/data/relationships/owner", 400)]
    [InlineData("""{"data":{"type":"contract","attributes":{"name":"X"},"relationships":{"owner":"me"}}}""", "/data/relationships/owner", 400)]
    [InlineData("""{"data":{"type":"workspace","attributes":{"name":"X"}}}""", "/data/type", 409)]
    public async Task BadContractBodiesGet4xxNamingTheFieldAndCreateNothing(string json, string pointer, int status)
    {
        using var admin = api.AdminClient();
        var before = await ContractRowsAsync();
        var error = await (await admin.PostAsync("/v2/contracts", Json(json))).AssertErrorAsync(status);
        Assert.Equal(pointer, error["source"]!["pointer"]!.GetValue<string>());
        Assert.Equal(before, await ContractRowsAsync());
    }

    [Fact]
    public async Task OutsidersGet404ForEverythingOfTheContract()
    {
        var contract = await api.CreateContractAsync();
        var outsider = await api.CreateOtherTenantAdminAsync();
        var sameTenantStranger = await api.CreateUserAsync();
        foreach (var user in new[] { outsider, sameTenantStranger })
        {
            using var client = api.ClientFor(user);
            await (await client.GetAsync($"/v2/contracts/{contract}")).AssertErrorAsync(404);
            await (await client.GetAsync($"/v2/contracts/{contract}/roles")).AssertErrorAsync(404);
            await (await client.GetAsync($"/v2/contracts/{contract}/members")).AssertErrorAsync(404);
            await (await client.PatchAsync($"/v2/contracts/{contract}", Json(new { data = new { type = "contract", attributes = new { name = "Mine" } } }))).AssertErrorAsync(404);
            await (await client.PostAsync($"/v2/contracts/{contract}/suspend", null)).AssertErrorAsync(404);
            await (await client.PostAsync($"/v2/contracts/{contract}/unsuspend", null)).AssertErrorAsync(404);
            await (await client.DeleteAsync($"/v2/contracts/{contract}")).AssertErrorAsync(404);
            await (await client.PatchAsync($"/v2/contracts/{contract}/members/{user.Id}",
                Json(new { data = new { type = "contract-member", attributes = new { roles = new[] { "owner" } } } }))).AssertErrorAsync(404);
            var list = await (await client.GetAsync("/v2/contracts")).ReadJsonAsync();
            Assert.DoesNotContain(list["data"]!.AsArray(), c => c!["id"]!.GetValue<string>() == contract);
        }
    }

    [Fact]
    public async Task TheOwnerRenamesButOnlyATenantAdminChangesTheRoles()
    {
        var owner = await api.CreateUserAsync();
        var contract = await api.CreateContractAsync(owner);
        using var client = api.ClientFor(owner);
        var renamed = await (await client.PatchAsync($"/v2/contracts/{contract}",
            Json(new { data = new { type = "contract", id = contract, attributes = new { name = "Renamed", flow_stats_enabled_default = true } } }))).ReadJsonAsync();
        Assert.Equal("Renamed", renamed["data"]!["attributes"]!["name"]!.GetValue<string>());
        Assert.True(renamed["data"]!["attributes"]!["flow_stats_enabled_default"]!.GetValue<bool>());

        var roles = new { data = new { type = "contract", attributes = new { name = "Renamed", available_roles = new[] { new { scope = "workspaces", role = "guest" } } } } };
        await (await client.PatchAsync($"/v2/contracts/{contract}", Json(roles))).AssertErrorAsync(403);
        using var admin = api.AdminClient();
        var updated = await (await admin.PatchAsync($"/v2/contracts/{contract}", Json(roles))).ReadJsonAsync();
        Assert.Equal(["contracts/owner", "workspaces/guest", "workspaces/owner"],
            updated["data"]!["attributes"]!["available_roles"]!.AsArray().Select(r => $"{r!["scope"]}/{r["role"]}").Order());
        // A tenant admin who is not a member holds no contracts.contract.edit.
        await (await admin.PatchAsync($"/v2/contracts/{contract}", Json(new { data = new { type = "contract", attributes = new { name = "Admin's" } } })))
            .AssertErrorAsync(403);
    }

    [Fact]
    public async Task AMemberWithoutContractEditCannotRename()
    {
        var owner = await api.CreateUserAsync();
        var member = await api.CreateUserAsync();
        var contract = await api.CreateContractAsync(owner);
        using var ownerClient = api.ClientFor(owner);
        await ApiFixture.AddContractMemberAsync(ownerClient, contract, member, "admin");
        using var client = api.ClientFor(member);
        Assert.Equal(contract, (await (await client.GetAsync($"/v2/contracts/{contract}")).ReadJsonAsync())["data"]!["id"]!.GetValue<string>());
        await (await client.PatchAsync($"/v2/contracts/{contract}", Json(new { data = new { type = "contract", attributes = new { name = "Nope" } } })))
            .AssertErrorAsync(403);
    }

    [Fact]
    public async Task UpdateRejectsAnIdThatIsNotTheUrlsAndBadFields()
    {
        var owner = await api.CreateUserAsync();
        var contract = await api.CreateContractAsync(owner);
        using var client = api.ClientFor(owner);
        var error = await (await client.PatchAsync($"/v2/contracts/{contract}",
            Json(new { data = new { type = "contract", id = "aaaaaaaaaaaaaaaaaaaaaaaa", attributes = new { name = "X" } } }))).AssertErrorAsync(409);
        Assert.Equal("/data/id", error["source"]!["pointer"]!.GetValue<string>());
        error = await (await client.PatchAsync($"/v2/contracts/{contract}", Json("""{"data":{"type":"contract","attributes":{"name":"  "}}}"""))).AssertErrorAsync(400);
        Assert.Equal("/data/attributes/name", error["source"]!["pointer"]!.GetValue<string>());
    }

    [Fact]
    public async Task RolesListTheSeedsPermissionStrings()
    {
        var owner = await api.CreateUserAsync();
        var contract = await api.CreateContractAsync(owner);
        using var client = api.ClientFor(owner);
        var body = await (await client.GetAsync($"/v2/contracts/{contract}/roles/")).ReadJsonAsync();
        Assert.Equal("contract-policy", body["data"]!["type"]!.GetValue<string>());
        var roles = body["data"]!["attributes"]!["roles"]!.AsArray();
        var admin = roles.Single(r => r!["scope"]!.GetValue<string>() == "contracts" && r["role"]!.GetValue<string>() == "admin")!;
        Assert.Equal("Admin", admin["i18n"]!["en"]!.GetValue<string>());
        Assert.Equal(
            ["contracts.membership.edit", "contracts.workspace.create", "contracts.workspace.listAll", "contracts.workspace.delete", "contracts.repository.edit", "contracts.devTeam.edit"],
            admin["permissions"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.Equal(9, roles.Count);
        Assert.Equal(contract, body["data"]!["relationships"]!["contract"]!["data"]!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task IncludeTakesOnlyMembersAndInvites()
    {
        var contract = await api.CreateContractAsync();
        using var admin = api.AdminClient();
        var error = await (await admin.GetAsync($"/v2/contracts/{contract}?include=members,secrets")).AssertErrorAsync(400);
        Assert.Equal("include", error["source"]!["parameter"]!.GetValue<string>());
        var body = await (await admin.GetAsync($"/v2/contracts/{contract}?include=invites")).ReadJsonAsync();
        Assert.Empty(body["included"]!.AsArray());
        Assert.Empty(body["data"]!["relationships"]!["invites"]!["data"]!.AsArray());
    }

    [Fact]
    public async Task ContractsListPagesWithTheDefaultOf20()
    {
        var owner = await api.CreateUserAsync();
        for (var i = 0; i < 3; i++)
        {
            await api.CreateContractAsync(owner);
        }
        using var client = api.ClientFor(owner);
        var body = await (await client.GetAsync("/v2/contracts?page[size]=2&page[number]=2")).ReadJsonAsync();
        Assert.Single(body["data"]!.AsArray());
        Assert.Equal(3, body["meta"]!["total"]!.GetValue<int>());
        Assert.Equal(20, (await (await client.GetAsync("/v2/contracts")).ReadJsonAsync())["meta"]!["per_page"]!.GetValue<int>());
    }

    [Fact]
    public async Task MembershipNeedsContractsMembershipEditAndKeepsAnOwner()
    {
        var owner = await api.CreateUserAsync();
        var member = await api.CreateUserAsync();
        var third = await api.CreateUserAsync();
        var contract = await api.CreateContractAsync(owner);
        using var ownerClient = api.ClientFor(owner);
        await ApiFixture.AddContractMemberAsync(ownerClient, contract, member, "member");

        using var memberClient = api.ClientFor(member);
        await (await memberClient.PatchAsync($"/v2/contracts/{contract}/members/{third.Id}",
            Json(new { data = new { type = "contract-member", attributes = new { roles = new[] { "member" } } } }))).AssertErrorAsync(403);
        var error = await (await ownerClient.PatchAsync($"/v2/contracts/{contract}/members/{owner.Id}",
            Json(new { data = new { type = "contract-member", attributes = new { roles = new[] { "member" } } } }))).AssertErrorAsync(409);
        Assert.Equal("/data/attributes/roles", error["source"]!["pointer"]!.GetValue<string>());
        error = await (await ownerClient.PatchAsync($"/v2/contracts/{contract}/members/{third.Id}",
            Json(new { data = new { type = "contract-member", attributes = new { roles = new[] { "integrator" } } } }))).AssertErrorAsync(400);
        Assert.Equal("/data/attributes/roles/0", error["source"]!["pointer"]!.GetValue<string>());
        await (await ownerClient.PatchAsync($"/v2/contracts/{contract}/members/aaaaaaaaaaaaaaaaaaaaaaaa",
            Json(new { data = new { type = "contract-member", attributes = new { roles = new[] { "member" } } } }))).AssertErrorAsync(404);
        await (await ownerClient.DeleteAsync($"/v2/contracts/{contract}/members/{owner.Id}")).AssertErrorAsync(409);

        var list = await (await memberClient.GetAsync($"/v2/contracts/{contract}/members")).ReadJsonAsync();
        Assert.Equal(2, list["data"]!.AsArray().Count);
        Assert.Equal(System.Net.HttpStatusCode.NoContent, (await ownerClient.DeleteAsync($"/v2/contracts/{contract}/members/{member.Id}")).StatusCode);
        await (await memberClient.GetAsync($"/v2/contracts/{contract}")).AssertErrorAsync(404);
    }

    [Fact]
    public async Task DeletingAContractAnswers204AndHidesItAtOnceThenRemovesItsData()
    {
        var owner = await api.CreateUserAsync();
        var contract = await api.CreateContractAsync(owner);
        using var ownerClient = api.ClientFor(owner);
        var workspace = await ApiFixture.CreateWorkspaceAsync(ownerClient, contract);
        await (await ownerClient.DeleteAsync($"/v2/contracts/{contract}")).AssertErrorAsync(403);

        using var admin = api.AdminClient();
        var response = await admin.DeleteAsync($"/v2/contracts/{contract}");
        Assert.Equal(System.Net.HttpStatusCode.NoContent, response.StatusCode);
        await (await ownerClient.GetAsync($"/v2/contracts/{contract}")).AssertErrorAsync(404);
        await (await admin.GetAsync($"/v2/contracts/{contract}")).AssertErrorAsync(404);
        await (await ownerClient.GetAsync($"/v2/workspaces/{workspace}")).AssertErrorAsync(404);
        var list = await (await ownerClient.GetAsync("/v2/workspaces")).ReadJsonAsync();
        Assert.DoesNotContain(list["data"]!.AsArray(), w => w!["id"]!.GetValue<string>() == workspace);

        await ApiFixture.EventuallyAsync(async () => (await api.RowsAsync(StorageLayout.Tables.Contracts)).All(r => r.RowKey != contract), "the contract row to go");
        Assert.DoesNotContain(await api.RowsAsync(StorageLayout.Tables.Workspaces), r => r.RowKey == workspace);
        Assert.DoesNotContain(await api.RowsAsync(StorageLayout.Tables.Memberships), r => r.PartitionKey.Contains(contract) || r.RowKey.Contains(contract)
            || r.PartitionKey.Contains(workspace) || r.RowKey.Contains(workspace));
    }

    [Fact]
    public async Task AContractAdminCannotMakeThemselvesOwnerOrRemoveTheOwner()
    {
        var owner = await api.CreateUserAsync();
        var admin = await api.CreateUserAsync();
        var third = await api.CreateUserAsync();
        var contract = await api.CreateContractAsync(owner);
        using var ownerClient = api.ClientFor(owner);
        await ApiFixture.AddContractMemberAsync(ownerClient, contract, admin, "admin");
        using var adminClient = api.ClientFor(admin);

        var error = await (await adminClient.PatchAsync($"/v2/contracts/{contract}/members/{admin.Id}",
            Json(new { data = new { type = "contract-member", attributes = new { roles = new[] { "admin", "owner" } } } }))).AssertErrorAsync(403);
        Assert.Contains("owner", error["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        await (await adminClient.PatchAsync($"/v2/contracts/{contract}/members/{third.Id}",
            Json(new { data = new { type = "contract-member", attributes = new { roles = new[] { "owner" } } } }))).AssertErrorAsync(403);
        await (await adminClient.PatchAsync($"/v2/contracts/{contract}/members/{owner.Id}",
            Json(new { data = new { type = "contract-member", attributes = new { roles = new[] { "member" } } } }))).AssertErrorAsync(403);
        await (await adminClient.DeleteAsync($"/v2/contracts/{contract}/members/{owner.Id}")).AssertErrorAsync(403);

        var members = await (await ownerClient.GetAsync($"/v2/contracts/{contract}/members")).ReadJsonAsync();
        Assert.Equal(["admin"], RolesOf(members, admin.Id));
        Assert.Equal(["owner"], RolesOf(members, owner.Id));
        Assert.DoesNotContain(members["data"]!.AsArray(), m => m!["id"]!.GetValue<string>() == third.Id);

        // Lowering one's own roles is fine, and the Owner grants and removes owner.
        var lowered = await (await adminClient.PatchAsync($"/v2/contracts/{contract}/members/{admin.Id}",
            Json(new { data = new { type = "contract-member", attributes = new { roles = new[] { "member" } } } }))).ReadJsonAsync();
        Assert.Equal(["member"], lowered["data"]!["attributes"]!["roles"]!.AsArray().Select(r => r!.GetValue<string>()));
        await ApiFixture.AddContractMemberAsync(ownerClient, contract, admin, "owner");
        await ApiFixture.AddContractMemberAsync(ownerClient, contract, admin, "admin");
    }

    [Fact]
    public async Task TwoOwnersRemovingEachOtherAtOnceLeaveAnOwner()
    {
        using var tenantAdmin = api.AdminClient();
        for (var round = 0; round < 6; round++)
        {
            var first = await api.CreateUserAsync();
            var second = await api.CreateUserAsync();
            var contract = await api.CreateContractAsync(first);
            using var firstClient = api.ClientFor(first);
            using var secondClient = api.ClientFor(second);
            await ApiFixture.AddContractMemberAsync(firstClient, contract, second, "owner");

            var answers = await Task.WhenAll(
                firstClient.DeleteAsync($"/v2/contracts/{contract}/members/{second.Id}"),
                secondClient.DeleteAsync($"/v2/contracts/{contract}/members/{first.Id}"));
            Assert.All(answers, a => Assert.Contains((int)a.StatusCode, new[] { 204, 404, 409 }));
            var members = await (await tenantAdmin.GetAsync($"/v2/contracts/{contract}/members")).ReadJsonAsync();
            Assert.Contains(members["data"]!.AsArray(), m => m!["attributes"]!["roles"]!.AsArray().Any(r => r!.GetValue<string>() == "owner"));
        }
    }

    private static IEnumerable<string> RolesOf(System.Text.Json.Nodes.JsonObject members, string userId) =>
        members["data"]!.AsArray().Single(m => m!["id"]!.GetValue<string>() == userId)!["attributes"]!["roles"]!.AsArray().Select(r => r!.GetValue<string>());

    private async Task<int> ContractRowsAsync() => (await api.RowsAsync(StorageLayout.Tables.Contracts)).Count;
}

public sealed class ContractPeersTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task MembersOfOneContractReadEachOtherButNotOthers()
    {
        var owner = await api.CreateUserAsync();
        var member = await api.CreateUserAsync();
        var stranger = await api.CreateUserAsync();
        var contract = await api.CreateContractAsync(owner);
        using var ownerClient = api.ClientFor(owner);
        using var memberClient = api.ClientFor(member);
        await (await memberClient.GetAsync($"/v2/users/{owner.Id}")).AssertErrorAsync(404);
        await ApiFixture.AddContractMemberAsync(ownerClient, contract, member, "member");
        var ownerSeen = await (await memberClient.GetAsync($"/v2/users/{owner.Id}")).ReadJsonAsync();
        Assert.Equal(owner.Id, ownerSeen["data"]!["id"]!.GetValue<string>());
        Assert.Equal(owner.Email, ownerSeen["data"]!["attributes"]!["email"]!.GetValue<string>());
        var memberSeen = await (await ownerClient.GetAsync($"/v2/users/{member.Id}")).ReadJsonAsync();
        Assert.Equal(member.Id, memberSeen["data"]!["id"]!.GetValue<string>());
        Assert.Equal(member.Email, memberSeen["data"]!["attributes"]!["email"]!.GetValue<string>());
        await (await memberClient.GetAsync($"/v2/users/{stranger.Id}")).AssertErrorAsync(404);
    }
}
