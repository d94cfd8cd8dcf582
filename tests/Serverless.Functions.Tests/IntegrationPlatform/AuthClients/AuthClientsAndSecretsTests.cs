using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Functions.IntegrationPlatform.AuthSecrets;
using Serverless.Functions.Storage;
using Serverless.Functions.Tests.Hosting;
using Serverless.Functions.Tests.Infrastructure;
using static Serverless.Functions.Tests.Infrastructure.JsonApiAssertions;

namespace Serverless.Functions.Tests.IntegrationPlatform.AuthClients;

public sealed class AuthClientsAndSecretsTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private const string ClientSecret = "client-secret-that-must-never-be-stored";
    private const string AccessToken = "access-token-that-must-never-be-stored";

    private sealed record Setup(TestUser Owner, HttpClient Client, string Contract, string Workspace, string RestApi);

    private async Task<Setup> SetUpAsync()
    {
        var owner = await api.CreateUserAsync();
        var contract = await api.CreateContractAsync(owner);
        var client = api.ClientFor(owner);
        var workspace = await ApiFixture.CreateWorkspaceAsync(client, contract);
        var list = await (await client.GetAsync($"/v2/components?contract_id={contract}")).ReadJsonAsync();
        var rest = list["data"]!.AsArray().Single(c => c!["attributes"]!["name"]!.GetValue<string>() == "rest-api")!["id"]!.GetValue<string>();
        return new Setup(owner, client, contract, workspace, rest);
    }

    private static JsonObject OAuth2(string tokenUri = "https://auth.example.com/token") => new()
    {
        ["client_id"] = "the-client",
        ["client_secret"] = ClientSecret,
        ["refresh_token_uri"] = tokenUri,
        ["token_uri"] = tokenUri,
        ["auth_uri"] = "https://auth.example.com/authorize",
    };

    private static StringContent ClientBody(string component, JsonObject? credentials, string type = "oauth2", string? scope = "workspace", string? scopeId = null)
    {
        var relationships = new JsonObject
        {
            ["components"] = new JsonObject { ["data"] = new JsonArray(new JsonObject { ["id"] = component, ["type"] = "component" }) },
        };
        if (scope is not null)
        {
            relationships[scope] = new JsonObject { ["data"] = new JsonObject { ["id"] = scopeId, ["type"] = scope } };
        }
        return Json(new JsonObject
        {
            ["data"] = new JsonObject
            {
                ["type"] = "auth-client",
                ["attributes"] = new JsonObject { ["name"] = "Client", ["type"] = type, ["credentials"] = credentials },
                ["relationships"] = relationships,
            },
        }.ToJsonString());
    }

    private static StringContent SecretBody(string clientId, JsonObject credentials, string state = "ready") => Json(new JsonObject
    {
        ["data"] = new JsonObject
        {
            ["type"] = "auth-secret",
            ["attributes"] = new JsonObject { ["name"] = "Secret", ["state"] = state, ["credentials"] = credentials },
            ["relationships"] = new JsonObject { ["auth_client"] = new JsonObject { ["data"] = new JsonObject { ["id"] = clientId, ["type"] = "auth-client" } } },
        },
    }.ToJsonString());

    private static async Task<string> CreateClientAsync(Setup s, JsonObject credentials)
    {
        var created = await (await s.Client.PostAsync("/v2/auth-clients", ClientBody(s.RestApi, credentials, scopeId: s.Workspace))).ReadJsonAsync(201);
        return created["data"]!["id"]!.GetValue<string>();
    }

    [Fact]
    public async Task AWorkspaceClientIsCreatedWithTheDefaultTokenLifetimeAndItsSecretIsSealed()
    {
        var s = await SetUpAsync();
        var response = await s.Client.PostAsync("/v2/auth-clients", ClientBody(s.RestApi, OAuth2(), scopeId: s.Workspace));
        var created = await response.ReadJsonAsync(201);
        var data = created["data"]!;
        Assert.Equal(3600, data["attributes"]!["credentials"]!["token_expires_in"]!.GetValue<int>());
        Assert.Equal(s.Workspace, data["relationships"]!["workspace"]!["data"]!["id"]!.GetValue<string>());
        Assert.Equal(s.RestApi, data["relationships"]!["components"]!["data"]![0]!["id"]!.GetValue<string>());
        Assert.All(await api.RowsAsync(StorageLayout.Tables.AuthClients),
            r => Assert.DoesNotContain(ClientSecret, string.Join("|", r.Select(p => p.Value)), StringComparison.Ordinal));
        s.Client.Dispose();
    }

    [Theory]
    [InlineData("""{"client_id":"x"}""", "/data/attributes/credentials/client_secret")]
    [InlineData("""{"client_id":"x","client_secret":"y","refresh_token_uri":"not a url","token_uri":"https://a/t","auth_uri":"https://a/a"}""", "/data/attributes/credentials/refresh_token_uri")]
    [InlineData("""{"client_id":"x","client_secret":"y","refresh_token_uri":"https://a/t","token_uri":"https://a/t","auth_uri":"https://a/a","token_expires_in":"soon"}""", "/data/attributes/credentials/token_expires_in")]
    [InlineData(null, "/data/attributes/credentials")]
    public async Task BadClientCredentialsAreNamed(string? credentials, string pointer)
    {
        var s = await SetUpAsync();
        var error = await (await s.Client.PostAsync("/v2/auth-clients", ClientBody(s.RestApi, credentials is null ? null : JsonNode.Parse(credentials)!.AsObject(), scopeId: s.Workspace)))
            .AssertErrorAsync(400);
        Assert.Equal(pointer, error["source"]!["pointer"]!.GetValue<string>());
        s.Client.Dispose();
    }

    [Fact]
    public async Task ClientsNeedComponentsOneScopeAndThePermissionThere()
    {
        var s = await SetUpAsync();
        var error = await (await s.Client.PostAsync("/v2/auth-clients", ClientBody("aaaaaaaaaaaaaaaaaaaaaaaa", OAuth2(), scopeId: s.Workspace))).AssertErrorAsync(400);
        Assert.Equal("/data/relationships/components/data/0", error["source"]!["pointer"]!.GetValue<string>());
        await (await s.Client.PostAsync("/v2/auth-clients", ClientBody(s.RestApi, OAuth2(), scope: null))).AssertErrorAsync(403);
        await (await s.Client.PostAsync("/v2/auth-clients", ClientBody(s.RestApi, OAuth2(), scope: "tenant", scopeId: "x"))).AssertErrorAsync(404);
        var guest = await api.CreateUserAsync();
        await ApiFixture.AddContractMemberAsync(s.Client, s.Contract, guest, "member");
        await ApiFixture.AddWorkspaceMemberAsync(s.Client, s.Workspace, guest, "admin");
        using var admin = api.ClientFor(guest);
        await (await admin.PostAsync("/v2/auth-clients", ClientBody(s.RestApi, OAuth2(), scopeId: s.Workspace))).AssertErrorAsync(403);
        s.Client.Dispose();
    }

    [Fact]
    public async Task AWorkspaceSeesItsTenantsClientsButOnlyTheTenantAdminSeesTheirCredentials()
    {
        var s = await SetUpAsync();
        var mine = await CreateClientAsync(s, OAuth2());
        using var admin = api.AdminClient();
        var tenantId = await TenantIdAsync();
        var tenantClient = (await (await admin.PostAsync("/v2/auth-clients", ClientBody(s.RestApi, new JsonObject { ["key"] = "tenant-key" }, type: "api_key", scope: "tenant", scopeId: tenantId)))
            .ReadJsonAsync(201))["data"]!["id"]!.GetValue<string>();

        var fromWorkspace = await (await s.Client.GetAsync($"/v2/auth-clients?workspace_id={s.Workspace}")).ReadJsonAsync();
        var seen = fromWorkspace["data"]!.AsArray().ToDictionary(c => c!["id"]!.GetValue<string>());
        Assert.Equal(new[] { mine, tenantClient }.Order(StringComparer.Ordinal), seen.Keys.Order(StringComparer.Ordinal));
        Assert.NotNull(seen[mine]!["attributes"]!["credentials"]);
        Assert.Null(seen[tenantClient]!["attributes"]!["credentials"]);

        var fromTenant = await (await admin.GetAsync($"/v2/auth-clients?tenant_id={tenantId}")).ReadJsonAsync();
        var only = Assert.Single(fromTenant["data"]!.AsArray())!;
        Assert.Equal("tenant-key", only["attributes"]!["credentials"]!["key"]!.GetValue<string>());
        Assert.Empty((await (await s.Client.GetAsync("/v2/auth-clients")).ReadJsonAsync())["data"]!.AsArray());

        var error = await (await s.Client.GetAsync($"/v2/auth-clients/{mine}")).AssertErrorAsync(400);
        Assert.Equal("workspace_id", error["source"]!["parameter"]!.GetValue<string>());
        var one = await (await s.Client.GetAsync($"/v2/auth-clients/{mine}?workspace_id={s.Workspace}")).ReadJsonAsync();
        Assert.Equal(mine, one["data"]!["id"]!.GetValue<string>());
        Assert.NotNull(one["data"]!["attributes"]!["credentials"]);
        error = await (await s.Client.GetAsync($"/v2/auth-clients?workspace_id={s.Workspace}&contract_id={s.Contract}")).AssertErrorAsync(400);
        Assert.Equal("contract_id", error["source"]!["parameter"]!.GetValue<string>());
        s.Client.Dispose();
    }

    [Fact]
    public async Task AnOAuth2ClientChangesOnlyItsSecretAndLifetimeAndCannotBeDeletedWhileUsed()
    {
        var s = await SetUpAsync();
        var id = await CreateClientAsync(s, OAuth2());
        var patched = await (await s.Client.PatchAsync($"/v2/auth-clients/{id}", Json(new { data = new { type = "auth-client", attributes = new { credentials = new { client_secret = "rotated", token_expires_in = 60 } } } })))
            .ReadJsonAsync();
        Assert.Equal("rotated", patched["data"]!["attributes"]!["credentials"]!["client_secret"]!.GetValue<string>());
        Assert.Equal("the-client", patched["data"]!["attributes"]!["credentials"]!["client_id"]!.GetValue<string>());
        var error = await (await s.Client.PatchAsync($"/v2/auth-clients/{id}", Json(new { data = new { type = "auth-client", attributes = new { credentials = new { token_uri = "https://evil" } } } })))
            .AssertErrorAsync(400);
        Assert.Equal("/data/attributes/credentials/token_uri", error["source"]!["pointer"]!.GetValue<string>());

        var secret = (await (await s.Client.PostAsync($"/v2/workspaces/{s.Workspace}/secrets", SecretBody(id, new JsonObject { ["access_token"] = "a" }))).ReadJsonAsync(201))["data"]!;
        Assert.Equal(60, secret["attributes"]!["credentials"]!["expires_in"]!.GetValue<int>());
        await (await s.Client.DeleteAsync($"/v2/auth-clients/{id}")).AssertErrorAsync(409);
        Assert.Equal(HttpStatusCode.NoContent, (await s.Client.DeleteAsync($"/v2/workspaces/{s.Workspace}/secrets/{secret["id"]}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await s.Client.DeleteAsync($"/v2/auth-clients/{id}")).StatusCode);
        s.Client.Dispose();
    }

    [Fact]
    public async Task OutsidersSeeNoClientAndNoSecret()
    {
        var s = await SetUpAsync();
        var id = await CreateClientAsync(s, OAuth2());
        var secret = (await (await s.Client.PostAsync($"/v2/workspaces/{s.Workspace}/secrets", SecretBody(id, new JsonObject { ["access_token"] = "a" }))).ReadJsonAsync(201))["data"]!["id"]!.GetValue<string>();
        var outsider = await api.CreateOtherTenantAdminAsync();
        using var client = api.ClientFor(outsider);
        await (await client.GetAsync($"/v2/auth-clients?workspace_id={s.Workspace}")).AssertErrorAsync(404);
        await (await client.GetAsync($"/v2/auth-clients/{id}?workspace_id={s.Workspace}")).AssertErrorAsync(404);
        await (await client.PatchAsync($"/v2/auth-clients/{id}", Json(new { data = new { type = "auth-client", attributes = new { name = "x" } } }))).AssertErrorAsync(404);
        await (await client.DeleteAsync($"/v2/auth-clients/{id}")).AssertErrorAsync(404);
        await (await client.GetAsync($"/v2/workspaces/{s.Workspace}/secrets")).AssertErrorAsync(404);
        await (await client.GetAsync($"/v2/workspaces/{s.Workspace}/secrets/{secret}")).AssertErrorAsync(404);
        await (await client.PostAsync($"/v2/workspaces/{s.Workspace}/secrets/{secret}/refresh", null)).AssertErrorAsync(404);
        await (await client.DeleteAsync($"/v2/workspaces/{s.Workspace}/secrets/{secret}")).AssertErrorAsync(404);
        s.Client.Dispose();
    }

    [Theory]
    [InlineData("""{"data":{"type":"auth-secret","attributes":{"name":"S","credentials":{"access_token":"a"}},"relationships":{"auth_client":{"data":{"id":"CL","type":"auth-client"}}}}}""", "/data/attributes/state")]
    [InlineData("""{"data":{"type":"auth-secret","attributes":{"name":"S","state":"fine","credentials":{"access_token":"a"}},"relationships":{"auth_client":{"data":{"id":"CL","type":"auth-client"}}}}}""", "/data/attributes/state")]
    [InlineData("""{"data":{"type":"auth-secret","attributes":{"name":"S","state":"ready","credentials":{"refresh_token":"r"}},"relationships":{"auth_client":{"data":{"id":"CL","type":"auth-client"}}}}}""", "/data/attributes/credentials/access_token")]
    [InlineData("""{"data":{"type":"auth-secret","attributes":{"name":"S","state":"ready","credentials":{"access_token":"a","password":"p"}},"relationships":{"auth_client":{"data":{"id":"CL","type":"auth-client"}}}}}""", "/data/attributes/credentials/password")]
    [InlineData("""{"data":{"type":"auth-secret","attributes":{"name":"S","state":"ready","credentials":{"access_token":"a"}},"relationships":{"auth_client":{"data":{"id":"aaaaaaaaaaaaaaaaaaaaaaaa","type":"auth-client"}}}}}""", "/data/relationships/auth_client")]
    [InlineData("""{"data":{"type":"auth-secret","attributes":{"name":"S","state":"ready","credentials":{"access_token":"a"}}}}""", "/data/relationships/auth_client")]
    public async Task BadSecretBodiesAreNamed(string json, string pointer)
    {
        var s = await SetUpAsync();
        var id = await CreateClientAsync(s, OAuth2());
        var error = await (await s.Client.PostAsync($"/v2/workspaces/{s.Workspace}/secrets", Json(json.Replace("CL", id, StringComparison.Ordinal)))).AssertErrorAsync(400);
        Assert.Equal(pointer, error["source"]!["pointer"]!.GetValue<string>());
        Assert.Empty((await (await s.Client.GetAsync($"/v2/workspaces/{s.Workspace}/secrets")).ReadJsonAsync())["data"]!.AsArray());
        s.Client.Dispose();
    }

    [Fact]
    public async Task RefreshPerformsARealRefreshTokenGrantAndRecordsAFailure()
    {
        var grants = new List<IFormCollection>();
        var fail = false;
        await using var auth = await LocalHttpServer.StartAsync(app => app.MapPost("/token", async (HttpRequest request) =>
        {
            var form = await request.ReadFormAsync();
            grants.Add(form);
            return fail
                ? Results.Json(new { error = "invalid_grant" }, statusCode: 400)
                : Results.Json(new { access_token = "fresh-" + grants.Count, refresh_token = "rotated", expires_in = 7200 });
        }));
        var s = await SetUpAsync();
        var clientId = await CreateClientAsync(s, OAuth2(new Uri(auth.Url, "/token").ToString()));
        var created = await (await s.Client.PostAsync($"/v2/workspaces/{s.Workspace}/secrets",
            SecretBody(clientId, new JsonObject { ["access_token"] = AccessToken, ["refresh_token"] = "first" }))).ReadJsonAsync(201);
        var id = created["data"]!["id"]!.GetValue<string>();
        Assert.Equal(clientId, created["data"]!["relationships"]!["auth-client"]!["data"]!["id"]!.GetValue<string>());

        var refreshed = await (await s.Client.PostAsync($"/v2/workspaces/{s.Workspace}/secrets/{id}/refresh", null)).ReadJsonAsync();
        var form = Assert.Single(grants);
        Assert.Equal("refresh_token", form["grant_type"].ToString());
        Assert.Equal("first", form["refresh_token"].ToString());
        Assert.Equal("the-client", form["client_id"].ToString());
        Assert.Equal(ClientSecret, form["client_secret"].ToString());
        Assert.Equal("fresh-1", refreshed["data"]!["attributes"]!["credentials"]!["access_token"]!.GetValue<string>());
        Assert.Equal("rotated", refreshed["data"]!["attributes"]!["credentials"]!["refresh_token"]!.GetValue<string>());
        Assert.Equal(7200, refreshed["data"]!["attributes"]!["credentials"]!["expires_in"]!.GetValue<int>());

        fail = true;
        var failed = await (await s.Client.PostAsync($"/v2/workspaces/{s.Workspace}/secrets/{id}/refresh", null)).ReadJsonAsync();
        Assert.Equal("error", failed["data"]!["attributes"]!["state"]!.GetValue<string>());
        Assert.Contains("400", failed["data"]!["attributes"]!["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.All(await api.RowsAsync(StorageLayout.Tables.AuthSecrets),
            r => Assert.DoesNotContain(AccessToken, string.Join("|", r.Select(p => p.Value)), StringComparison.Ordinal));
        s.Client.Dispose();
    }

    [Fact]
    public async Task TheRefreshJobRefreshesSecretsCloseToExpiryAndOnlyThose()
    {
        var grants = 0;
        await using var auth = await LocalHttpServer.StartAsync(app => app.MapPost("/token", () =>
        {
            Interlocked.Increment(ref grants);
            return Results.Json(new { access_token = "by-the-job", expires_in = 3600 });
        }));
        var s = await SetUpAsync();
        var clientId = await CreateClientAsync(s, OAuth2(new Uri(auth.Url, "/token").ToString()));
        var soon = (await (await s.Client.PostAsync($"/v2/workspaces/{s.Workspace}/secrets",
            SecretBody(clientId, new JsonObject { ["access_token"] = "old", ["refresh_token"] = "r", ["expires_in"] = 60 }))).ReadJsonAsync(201))["data"]!["id"]!.GetValue<string>();
        var later = (await (await s.Client.PostAsync($"/v2/workspaces/{s.Workspace}/secrets",
            SecretBody(clientId, new JsonObject { ["access_token"] = "old", ["refresh_token"] = "r", ["expires_in"] = 86400 }))).ReadJsonAsync(201))["data"]!["id"]!.GetValue<string>();

        await api.Services.GetRequiredService<AuthSecretRefreshJob>().RunAsync(CancellationToken.None);

        var refreshed = await (await s.Client.GetAsync($"/v2/workspaces/{s.Workspace}/secrets/{soon}")).ReadJsonAsync();
        Assert.Equal("by-the-job", refreshed["data"]!["attributes"]!["credentials"]!["access_token"]!.GetValue<string>());
        var untouched = await (await s.Client.GetAsync($"/v2/workspaces/{s.Workspace}/secrets/{later}")).ReadJsonAsync();
        Assert.Equal("old", untouched["data"]!["attributes"]!["credentials"]!["access_token"]!.GetValue<string>());
        Assert.Equal(1, grants);
        s.Client.Dispose();
    }

    [Fact]
    public async Task ATenantWhoseTokenEndpointBreaksTheRefreshDoesNotStopAnotherTenantsRefresh()
    {
        // An answer whose charset cannot be decoded fails in a way a plain HTTP error does not.
        await using var hostile = await LocalHttpServer.StartAsync(app => app.MapPost("/token", (HttpResponse response) =>
        {
            response.ContentType = "application/json; charset=no-such-charset";
            return response.WriteAsync("""{"access_token":"x"}""");
        }));
        var hits = 0;
        await using var fine = await LocalHttpServer.StartAsync(app => app.MapPost("/token", () =>
        {
            Interlocked.Increment(ref hits);
            return Results.Json(new { access_token = "refreshed-for-the-other-tenant", expires_in = 3600 });
        }));
        var attacker = await OAuthScenario.SetUpAsync(api);
        var broken = await attacker.SecretForTokenUriAsync(new Uri(hostile.Url, "/token").ToString(), expiresIn: 60);
        // Tenant ids start with their creation second and the job goes tenant by tenant in key order: a later second
        // puts the other tenant after the bootstrap admin's, where the attacker is.
        await Task.Delay(TimeSpan.FromSeconds(1.1));
        var victim = await OAuthScenario.SetUpAsync(api, await api.CreateOtherTenantAdminAsync());
        var secret = await victim.SecretForTokenUriAsync(new Uri(fine.Url, "/token").ToString(), expiresIn: 60);

        await api.Services.GetRequiredService<AuthSecretRefreshJob>().RunAsync(CancellationToken.None);

        Assert.Equal("refreshed-for-the-other-tenant", (await victim.SecretAsync(secret))["credentials"]!["access_token"]!.GetValue<string>());
        Assert.Equal(1, hits);
        var failed = await attacker.SecretAsync(broken);
        Assert.Equal("error", failed["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task ARefreshKeepsCredentialsChangedWhileItsGrantWasInFlight()
    {
        OAuthScenario? s = null;
        string? secret = null;
        await using var auth = await LocalHttpServer.StartAsync(app => app.MapPost("/token", async () =>
        {
            // The owner replaces the credentials while the token endpoint is still answering the grant.
            await (await s!.Client.PatchAsync($"/v2/workspaces/{s.Workspace}/secrets/{secret}", Json(new
            {
                data = new { type = "auth-secret", attributes = new { credentials = new { access_token = "patched", refresh_token = "patched-refresh", additional_params = new { scope = "read" } } } },
            }))).ReadJsonAsync();
            return Results.Json(new { access_token = "granted", expires_in = 3600 });
        }));
        s = await OAuthScenario.SetUpAsync(api);
        secret = await s.SecretForTokenUriAsync(new Uri(auth.Url, "/token").ToString());

        var refreshed = await s.RefreshAsync(secret);

        var credentials = refreshed["credentials"]!;
        Assert.Equal("granted", credentials["access_token"]!.GetValue<string>());
        Assert.Equal("patched-refresh", credentials["refresh_token"]!.GetValue<string>());
        Assert.Equal("read", credentials["additional_params"]!["scope"]!.GetValue<string>());
        Assert.Equal("patched-refresh", (await s.SecretAsync(secret))["credentials"]!["refresh_token"]!.GetValue<string>());
    }

    [Fact]
    public async Task SecretsOfOtherClientTypesAreFreeFormAndNotRefreshable()
    {
        var s = await SetUpAsync();
        var clientId = (await (await s.Client.PostAsync("/v2/auth-clients", ClientBody(s.RestApi, new JsonObject(), type: "api_key", scopeId: s.Workspace))).ReadJsonAsync(201))["data"]!["id"]!.GetValue<string>();
        var secret = (await (await s.Client.PostAsync($"/v2/workspaces/{s.Workspace}/secrets", SecretBody(clientId, new JsonObject { ["headerName"] = "X-Key", ["headerValue"] = "v" })))
            .ReadJsonAsync(201))["data"]!["id"]!.GetValue<string>();
        var error = await (await s.Client.PostAsync($"/v2/workspaces/{s.Workspace}/secrets/{secret}/refresh", null)).AssertErrorAsync(409);
        Assert.Equal("not_refreshable", error["code"]!.GetValue<string>());
        var updated = await (await s.Client.PatchAsync($"/v2/workspaces/{s.Workspace}/secrets/{secret}",
            Json(new { data = new { type = "auth-secret", attributes = new { name = "Renamed", credentials = new { headerValue = "w" } } } }))).ReadJsonAsync();
        Assert.Equal("""{"headerValue":"w"}""", updated["data"]!["attributes"]!["credentials"]!.ToJsonString());

        var guest = await api.CreateUserAsync();
        await ApiFixture.AddContractMemberAsync(s.Client, s.Contract, guest, "member");
        await ApiFixture.AddWorkspaceMemberAsync(s.Client, s.Workspace, guest, "guest");
        using var guestClient = api.ClientFor(guest);
        await (await guestClient.GetAsync($"/v2/workspaces/{s.Workspace}/secrets")).AssertErrorAsync(403);
        var other = await ApiFixture.CreateWorkspaceAsync(s.Client, s.Contract, "Other");
        await (await s.Client.GetAsync($"/v2/workspaces/{other}/secrets/{secret}")).AssertErrorAsync(404);
        s.Client.Dispose();
    }

    private async Task<string> TenantIdAsync() =>
        (await api.Services.GetRequiredService<Serverless.Functions.Identity.UserStore>().FindByApiKeyAsync(api.AdminKey))!.TenantId;
}
