using System.Net;
using System.Text.Json.Nodes;
using Serverless.Functions.Tests.Infrastructure;
using static Serverless.Functions.Tests.Infrastructure.JsonApiAssertions;

namespace Serverless.Functions.Tests.IntegrationPlatform.Components;

public sealed class ComponentRepositoriesTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private sealed record Setup(TestUser Owner, HttpClient Client, string Contract, string Team);

    private async Task<Setup> SetUpAsync()
    {
        var owner = await api.CreateUserAsync();
        var contract = await api.CreateContractAsync(owner);
        var client = api.ClientFor(owner);
        var team = await (await client.PostAsync("/v2/teams", Json(new
        {
            data = new { type = "team", attributes = new { name = "Builders" }, relationships = new { contract = new { data = new { id = contract, type = "contract" } } } },
        }))).ReadJsonAsync(201);
        return new Setup(owner, client, contract, team["data"]!["id"]!.GetValue<string>());
    }

    private static StringContent Repository(string team, string name = "mycomponent", string? icon = null) => Json(new JsonObject
    {
        ["data"] = new JsonObject
        {
            ["type"] = "component",
            ["attributes"] = new JsonObject { ["name"] = name, ["icon"] = icon },
            ["relationships"] = new JsonObject { ["team"] = new JsonObject { ["data"] = new JsonObject { ["id"] = team, ["type"] = "team" } } },
        },
    }.ToJsonString());

    private static async Task<List<string>> NamesAsync(HttpClient client, string contract, string filter = "all") =>
        (await (await client.GetAsync($"/v2/components?contract_id={contract}&filter[access]={filter}")).ReadJsonAsync())["data"]!.AsArray()
            .Select(c => c!["attributes"]!["name"]!.GetValue<string>()).ToList();

    [Fact]
    public async Task ATeamsRepositoryIsItsContractsOwnUntilATenantAdminSharesIt()
    {
        var s = await SetUpAsync();
        var response = await s.Client.PostAsync("/v2/components", Repository(s.Team));
        var created = await response.ReadJsonAsync(201);
        var id = created["data"]!["id"]!.GetValue<string>();
        Assert.Equal("team", created["data"]!["attributes"]!["access"]!.GetValue<string>());
        Assert.Equal("Builders", created["data"]!["attributes"]!["team_name"]!.GetValue<string>());
        Assert.Null(created["data"]!["relationships"]!["latest_version"]);
        Assert.Equal(["mycomponent"], await NamesAsync(s.Client, s.Contract, "private"));
        Assert.Empty((await (await s.Client.GetAsync($"/v2/components/{id}/versions")).ReadJsonAsync())["data"]!.AsArray());
        await (await s.Client.GetAsync($"/v2/components/{id}/versions/latest/descriptor")).AssertErrorAsync(404);

        var neighbour = await api.CreateUserAsync();
        var otherContract = await api.CreateContractAsync(neighbour);
        using var neighbourClient = api.ClientFor(neighbour);
        Assert.DoesNotContain("mycomponent", await NamesAsync(neighbourClient, otherContract));
        await (await neighbourClient.GetAsync($"/v2/components/{id}")).AssertErrorAsync(404);

        await (await s.Client.PatchAsync($"/v2/components/{id}", Json(new { data = new { type = "component", attributes = new { access = "tenant" } } }))).AssertErrorAsync(403);
        using var admin = api.AdminClient();
        var shared = await (await admin.PatchAsync($"/v2/components/{id}", Json(new
        {
            data = new { type = "component", attributes = new { access = "tenant", whitelisted_contract_ids = new[] { otherContract } } },
        }))).ReadJsonAsync();
        Assert.Equal("tenant", shared["data"]!["attributes"]!["access"]!.GetValue<string>());
        Assert.Equal([otherContract], shared["data"]!["attributes"]!["whitelisted_contract_ids"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Contains("mycomponent", await NamesAsync(neighbourClient, otherContract, "public"));
        var seen = await (await neighbourClient.GetAsync($"/v2/components/{id}")).ReadJsonAsync();
        Assert.Equal(id, seen["data"]!["id"]!.GetValue<string>());
        Assert.Equal("mycomponent", seen["data"]!["attributes"]!["name"]!.GetValue<string>());

        var error = await (await admin.PatchAsync($"/v2/components/{id}", Json(new { data = new { type = "component", attributes = new { access = "team" } } }))).AssertErrorAsync(400);
        Assert.Equal("/data/attributes/access", error["source"]!["pointer"]!.GetValue<string>());
        error = await (await admin.PatchAsync($"/v2/components/{id}", Json(new { data = new { type = "component", attributes = new { whitelisted_contract_ids = new[] { "aaaaaaaaaaaaaaaaaaaaaaaa" } } } }))).AssertErrorAsync(400);
        Assert.Equal("/data/attributes/whitelisted_contract_ids/0", error["source"]!["pointer"]!.GetValue<string>());
        s.Client.Dispose();
    }

    [Theory]
    [InlineData("My Component", null, "/data/attributes/name", 400)]
    [InlineData("ok", "!!!", "/data/attributes/icon", 400)]
    public async Task BadRepositoryBodiesAreNamed(string name, string? icon, string pointer, int status)
    {
        var s = await SetUpAsync();
        var error = await (await s.Client.PostAsync("/v2/components", Repository(s.Team, name, icon))).AssertErrorAsync(status);
        Assert.Equal(pointer, error["source"]!["pointer"]!.GetValue<string>());
        s.Client.Dispose();
    }

    [Fact]
    public async Task AnIconTooLargeToStoreIsRefusedWith413NamingItAndNothingIsWritten()
    {
        var s = await SetUpAsync();
        var icon = Convert.ToBase64String(new byte[48_000]);
        var error = await (await s.Client.PostAsync("/v2/components", Repository(s.Team, "bigicon", icon))).AssertErrorAsync(413);
        Assert.Contains("'icon'", error["detail"]!.GetValue<string>());
        Assert.DoesNotContain("bigicon", await NamesAsync(s.Client, s.Contract));
        s.Client.Dispose();
    }

    [Fact]
    public async Task RepositoriesNeedAnExistingTeamAndAUniqueName()
    {
        var s = await SetUpAsync();
        var error = await (await s.Client.PostAsync("/v2/components", Json(new { data = new { type = "component", attributes = new { name = "x" } } }))).AssertErrorAsync(400);
        Assert.Equal("/data/relationships/team", error["source"]!["pointer"]!.GetValue<string>());
        error = await (await s.Client.PostAsync("/v2/components", Repository("aaaaaaaaaaaaaaaaaaaaaaaa"))).AssertErrorAsync(400);
        Assert.Equal("/data/relationships/team", error["source"]!["pointer"]!.GetValue<string>());
        var first = await (await s.Client.PostAsync("/v2/components", Repository(s.Team, "twice"))).ReadJsonAsync(201);
        Assert.Equal("twice", first["data"]!["attributes"]!["name"]!.GetValue<string>());
        error = await (await s.Client.PostAsync("/v2/components", Repository(s.Team, "twice"))).AssertErrorAsync(409);
        Assert.Equal("/data/attributes/name", error["source"]!["pointer"]!.GetValue<string>());
        await (await s.Client.PostAsync("/v2/components", Repository(s.Team, "webhook"))).AssertErrorAsync(409);
        s.Client.Dispose();
    }

    [Fact]
    public async Task OnlyTeamMembersWithRepositoryEditDeleteAndBuiltInsAreUntouchable()
    {
        var s = await SetUpAsync();
        var id = (await (await s.Client.PostAsync("/v2/components", Repository(s.Team))).ReadJsonAsync(201))["data"]!["id"]!.GetValue<string>();
        var admin = await api.CreateUserAsync();
        await ApiFixture.AddContractMemberAsync(s.Client, s.Contract, admin, "admin");
        using var adminClient = api.ClientFor(admin);
        await (await adminClient.DeleteAsync($"/v2/components/{id}")).AssertErrorAsync(403); // not in the team

        var member = await api.CreateUserAsync();
        await ApiFixture.AddContractMemberAsync(s.Client, s.Contract, member, "member");
        var error = await (await s.Client.PatchAsync($"/v2/teams/{s.Team}", Json(new
        {
            data = new { type = "team", relationships = new { members = new { data = new[] { new { id = s.Owner.Id, type = "user" }, new { id = "aaaaaaaaaaaaaaaaaaaaaaaa", type = "user" } } } } },
        }))).AssertErrorAsync(400);
        Assert.Equal("/data/relationships/members/data/1", error["source"]!["pointer"]!.GetValue<string>());
        var team = await (await s.Client.PatchAsync($"/v2/teams/{s.Team}", Json(new
        {
            data = new { type = "team", relationships = new { members = new { data = new[] { new { id = s.Owner.Id, type = "user" }, new { id = member.Id, type = "user" } } } } },
        }))).ReadJsonAsync();
        Assert.Equal(2, team["data"]!["relationships"]!["members"]!["data"]!.AsArray().Count);
        using var memberClient = api.ClientFor(member);
        await (await memberClient.DeleteAsync($"/v2/components/{id}")).AssertErrorAsync(403); // in the team, but no contracts.repository.edit

        await (await s.Client.DeleteAsync($"/v2/components/{id}/versions/latest")).AssertErrorAsync(404);
        var webhook = (await (await s.Client.GetAsync($"/v2/components?contract_id={s.Contract}")).ReadJsonAsync())["data"]!.AsArray()
            .Single(c => c!["attributes"]!["name"]!.GetValue<string>() == "webhook")!["id"]!.GetValue<string>();
        await (await s.Client.DeleteAsync($"/v2/components/{webhook}")).AssertErrorAsync(403);
        await (await s.Client.DeleteAsync($"/v2/components/{webhook}/versions/latest")).AssertErrorAsync(403);

        Assert.Equal(HttpStatusCode.NoContent, (await s.Client.DeleteAsync($"/v2/components/{id}")).StatusCode);
        await (await s.Client.GetAsync($"/v2/components/{id}")).AssertErrorAsync(404);
        s.Client.Dispose();
    }

    [Fact]
    public async Task OutsidersSeeNeitherTeamsNorRepositories()
    {
        var s = await SetUpAsync();
        var id = (await (await s.Client.PostAsync("/v2/components", Repository(s.Team))).ReadJsonAsync(201))["data"]!["id"]!.GetValue<string>();
        var outsider = await api.CreateOtherTenantAdminAsync();
        using var client = api.ClientFor(outsider);
        await (await client.GetAsync($"/v2/teams?contract_id={s.Contract}")).AssertErrorAsync(404);
        await (await client.PatchAsync($"/v2/teams/{s.Team}", Json(new { data = new { type = "team", attributes = new { name = "Mine" } } }))).AssertErrorAsync(404);
        await (await client.GetAsync($"/v2/components/{id}")).AssertErrorAsync(404);
        await (await client.PatchAsync($"/v2/components/{id}", Json(new { data = new { type = "component", attributes = new { access = "tenant" } } }))).AssertErrorAsync(404);
        await (await client.DeleteAsync($"/v2/components/{id}")).AssertErrorAsync(404);
        var error = await (await client.PostAsync("/v2/components", Repository(s.Team))).AssertErrorAsync(400);
        Assert.Equal("/data/relationships/team", error["source"]!["pointer"]!.GetValue<string>());
        var teams = await (await s.Client.GetAsync($"/v2/teams?contract_id={s.Contract}")).ReadJsonAsync();
        Assert.Single(teams["data"]!.AsArray());
        s.Client.Dispose();
    }
}
