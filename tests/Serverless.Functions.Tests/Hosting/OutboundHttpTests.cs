using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Serverless.Functions.Tests.Infrastructure;
using Serverless.Functions.Tests.IntegrationPlatform.Executions;
using static Serverless.Functions.Tests.Infrastructure.JsonApiAssertions;

namespace Serverless.Functions.Tests.Hosting;

/// <summary>The app as deployed: outbound calls may not reach loopback or private networks.</summary>
public sealed class GuardedOutboundFixture : ApiFixture
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("OUTBOUND_ALLOW_PRIVATE_NETWORKS", "false");
    }
}

/// <summary>What a tenant who chooses the URLs the product calls can make it do, with the deployed setting.</summary>
public sealed class OutboundGuardTests(GuardedOutboundFixture api) : IClassFixture<GuardedOutboundFixture>
{
    [Fact]
    public async Task ATokenEndpointOnLoopbackIsRefusedAndNeverReached()
    {
        var hits = 0;
        await using var target = await LocalHttpServer.StartAsync(app => app.MapPost("/token", () =>
        {
            Interlocked.Increment(ref hits);
            return Results.Json(new { access_token = "internal" });
        }));
        var s = await OAuthScenario.SetUpAsync(api);
        var secret = await s.SecretForTokenUriAsync($"http://127.0.0.1:{target.Url.Port}/token");

        var refreshed = await s.RefreshAsync(secret);

        Assert.Equal("error", refreshed["state"]!.GetValue<string>());
        Assert.Contains("refused", refreshed["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0, hits);
    }

    [Fact]
    public async Task ARestApiCredentialCheckAgainstLoopbackIsRefusedAndNeverReached()
    {
        var hits = 0;
        await using var target = await LocalHttpServer.StartAsync(app => app.MapGet("/admin", () =>
        {
            Interlocked.Increment(ref hits);
            return Results.Ok();
        }));
        var s = await OAuthScenario.SetUpAsync(api);
        var result = await ScheduledExecutionsTests.RunAsync(s.Client, $"/v2/components/{s.RestApi}/versions/latest/verify-credential",
            ScheduledExecutionsTests.Execution("verify-credential", s.Workspace,
                new { fields = new { url = $"http://127.0.0.1:{target.Url.Port}/admin", auth = new { type = "No Auth" } } }));

        Assert.False(result["data"]!["verified"]!.GetValue<bool>());
        Assert.Contains("refused", result["data"]!["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0, hits);
    }

    [Theory]
    [InlineData("token_uri", "ftp://x/")]
    [InlineData("refresh_token_uri", "file:///etc/passwd")]
    [InlineData("auth_uri", "gopher://x/")]
    public async Task AnAuthClientsEndpointsMustBeHttpUrls(string field, string value)
    {
        var s = await OAuthScenario.SetUpAsync(api);
        var credentials = OAuthScenario.OAuth2("https://auth.example.com/token");
        credentials[field] = value;
        var error = await (await s.Client.PostAsync("/v2/auth-clients", s.ClientBody(credentials))).AssertErrorAsync(400);
        Assert.Equal($"/data/attributes/credentials/{field}", error["source"]!["pointer"]!.GetValue<string>());
    }

    [Fact]
    public async Task AStatusPageCredentialsBaseUrlMustBeAnHttpUrl()
    {
        var s = await OAuthScenario.SetUpAsync(api);
        var statusPage = await s.ComponentIdAsync("status-page");
        var error = await (await s.Client.PostAsync("/v2/credentials", Json(new
        {
            data = new
            {
                type = "credential",
                attributes = new { name = "Page", keys = new { baseUrl = "ftp://status.example.com/", apiToken = "t" } },
                relationships = new { workspace = new { data = new { id = s.Workspace, type = "workspace" } }, component = new { data = new { id = statusPage, type = "component" } } },
            },
        }))).AssertErrorAsync(400);
        Assert.Equal("/data/attributes/keys/baseUrl", error["source"]!["pointer"]!.GetValue<string>());
    }
}

/// <summary>What stays refused, or bounded, even where private networks are allowed (as in the other tests).</summary>
public sealed class OutboundLimitsTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://[::ffff:169.254.169.254]/latest/meta-data/")]
    [InlineData("http://[fe80::1]/")]
    public async Task TheCloudMetadataEndpointAndOtherLinkLocalAddressesAreAlwaysRefused(string tokenUri)
    {
        var s = await OAuthScenario.SetUpAsync(api);
        var secret = await s.SecretForTokenUriAsync(tokenUri);

        var refreshed = await s.RefreshAsync(secret);

        Assert.Equal("error", refreshed["state"]!.GetValue<string>());
        Assert.Contains("refused", refreshed["error"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATokenEndpointsRedirectIsNotFollowed()
    {
        var followed = 0;
        await using var target = await LocalHttpServer.StartAsync(app =>
        {
            app.MapPost("/token", () => Results.Redirect("/internal", permanent: false, preserveMethod: true));
            app.MapPost("/internal", () =>
            {
                Interlocked.Increment(ref followed);
                return Results.Json(new { access_token = "from-the-redirect" });
            });
        });
        var s = await OAuthScenario.SetUpAsync(api);
        var secret = await s.SecretForTokenUriAsync(new Uri(target.Url, "/token").ToString());

        var refreshed = await s.RefreshAsync(secret);

        Assert.Equal("error", refreshed["state"]!.GetValue<string>());
        Assert.Contains("307", refreshed["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0, followed);
    }

    [Fact]
    public async Task ATokenEndpointsErrorBodyIsNotCopiedIntoTheSecret()
    {
        const string Leak = "internal-only-text-the-caller-must-not-read";
        await using var target = await LocalHttpServer.StartAsync(app => app.MapPost("/token", () => Results.Text(Leak, statusCode: 400)));
        var s = await OAuthScenario.SetUpAsync(api);
        var secret = await s.SecretForTokenUriAsync(new Uri(target.Url, "/token").ToString());

        var refreshed = await s.RefreshAsync(secret);

        Assert.Equal("error", refreshed["state"]!.GetValue<string>());
        Assert.Contains("400", refreshed["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain(Leak, refreshed.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAnswerOverOneMebibyteIsNotRead()
    {
        var huge = new string('x', 2 * 1024 * 1024);
        await using var target = await LocalHttpServer.StartAsync(app => app.MapPost("/token", () => Results.Json(new { access_token = "big", padding = huge })));
        var s = await OAuthScenario.SetUpAsync(api);
        var secret = await s.SecretForTokenUriAsync(new Uri(target.Url, "/token").ToString());

        var refreshed = await s.RefreshAsync(secret);

        Assert.Equal("error", refreshed["state"]!.GetValue<string>());
        Assert.NotEqual("big", refreshed["credentials"]!["access_token"]!.GetValue<string>());
    }
}

/// <summary>A workspace owner with an oauth2 client and secrets, all made through the API.</summary>
internal sealed record OAuthScenario(HttpClient Client, string Contract, string Workspace, string RestApi)
{
    /// <summary>With <paramref name="owner"/>: that admin of another tenant, in a contract of their own.</summary>
    public static async Task<OAuthScenario> SetUpAsync(ApiFixture api, TestUser? owner = null)
    {
        string contract;
        HttpClient client;
        if (owner is null)
        {
            owner = await api.CreateUserAsync();
            contract = await api.CreateContractAsync(owner);
            client = api.ClientFor(owner);
        }
        else
        {
            // Another tenant's admin makes their own contract: the bootstrap admin cannot name them its owner.
            client = api.ClientFor(owner);
            contract = (await (await client.PostAsync("/v2/contracts", Json(new { data = new { type = "contract", attributes = new { name = "Other contract" } } })))
                .ReadJsonAsync(201))["data"]!["id"]!.GetValue<string>();
        }
        var workspace = await ApiFixture.CreateWorkspaceAsync(client, contract);
        var scenario = new OAuthScenario(client, contract, workspace, "");
        return scenario with { RestApi = await scenario.ComponentIdAsync("rest-api") };
    }

    public static JsonObject OAuth2(string tokenUri) => new()
    {
        ["client_id"] = "the-client",
        ["client_secret"] = "the-client-secret",
        ["refresh_token_uri"] = tokenUri,
        ["token_uri"] = tokenUri,
        ["auth_uri"] = "https://auth.example.com/authorize",
    };

    public async Task<string> ComponentIdAsync(string repo)
    {
        var list = await (await Client.GetAsync($"/v2/components?contract_id={Contract}")).ReadJsonAsync();
        return list["data"]!.AsArray().Single(c => c!["attributes"]!["name"]!.GetValue<string>() == repo)!["id"]!.GetValue<string>();
    }

    public StringContent ClientBody(JsonObject credentials) => Json(new JsonObject
    {
        ["data"] = new JsonObject
        {
            ["type"] = "auth-client",
            ["attributes"] = new JsonObject { ["name"] = "Client", ["type"] = "oauth2", ["credentials"] = credentials },
            ["relationships"] = new JsonObject
            {
                ["components"] = new JsonObject { ["data"] = new JsonArray(new JsonObject { ["id"] = RestApi, ["type"] = "component" }) },
                ["workspace"] = new JsonObject { ["data"] = new JsonObject { ["id"] = Workspace, ["type"] = "workspace" } },
            },
        },
    }.ToJsonString());

    /// <summary>A client whose endpoints are <paramref name="tokenUri"/>, and a secret of it (with a refresh token) that expires in <paramref name="expiresIn"/> seconds.</summary>
    public async Task<string> SecretForTokenUriAsync(string tokenUri, int expiresIn = 3600, JsonObject? credentials = null)
    {
        var client = (await (await Client.PostAsync("/v2/auth-clients", ClientBody(OAuth2(tokenUri)))).ReadJsonAsync(201))["data"]!["id"]!.GetValue<string>();
        credentials ??= new JsonObject { ["access_token"] = "old", ["refresh_token"] = "the-refresh-token" };
        credentials["expires_in"] = expiresIn;
        var created = await (await Client.PostAsync($"/v2/workspaces/{Workspace}/secrets", Json(new JsonObject
        {
            ["data"] = new JsonObject
            {
                ["type"] = "auth-secret",
                ["attributes"] = new JsonObject { ["name"] = "Secret", ["state"] = "ready", ["credentials"] = credentials },
                ["relationships"] = new JsonObject { ["auth_client"] = new JsonObject { ["data"] = new JsonObject { ["id"] = client, ["type"] = "auth-client" } } },
            },
        }.ToJsonString()))).ReadJsonAsync(201);
        return created["data"]!["id"]!.GetValue<string>();
    }

    /// <summary>POST …/refresh; the secret's attributes.</summary>
    public async Task<JsonNode> RefreshAsync(string secret) =>
        (await (await Client.PostAsync($"/v2/workspaces/{Workspace}/secrets/{secret}/refresh", null)).ReadJsonAsync())["data"]!["attributes"]!;

    public async Task<JsonNode> SecretAsync(string secret) =>
        (await (await Client.GetAsync($"/v2/workspaces/{Workspace}/secrets/{secret}")).ReadJsonAsync())["data"]!["attributes"]!;
}
