using System.Net;
using Serverless.Functions.Tests.Infrastructure;
using static Serverless.Functions.Tests.Infrastructure.JsonApiAssertions;

namespace Serverless.Functions.Tests.IntegrationPlatform.Components;

public sealed class ComponentsApiTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private async Task<(TestUser Owner, string Contract, string Workspace)> SetUpAsync()
    {
        var owner = await api.CreateUserAsync();
        var contract = await api.CreateContractAsync(owner);
        using var client = api.ClientFor(owner);
        return (owner, contract, await ApiFixture.CreateWorkspaceAsync(client, contract));
    }

    private async Task<string> ComponentIdAsync(HttpClient client, string contract, string repo)
    {
        var list = await (await client.GetAsync($"/v2/components?contract_id={contract}")).ReadJsonAsync();
        return list["data"]!.AsArray().Single(c => c!["attributes"]!["name"]!.GetValue<string>() == repo)!["id"]!.GetValue<string>();
    }

    [Fact]
    public async Task AContractSeesTheBuiltInsWithTheirLatestVersionAndDescriptor()
    {
        var (owner, contract, _) = await SetUpAsync();
        using var client = api.ClientFor(owner);
        var list = await (await client.GetAsync($"/v2/components?contract_id={contract}")).ReadJsonAsync();
        var names = list["data"]!.AsArray().Select(c => c!["attributes"]!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(["code", "email", "filter", "jsonata", "petstore", "request-reply", "rest-api", "router", "simple-trigger-component", "splitter", "status-page", "timer", "webhook"], names);
        var rest = list["data"]!.AsArray().Single(c => c!["attributes"]!["name"]!.GetValue<string>() == "rest-api")!;
        Assert.Equal("global", rest["attributes"]!["access"]!.GetValue<string>());
        var revision = rest["relationships"]!["latest_version"]!["data"]!["id"]!.GetValue<string>();
        Assert.Matches("^[0-9a-f]{40}$", revision);
        var included = list["included"]!.AsArray();
        Assert.Contains(included, i => i!["type"]!.GetValue<string>() == "version" && i["id"]!.GetValue<string>() == revision);
        var descriptor = included.Single(i => i!["type"]!.GetValue<string>() == "descriptor" && i["id"]!.GetValue<string>() == revision)!;
        Assert.Equal("REST API", descriptor["attributes"]!["title"]!.GetValue<string>());
        Assert.Equal(revision[..7], descriptor["attributes"]!["short_revision"]!.GetValue<string>());
        Assert.Equal("HTTPAuthView", descriptor["attributes"]!["credentials"]!["fields"]!["auth"]!["viewClass"]!.GetValue<string>());

        var mine = await (await client.GetAsync($"/v2/components?contract_id={contract}&filter[access]=private")).ReadJsonAsync();
        Assert.Empty(mine["data"]!.AsArray());
    }

    [Fact]
    public async Task AComponentItsVersionsAndItsDescriptorAreReadByIdAndByLatest()
    {
        var (owner, contract, _) = await SetUpAsync();
        using var client = api.ClientFor(owner);
        var id = await ComponentIdAsync(client, contract, "splitter");
        var one = await (await client.GetAsync($"/v2/components/{id}")).ReadJsonAsync();
        Assert.Equal(2, one["included"]!.AsArray().Count);
        var versions = await (await client.GetAsync($"/v2/components/{id}/versions")).ReadJsonAsync();
        var revision = Assert.Single(versions["data"]!.AsArray())!["id"]!.GetValue<string>();
        var latest = await (await client.GetAsync($"/v2/components/{id}/versions/latest/descriptor")).ReadJsonAsync();
        var exact = await (await client.GetAsync($"/v2/components/{id}/versions/{revision}/descriptor")).ReadJsonAsync();
        Assert.Equal(latest.ToJsonString(), exact.ToJsonString());
        Assert.True(latest["data"]!["attributes"]!["actions"]!["reassemble"]!["dynamicMetadata"]!.GetValue<bool>());

        var error = await (await client.GetAsync($"/v2/components/{id}/versions/{new string('0', 40)}/descriptor")).AssertErrorAsync(404);
        Assert.Equal("GIT_REVISION", error["source"]!["parameter"]!.GetValue<string>());
        await (await client.GetAsync("/v2/components/aaaaaaaaaaaaaaaaaaaaaaaa")).AssertErrorAsync(404);
    }

    [Theory]
    [InlineData("", "contract_id", 400)]
    [InlineData("?contract_id=CONTRACT&filter[access]=everyone", "filter[access]", 400)]
    public async Task BadListParametersAreNamed(string query, string parameter, int status)
    {
        var (owner, contract, _) = await SetUpAsync();
        using var client = api.ClientFor(owner);
        var error = await (await client.GetAsync("/v2/components" + query.Replace("CONTRACT", contract, StringComparison.Ordinal))).AssertErrorAsync(status);
        Assert.Equal(parameter, error["source"]!["parameter"]!.GetValue<string>());
    }

    [Fact]
    public async Task OutsidersCannotListAContractsOrAWorkspacesComponents()
    {
        var (_, contract, workspace) = await SetUpAsync();
        var outsider = await api.CreateOtherTenantAdminAsync();
        using var client = api.ClientFor(outsider);
        await (await client.GetAsync($"/v2/components?contract_id={contract}")).AssertErrorAsync(404);
        await (await client.GetAsync($"/v2/workspace/{workspace}/components")).AssertErrorAsync(404);
    }

    [Fact]
    public async Task ListingAllNeedsTenantsComponentListAll()
    {
        var (owner, _, _) = await SetUpAsync();
        using var member = api.ClientFor(owner);
        await (await member.GetAsync("/v2/components/all")).AssertErrorAsync(403);
        using var admin = api.AdminClient();
        var all = await (await admin.GetAsync("/v2/components/all")).ReadJsonAsync();
        Assert.Equal(13, all["data"]!.AsArray().Count);
    }

    [Fact]
    public async Task WorkspaceMembersSeeComponentsWithTheirWhitelistAndOthersDoNot()
    {
        var (owner, contract, workspace) = await SetUpAsync();
        using var client = api.ClientFor(owner);
        var list = await (await client.GetAsync($"/v2/workspace/{workspace}/components")).ReadJsonAsync();
        Assert.All(list["data"]!.AsArray(), c => Assert.Empty(c!["attributes"]!["whitelisted_contract_ids"]!.AsArray()));
        var id = list["data"]![0]!["id"]!.GetValue<string>();
        Assert.Equal(id, (await (await client.GetAsync($"/v2/workspace/{workspace}/components/{id}")).ReadJsonAsync())["data"]!["id"]!.GetValue<string>());

        var contractMember = await api.CreateUserAsync();
        await ApiFixture.AddContractMemberAsync(client, contract, contractMember, "member");
        using var other = api.ClientFor(contractMember);
        await (await other.GetAsync($"/v2/workspace/{workspace}/components")).AssertErrorAsync(403);
    }

    [Fact]
    public async Task EnvironmentVariablesAreTheTenantsAndOnlyItsAdminSetsThem()
    {
        var (owner, contract, _) = await SetUpAsync();
        using var ownerClient = api.ClientFor(owner);
        var id = await ComponentIdAsync(ownerClient, contract, "status-page");
        var empty = await (await ownerClient.GetAsync($"/v2/components/{id}/env")).ReadJsonAsync();
        Assert.Equal("component-env", empty["data"]!["type"]!.GetValue<string>());
        Assert.Empty(empty["data"]!["attributes"]!["vars"]!.AsObject());

        var body = Json(new { data = new { type = "component-env", id, attributes = new { vars = new { STATUSPAGE_TIMEOUT_MS = "5000" } } } });
        await (await ownerClient.PutAsync($"/v2/components/{id}/env", body)).AssertErrorAsync(403);
        using var admin = api.AdminClient();
        var set = await (await admin.PutAsync($"/v2/components/{id}/env", body)).ReadJsonAsync();
        Assert.Equal("5000", set["data"]!["attributes"]!["vars"]!["STATUSPAGE_TIMEOUT_MS"]!.GetValue<string>());
        var read = await (await ownerClient.GetAsync($"/v2/components/{id}/env")).ReadJsonAsync();
        Assert.Equal("5000", read["data"]!["attributes"]!["vars"]!["STATUSPAGE_TIMEOUT_MS"]!.GetValue<string>());

        var outsider = await api.CreateOtherTenantAdminAsync();
        using var theirs = api.ClientFor(outsider);
        var other = await (await theirs.GetAsync($"/v2/components/{id}/env")).ReadJsonAsync();
        Assert.Empty(other["data"]!["attributes"]!["vars"]!.AsObject());
    }

    [Fact]
    public async Task EnvironmentVariablesAreNeverStoredInPlaintext()
    {
        var (owner, contract, _) = await SetUpAsync();
        using var ownerClient = api.ClientFor(owner);
        var id = await ComponentIdAsync(ownerClient, contract, "status-page");
        var secret = $"env-secret-{Guid.NewGuid():N}";
        using var admin = api.AdminClient();
        await (await admin.PutAsync($"/v2/components/{id}/env", Json(new { data = new { type = "component-env", id, attributes = new { vars = new { API_TOKEN = secret } } } })))
            .ReadJsonAsync();
        var read = await (await admin.GetAsync($"/v2/components/{id}/env")).ReadJsonAsync();
        Assert.Equal(secret, read["data"]!["attributes"]!["vars"]!["API_TOKEN"]!.GetValue<string>());
        var raw = await api.RowsAsync(Serverless.Functions.Storage.StorageLayout.Tables.ComponentEnv);
        Assert.Contains(raw, r => r.RowKey == id);
        Assert.All(raw, r => Assert.DoesNotContain(secret, string.Join("|", r.Select(p => p.Value)), StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{"data":{"type":"component-env","attributes":{"vars":{"1BAD":"x"}}}}""", "/data/attributes/vars/1BAD")]
    [InlineData("""{"data":{"type":"component-env","attributes":{"vars":{"GOOD":5}}}}""", "/data/attributes/vars/GOOD")]
    [InlineData("""{"data":{"type":"component-env","attributes":{}}}""", "/data/attributes/vars")]
    [InlineData("""{"data":{"type":"component-env","attributes":{"vars":[]}}}""", "/data/attributes/vars")]
    public async Task BadEnvironmentBodiesAreNamed(string json, string pointer)
    {
        var (_, contract, _) = await SetUpAsync();
        using var admin = api.AdminClient();
        var id = await ComponentIdAsync(admin, contract, "webhook");
        var error = await (await admin.PutAsync($"/v2/components/{id}/env", Json(json))).AssertErrorAsync(400);
        Assert.Equal(pointer, error["source"]!["pointer"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/v2/components/{id}/env")).StatusCode);
    }
}
