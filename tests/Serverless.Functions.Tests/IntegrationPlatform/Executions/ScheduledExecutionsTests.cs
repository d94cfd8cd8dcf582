using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Serverless.Functions.Storage;
using Serverless.Functions.Tests.Infrastructure;
using static Serverless.Functions.Tests.Infrastructure.JsonApiAssertions;

namespace Serverless.Functions.Tests.IntegrationPlatform.Executions;

public sealed class ScheduledExecutionsTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private const string SecretKey = "s3cr3t-header-value-that-must-never-be-stored";

    private async Task<(HttpClient Client, string Workspace, Func<string, Task<string>> ComponentId)> SetUpAsync(TestUser? user = null)
    {
        var owner = user ?? await api.CreateUserAsync();
        var contract = await api.CreateContractAsync(owner);
        var client = api.ClientFor(owner);
        var workspace = await ApiFixture.CreateWorkspaceAsync(client, contract);
        return (client, workspace, async repo =>
        {
            var list = await (await client.GetAsync($"/v2/components?contract_id={contract}")).ReadJsonAsync();
            return list["data"]!.AsArray().Single(c => c!["attributes"]!["name"]!.GetValue<string>() == repo)!["id"]!.GetValue<string>();
        });
    }

    internal static StringContent Execution(string type, string workspace, object attributes, object? extraRelationships = null) => Json(new JsonObject
    {
        ["data"] = new JsonObject
        {
            ["type"] = type,
            ["attributes"] = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(attributes)),
            ["relationships"] = extraRelationships is null
                ? new JsonObject { ["workspace"] = new JsonObject { ["data"] = new JsonObject { ["id"] = workspace, ["type"] = "workspace" } } }
                : JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(extraRelationships)),
        },
    }.ToJsonString());

    /// <summary>The seed's walk: 202 with Location, 200 while pending, 303 to the result, then the result.</summary>
    internal static async Task<JsonNode> RunAsync(HttpClient client, string path, StringContent body)
    {
        var accepted = await client.PostAsync(path, body);
        var pending = await accepted.ReadJsonAsync(202);
        Assert.Equal("Pending request, waiting other process", pending["data"]!["attributes"]!["status"]!.GetValue<string>());
        var poll = accepted.Headers.Location!;
        Assert.True(poll.IsAbsoluteUri);
        HttpResponseMessage response;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((response = await client.GetAsync(poll.PathAndQuery)).StatusCode == HttpStatusCode.OK)
        {
            Assert.True(DateTime.UtcNow < deadline, "the execution did not finish");
            await Task.Delay(50);
        }
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        var result = await (await client.GetAsync(response.Headers.Location!.OriginalString)).ReadJsonAsync();
        return result["data"]!["attributes"]!["result"]!;
    }

    [Fact]
    public async Task VerifyingARestCredentialCallsTheConfiguredUrlAndReportsTheOutcome()
    {
        await using var remote = await LocalHttpServer.StartAsync(app => app.MapGet("/me", (HttpRequest r) =>
            r.Headers["X-Api-Key"] == SecretKey ? Results.Ok(new { me = "ok" }) : Results.StatusCode(401)));
        var (client, workspace, componentId) = await SetUpAsync();
        var rest = await componentId("rest-api");
        object Fields(string key) => new { fields = new { url = new Uri(remote.Url, "/me").ToString(), auth = new { type = "API Key Auth", apiKey = new { headerName = "X-Api-Key", headerValue = key } } } };

        var good = await RunAsync(client, $"/v2/components/{rest}/versions/latest/verify-credential", Execution("verify-credential", workspace, Fields(SecretKey)));
        Assert.Equal("success", good["status"]!.GetValue<string>());
        Assert.True(good["data"]!["verified"]!.GetValue<bool>());

        var bad = await RunAsync(client, $"/v2/components/{rest}/versions/latest/verify-credential", Execution("verify-credential", workspace, Fields("wrong")));
        Assert.False(bad["data"]!["verified"]!.GetValue<bool>());
        Assert.Contains("401", bad["data"]!["reason"]!.GetValue<string>(), StringComparison.Ordinal);

        foreach (var table in StorageLayout.Tables.All)
        {
            foreach (var row in await api.RowsAsync(table))
            {
                Assert.DoesNotContain(SecretKey, string.Join("|", row.Select(p => p.Value)), StringComparison.Ordinal);
            }
        }
        client.Dispose();
    }

    [Fact]
    public async Task AWebhookCredentialMissingWhatItsTypeNeedsIsNotVerified()
    {
        var (client, workspace, componentId) = await SetUpAsync();
        var webhook = await componentId("webhook");
        var result = await RunAsync(client, $"/v2/components/{webhook}/versions/latest/verify-credential",
            Execution("verify-credential", workspace, new { fields = new { auth = new { type = "BASIC", basic = new { username = "u" } } } }));
        Assert.False(result["data"]!["verified"]!.GetValue<bool>());
        Assert.Equal("'auth.basic.password' is required.", result["data"]!["reason"]!.GetValue<string>());
        client.Dispose();
    }

    [Fact]
    public async Task DynamicMetadataFollowsTheConfiguredMode()
    {
        var (client, workspace, componentId) = await SetUpAsync();
        var splitter = await componentId("splitter");
        var result = await RunAsync(client, $"/v2/components/{splitter}/versions/latest/dynamic-metadata",
            Execution("dynamic-metadata", workspace, new { module = "reassemble", fields = new { mode = "groupSize&timeout", emitAsArray = true } }));
        var data = result["data"]!;
        Assert.NotNull(data["in"]!["properties"]!["groupSize"]);
        Assert.NotNull(data["in"]!["properties"]!["timersec"]);
        Assert.Equal("array", data["out"]!["properties"]!["messageData"]!["type"]!.GetValue<string>());

        var error = await RunAsync(client, $"/v2/components/{splitter}/versions/latest/dynamic-metadata",
            Execution("dynamic-metadata", workspace, new { module = "reassemble", fields = new { mode = "forever" } }));
        Assert.Equal("error", error["status"]!.GetValue<string>());
        Assert.Contains("mode", error["data"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        client.Dispose();
    }

    [Fact]
    public async Task TheStatusPageSelectModelListsThePagesComponents()
    {
        await using var page = await LocalHttpServer.StartAsync(app =>
        {
            app.MapGet("/api/v1/ping", () => Results.Json(new { data = "Pong!" }));
            // As Cachet: component reads are public, the subscriber list needs the token.
            app.MapGet("/api/v1/components", () =>
                Results.Json(new { meta = new { pagination = new { links = new { next_page = (string?)null } } }, data = new[] { new { id = 1, name = "API" }, new { id = 2, name = "Website" } } }));
            app.MapGet("/api/v1/subscribers", (HttpRequest r) => r.Headers["X-Cachet-Token"] == "token" ? Results.Json(new { data = Array.Empty<object>() }) : Results.StatusCode(401));
        });
        var (client, workspace, componentId) = await SetUpAsync();
        var statusPage = await componentId("status-page");
        var result = await RunAsync(client, $"/v2/components/{statusPage}/versions/latest/select-model",
            Execution("select-model", workspace, new { module = "createIncident", method = "listComponents", fields = new { baseUrl = page.Url.ToString(), apiToken = "token" } }));
        Assert.Equal("""{"1":"API","2":"Website"}""", result["data"]!.ToJsonString());

        var verify = await RunAsync(client, $"/v2/components/{statusPage}/versions/latest/verify-credential",
            Execution("verify-credential", workspace, new { fields = new { baseUrl = page.Url.ToString(), apiToken = "nope" } }));
        Assert.False(verify["data"]!["verified"]!.GetValue<bool>());
        client.Dispose();
    }

    [Theory]
    [InlineData("verify-credential", """{"data":{"type":"verify-credential","attributes":{},"relationships":{"workspace":{"data":{"id":"WS","type":"workspace"}}}}}""", "/data/attributes/fields")]
    [InlineData("verify-credential", """{"data":{"type":"verify-credential","attributes":{"fields":"x"},"relationships":{"workspace":{"data":{"id":"WS","type":"workspace"}}}}}""", "/data/attributes/fields")]
    [InlineData("verify-credential", """{"data":{"type":"verify-credential","attributes":{"fields":{}}}}""", "/data/relationships/workspace")]
    [InlineData("verify-credential", """{"data":{"type":"verify-credential","attributes":{"fields":{}},"relationships":{"workspace":{"data":{"id":"WS","type":"workspace"}},"credential":{"data":{"id":"aaaaaaaaaaaaaaaaaaaaaaaa","type":"credential"}}}}}""", "/data/relationships/credential")]
    [InlineData("select-model", """{"data":{"type":"select-model","attributes":{"fields":{},"module":"nope","method":"x"},"relationships":{"workspace":{"data":{"id":"WS","type":"workspace"}}}}}""", "/data/attributes/module")]
    [InlineData("select-model", """{"data":{"type":"select-model","attributes":{"fields":{},"module":"createIncident"},"relationships":{"workspace":{"data":{"id":"WS","type":"workspace"}}}}}""", "/data/attributes/method")]
    public async Task BadExecutionBodiesGet400NamingTheField(string endpoint, string json, string pointer)
    {
        var (client, workspace, componentId) = await SetUpAsync();
        var statusPage = await componentId("status-page");
        var error = await (await client.PostAsync($"/v2/components/{statusPage}/versions/latest/{endpoint}", Json(json.Replace("WS", workspace, StringComparison.Ordinal))))
            .AssertErrorAsync(400);
        Assert.Equal(pointer, error["source"]!["pointer"]!.GetValue<string>());
        client.Dispose();
    }

    [Fact]
    public async Task ExecutionsNeedThePermissionInTheWorkspaceAndAVisibleWorkspace()
    {
        var owner = await api.CreateUserAsync();
        var (client, workspace, componentId) = await SetUpAsync(owner);
        var webhook = await componentId("webhook");
        var body = () => Execution("verify-credential", workspace, new { fields = new { auth = new { type = "NO_AUTH" } } });

        var guest = await api.CreateUserAsync();
        var contract = (await (await client.GetAsync($"/v2/workspaces/{workspace}")).ReadJsonAsync())["data"]!["relationships"]!["contract"]!["data"]!["id"]!.GetValue<string>();
        await ApiFixture.AddContractMemberAsync(client, contract, guest, "member");
        await ApiFixture.AddWorkspaceMemberAsync(client, workspace, guest, "guest");
        using var guestClient = api.ClientFor(guest);
        await (await guestClient.PostAsync($"/v2/components/{webhook}/versions/latest/verify-credential", body())).AssertErrorAsync(403);

        var outsider = await api.CreateOtherTenantAdminAsync();
        using var outsiderClient = api.ClientFor(outsider);
        await (await outsiderClient.PostAsync($"/v2/components/{webhook}/versions/latest/verify-credential", body())).AssertErrorAsync(404);
        await (await client.PostAsync($"/v2/components/{webhook}/versions/{new string('1', 40)}/verify-credential", body())).AssertErrorAsync(404);
        client.Dispose();
    }
}
