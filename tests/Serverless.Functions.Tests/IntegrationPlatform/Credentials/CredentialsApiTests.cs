using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Serverless.Functions.Storage;
using Serverless.Functions.Tests.Infrastructure;
using static Serverless.Functions.Tests.Infrastructure.JsonApiAssertions;

namespace Serverless.Functions.Tests.IntegrationPlatform.Credentials;

public sealed class CredentialsApiTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private const string Token = "status-page-token-never-stored-in-plaintext";

    private sealed record Setup(TestUser Owner, HttpClient Client, string Contract, string Workspace, string StatusPage, string Router);

    private async Task<Setup> SetUpAsync()
    {
        var owner = await api.CreateUserAsync();
        var contract = await api.CreateContractAsync(owner);
        var client = api.ClientFor(owner);
        var workspace = await ApiFixture.CreateWorkspaceAsync(client, contract);
        var list = await (await client.GetAsync($"/v2/components?contract_id={contract}")).ReadJsonAsync();
        string Id(string repo) => list["data"]!.AsArray().Single(c => c!["attributes"]!["name"]!.GetValue<string>() == repo)!["id"]!.GetValue<string>();
        return new Setup(owner, client, contract, workspace, Id("status-page"), Id("router"));
    }

    private static StringContent Create(string workspace, string component, object? keys, string? name = "Status page") => Json(new JsonObject
    {
        ["data"] = new JsonObject
        {
            ["type"] = "credential",
            ["attributes"] = new JsonObject { ["name"] = name, ["keys"] = keys is null ? null : JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(keys)) },
            ["relationships"] = new JsonObject
            {
                ["component"] = new JsonObject { ["data"] = new JsonObject { ["id"] = component, ["type"] = "component" } },
                ["workspace"] = new JsonObject { ["data"] = new JsonObject { ["id"] = workspace, ["type"] = "workspace" } },
            },
        },
    }.ToJsonString());

    private async Task<string> CreateAsync(Setup s, string baseUrl = "http://127.0.0.1:1/")
    {
        var response = await s.Client.PostAsync("/v2/credentials", Create(s.Workspace, s.StatusPage, new { baseUrl, apiToken = Token }));
        return (await response.ReadJsonAsync(201))["data"]!["id"]!.GetValue<string>();
    }

    [Fact]
    public async Task ACredentialIsCreatedReadListedAndItsKeysAreNeverStoredInPlaintext()
    {
        var s = await SetUpAsync();
        var response = await s.Client.PostAsync("/v2/credentials", Create(s.Workspace, s.StatusPage, new { baseUrl = "https://status.example.com", apiToken = Token }));
        var created = await response.ReadJsonAsync(201);
        var id = created["data"]!["id"]!.GetValue<string>();
        Assert.Equal($"/v2/credentials/{id}", response.Headers.Location!.OriginalString);
        Assert.Equal(Token, created["data"]!["attributes"]!["keys"]!["apiToken"]!.GetValue<string>());
        Assert.Equal(s.Owner.Id, created["data"]!["relationships"]!["user"]!["data"]!["id"]!.GetValue<string>());

        var read = await (await s.Client.GetAsync($"/v2/credentials/{id}")).ReadJsonAsync();
        Assert.Equal("Status page", read["data"]!["attributes"]!["name"]!.GetValue<string>());
        var list = await (await s.Client.GetAsync($"/v2/credentials?workspace_id={s.Workspace}&filter[component]={s.StatusPage}")).ReadJsonAsync();
        Assert.Equal(id, Assert.Single(list["data"]!.AsArray())!["id"]!.GetValue<string>());
        var none = await (await s.Client.GetAsync($"/v2/credentials?workspace_id={s.Workspace}&filter[component]={s.Router}")).ReadJsonAsync();
        Assert.Empty(none["data"]!.AsArray());

        var raw = await api.RowsAsync(StorageLayout.Tables.Credentials);
        Assert.Contains(raw, r => r.RowKey == id);
        Assert.All(raw, r => Assert.DoesNotContain(Token, string.Join("|", r.Select(p => p.Value)), StringComparison.Ordinal));
        s.Client.Dispose();
    }

    [Fact]
    public async Task TheSeedsExampleWithFreeFormKeysIsCreatedForAComponentThatDeclaresNoCredentials()
    {
        var s = await SetUpAsync();
        var body = """
            {
             "data":{
               "type":"credential",
               "attributes":{
                 "name":"credname",
                 "keys":{
                   "host":"hostname",
                   "username":"username",
                   "password":"pass"
                 }
               },
               "relationships":{
                 "component":{
                   "data":{
                     "id":"56793fb4d8057406000000f7",
                     "type":"component"
                   }
                 },
                 "workspace":{
                   "data":{
                     "id":"59d341e9037f7200184a408b",
                     "type":"workspace"
                   }
                 }
               }
             }
           }
           """.Replace("56793fb4d8057406000000f7", s.Router, StringComparison.Ordinal).Replace("59d341e9037f7200184a408b", s.Workspace, StringComparison.Ordinal);
        var created = await (await s.Client.PostAsync("/v2/credentials", Json(body))).ReadJsonAsync(201);
        var keys = created["data"]!["attributes"]!["keys"]!;
        Assert.Equal("hostname", keys["host"]!.GetValue<string>());
        Assert.Equal("pass", keys["password"]!.GetValue<string>());
        var raw = await api.RowsAsync(StorageLayout.Tables.Credentials);
        Assert.All(raw, r => Assert.DoesNotContain("hostname", string.Join("|", r.Select(p => p.Value)), StringComparison.Ordinal));
        s.Client.Dispose();
    }

    [Fact]
    public async Task AnUnnamedCredentialGetsAName()
    {
        var s = await SetUpAsync();
        var created = await (await s.Client.PostAsync("/v2/credentials", Create(s.Workspace, s.StatusPage, new { baseUrl = "https://x.example", apiToken = "t" }, name: null)))
            .ReadJsonAsync(201);
        Assert.Equal("Status Page credential", created["data"]!["attributes"]!["name"]!.GetValue<string>());
        s.Client.Dispose();
    }

    [Fact]
    public async Task PatchReplacesTheKeysEntirelyAndDeleteRemovesTheCredential()
    {
        var s = await SetUpAsync();
        var id = await CreateAsync(s);
        var patched = await (await s.Client.PatchAsync($"/v2/credentials/{id}", Json(new
        {
            data = new { type = "credential", id, attributes = new { name = "Renamed", keys = new { baseUrl = "https://new.example", apiToken = "new" } } },
        }))).ReadJsonAsync();
        Assert.Equal("Renamed", patched["data"]!["attributes"]!["name"]!.GetValue<string>());
        Assert.Equal("""{"baseUrl":"https://new.example","apiToken":"new"}""", patched["data"]!["attributes"]!["keys"]!.ToJsonString());
        // Without keys, the keys stay as they are.
        var renamed = await (await s.Client.PatchAsync($"/v2/credentials/{id}", Json(new { data = new { type = "credential", id, attributes = new { name = "Again" } } }))).ReadJsonAsync();
        Assert.Equal("new", renamed["data"]!["attributes"]!["keys"]!["apiToken"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.NoContent, (await s.Client.DeleteAsync($"/v2/credentials/{id}")).StatusCode);
        await (await s.Client.GetAsync($"/v2/credentials/{id}")).AssertErrorAsync(404);
        s.Client.Dispose();
    }

    [Theory]
    [InlineData("""{"data":{"type":"credential","attributes":{"keys":{"baseUrl":"https://x.example","apiToken":"y"}},"relationships":{"workspace":{"data":{"id":"WS","type":"workspace"}}}}}""", "/data/relationships/component")]
    [InlineData("""{"data":{"type":"credential","attributes":{"keys":{"baseUrl":"https://x.example","apiToken":"y"}},"relationships":{"component":{"data":{"id":"SP","type":"component"}}}}}""", "/data/relationships/workspace")]
    [InlineData("""{"data":{"type":"credential","attributes":{},"relationships":{"component":{"data":{"id":"aaaaaaaaaaaaaaaaaaaaaaaa","type":"component"}},"workspace":{"data":{"id":"WS","type":"workspace"}}}}}""", "/data/relationships/component")]
    [InlineData("""{"data":{"type":"credential","attributes":{"keys":{"baseUrl":["x"]}},"relationships":{"component":{"data":{"id":"SP","type":"component"}},"workspace":{"data":{"id":"WS","type":"workspace"}}}}}""", "/data/attributes/keys/baseUrl")]
    [InlineData("""{"data":{"type":"credential","attributes":{"keys":{"baseUrl":"https://x.example","apiToken":null}},"relationships":{"component":{"data":{"id":"SP","type":"component"}},"workspace":{"data":{"id":"WS","type":"workspace"}}}}}""", "/data/attributes/keys/apiToken")]
    [InlineData("""{"data":{"type":"credential","attributes":{"keys":{"baseUrl":"ftp://x.example","apiToken":"y"}},"relationships":{"component":{"data":{"id":"SP","type":"component"}},"workspace":{"data":{"id":"WS","type":"workspace"}}}}}""", "/data/attributes/keys/baseUrl")]
    [InlineData("""{"data":{"type":"credential","attributes":{"keys":"baseUrl=x"},"relationships":{"component":{"data":{"id":"SP","type":"component"}},"workspace":{"data":{"id":"WS","type":"workspace"}}}}}""", "/data/attributes/keys")]
    public async Task BadCredentialBodiesGet400NamingTheFieldAndCreateNothing(string json, string pointer)
    {
        var s = await SetUpAsync();
        var body = json.Replace("WS", s.Workspace, StringComparison.Ordinal).Replace("SP", s.StatusPage, StringComparison.Ordinal).Replace("RT", s.Router, StringComparison.Ordinal);
        var error = await (await s.Client.PostAsync("/v2/credentials", Json(body))).AssertErrorAsync(400);
        Assert.Equal(pointer, error["source"]!["pointer"]!.GetValue<string>());
        var list = await (await s.Client.GetAsync($"/v2/credentials?workspace_id={s.Workspace}")).ReadJsonAsync();
        Assert.Empty(list["data"]!.AsArray());
        s.Client.Dispose();
    }

    [Fact]
    public async Task BadPatchesAndListsAreNamed()
    {
        var s = await SetUpAsync();
        var id = await CreateAsync(s);
        var error = await (await s.Client.PatchAsync($"/v2/credentials/{id}", Json(new { data = new { type = "credential", attributes = new { name = "X" } } }))).AssertErrorAsync(400);
        Assert.Equal("/data/id", error["source"]!["pointer"]!.GetValue<string>());
        error = await (await s.Client.PatchAsync($"/v2/credentials/{id}", Json(new { data = new { type = "credential", id = "aaaaaaaaaaaaaaaaaaaaaaaa" } }))).AssertErrorAsync(409);
        Assert.Equal("/data/id", error["source"]!["pointer"]!.GetValue<string>());
        error = await (await s.Client.PatchAsync($"/v2/credentials/{id}", Json(new { data = new { type = "credential", id, attributes = new { keys = new { baseUrl = new[] { "x" } } } } }))).AssertErrorAsync(400);
        Assert.Equal("/data/attributes/keys/baseUrl", error["source"]!["pointer"]!.GetValue<string>());
        error = await (await s.Client.GetAsync("/v2/credentials")).AssertErrorAsync(400);
        Assert.Equal("workspace_id", error["source"]!["parameter"]!.GetValue<string>());
        s.Client.Dispose();
    }

    [Fact]
    public async Task GuestsReadButDoNotChangeAndOutsidersSeeNothing()
    {
        var s = await SetUpAsync();
        var id = await CreateAsync(s);
        var guest = await api.CreateUserAsync();
        await ApiFixture.AddContractMemberAsync(s.Client, s.Contract, guest, "member");
        await ApiFixture.AddWorkspaceMemberAsync(s.Client, s.Workspace, guest, "guest");
        using var guestClient = api.ClientFor(guest);
        var read = await (await guestClient.GetAsync($"/v2/credentials/{id}")).ReadJsonAsync();
        Assert.Equal(id, read["data"]!["id"]!.GetValue<string>());
        Assert.Equal("Status page", read["data"]!["attributes"]!["name"]!.GetValue<string>());
        await (await guestClient.PatchAsync($"/v2/credentials/{id}", Json(new { data = new { type = "credential", id, attributes = new { name = "X" } } }))).AssertErrorAsync(403);
        await (await guestClient.DeleteAsync($"/v2/credentials/{id}")).AssertErrorAsync(403);
        await (await guestClient.PostAsync("/v2/credentials", Create(s.Workspace, s.StatusPage, new { baseUrl = "https://x.example", apiToken = "y" }))).AssertErrorAsync(403);

        var outsider = await api.CreateOtherTenantAdminAsync();
        using var outsiderClient = api.ClientFor(outsider);
        await (await outsiderClient.GetAsync($"/v2/credentials/{id}")).AssertErrorAsync(404);
        await (await outsiderClient.PatchAsync($"/v2/credentials/{id}", Json(new { data = new { type = "credential", id, attributes = new { name = "X" } } }))).AssertErrorAsync(404);
        await (await outsiderClient.DeleteAsync($"/v2/credentials/{id}")).AssertErrorAsync(404);
        await (await outsiderClient.GetAsync($"/v2/credentials?workspace_id={s.Workspace}")).AssertErrorAsync(404);
        await (await outsiderClient.PostAsync("/v2/credentials", Create(s.Workspace, s.StatusPage, new { baseUrl = "https://x.example", apiToken = "y" }))).AssertErrorAsync(404);
        s.Client.Dispose();
    }

    [Fact]
    public async Task AContractAdminOutsideTheWorkspaceCannotListItsCredentials()
    {
        var s = await SetUpAsync();
        var id = await CreateAsync(s);
        var contractAdmin = await api.CreateUserAsync();
        await ApiFixture.AddContractMemberAsync(s.Client, s.Contract, contractAdmin, "admin");
        using var adminClient = api.ClientFor(contractAdmin);
        await (await adminClient.GetAsync($"/v2/credentials/{id}")).AssertErrorAsync(404);
        var response = await adminClient.GetAsync($"/v2/credentials?workspace_id={s.Workspace}");
        await response.AssertErrorAsync(404);
        Assert.DoesNotContain(Token, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Tenant admins read them, as they read one.
        using var tenantAdmin = api.AdminClient();
        var list = await (await tenantAdmin.GetAsync($"/v2/credentials?workspace_id={s.Workspace}")).ReadJsonAsync();
        Assert.Equal(Token, Assert.Single(list["data"]!.AsArray())!["attributes"]!["keys"]!["apiToken"]!.GetValue<string>());
        s.Client.Dispose();
    }

    [Fact]
    public async Task ASuspendedContractRefusesNewCredentials()
    {
        var s = await SetUpAsync();
        using var admin = api.AdminClient();
        await (await admin.PostAsync($"/v2/contracts/{s.Contract}/suspend", null)).ReadJsonAsync(202);
        var error = await (await s.Client.PostAsync("/v2/credentials", Create(s.Workspace, s.StatusPage, new { baseUrl = "https://x.example", apiToken = "y" }))).AssertErrorAsync(409);
        Assert.Equal("contract_suspended", error["code"]!.GetValue<string>());
        s.Client.Dispose();
    }

    [Fact]
    public async Task ASelectModelUsesTheKeysOfAStoredCredential()
    {
        await using var page = await LocalHttpServer.StartAsync(app => app.MapGet("/api/v1/components", (HttpRequest r) => r.Headers["X-Cachet-Token"] == Token
            ? Results.Json(new { data = new[] { new { id = 7, name = "Database" } } })
            : Results.StatusCode(401)));
        var s = await SetUpAsync();
        var credential = await CreateAsync(s, page.Url.ToString());
        var accepted = await s.Client.PostAsync($"/v2/components/{s.StatusPage}/versions/latest/select-model", Json(new
        {
            data = new
            {
                type = "select-model",
                attributes = new { module = "setComponentStatus", method = "listComponents", fields = new { } },
                relationships = new { workspace = new { data = new { id = s.Workspace, type = "workspace" } }, credential = new { data = new { id = credential, type = "credential" } } },
            },
        }));
        var operation = (await accepted.ReadJsonAsync(202))["data"]!["id"]!.GetValue<string>();
        await ApiFixture.EventuallyAsync(async () => (await s.Client.GetAsync($"/v2/exec/poll/{operation}")).StatusCode == HttpStatusCode.SeeOther, "the select model");
        var result = await (await s.Client.GetAsync($"/v2/exec/result/{operation}")).ReadJsonAsync();
        Assert.Equal("""{"7":"Database"}""", result["data"]!["attributes"]!["result"]!["data"]!.ToJsonString());
        s.Client.Dispose();
    }

    [Fact]
    public async Task ARemovedMembersCredentialsPassToTheRemoverAndADeletedWorkspaceTakesThemAlong()
    {
        var s = await SetUpAsync();
        var integrator = await api.CreateUserAsync();
        await ApiFixture.AddContractMemberAsync(s.Client, s.Contract, integrator, "member");
        await ApiFixture.AddWorkspaceMemberAsync(s.Client, s.Workspace, integrator, "integrator");
        using var integratorClient = api.ClientFor(integrator);
        var theirs = (await (await integratorClient.PostAsync("/v2/credentials", Create(s.Workspace, s.StatusPage, new { baseUrl = "https://x.example", apiToken = "y" }))).ReadJsonAsync(201))["data"]!["id"]!.GetValue<string>();

        Assert.Equal(HttpStatusCode.NoContent, (await s.Client.DeleteAsync($"/v2/workspaces/{s.Workspace}/members/{integrator.Id}")).StatusCode);
        var moved = await (await s.Client.GetAsync($"/v2/credentials/{theirs}")).ReadJsonAsync();
        Assert.Equal(s.Owner.Id, moved["data"]!["relationships"]!["user"]!["data"]!["id"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.NoContent, (await s.Client.DeleteAsync($"/v2/workspaces/{s.Workspace}")).StatusCode);
        await (await s.Client.GetAsync($"/v2/credentials/{theirs}")).AssertErrorAsync(404);
        await ApiFixture.EventuallyAsync(async () => (await api.RowsAsync(StorageLayout.Tables.Credentials)).All(r => r.RowKey != theirs), "the credential row to go");
        s.Client.Dispose();
    }
}
