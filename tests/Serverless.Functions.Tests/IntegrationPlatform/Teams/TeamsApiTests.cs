using Serverless.Functions.Tests.Infrastructure;
using static Serverless.Functions.Tests.Infrastructure.JsonApiAssertions;

namespace Serverless.Functions.Tests.IntegrationPlatform.Teams;

public sealed class TeamsApiTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private async Task<(HttpClient Client, string Contract, string Team)> SetUpAsync()
    {
        var owner = await api.CreateUserAsync();
        var contract = await api.CreateContractAsync(owner);
        var client = api.ClientFor(owner);
        var team = await (await client.PostAsync("/v2/teams", Json(new
        {
            data = new { type = "team", attributes = new { name = "Builders" }, relationships = new { contract = new { data = new { id = contract, type = "contract" } } } },
        }))).ReadJsonAsync(201);
        return (client, contract, team["data"]!["id"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("5")]
    [InlineData("true")]
    [InlineData("{\"x\": 1}")]
    [InlineData("\"a/b#c?d\\\\e\"")]
    public async Task AMemberIdThatIsNoUserIdIsA400NamingTheMember(string id)
    {
        var (client, _, team) = await SetUpAsync();
        var body = """{"data": {"type": "team", "relationships": {"members": {"data": [{"id": """ + id + """, "type": "user"}]}}}}""";
        var error = await (await client.PatchAsync($"/v2/teams/{team}", Json(body))).AssertErrorAsync(400);
        Assert.Equal("/data/relationships/members/data/0", error["source"]!["pointer"]!.GetValue<string>());
        client.Dispose();
    }

    [Fact]
    public async Task AContractOwnerIdWithCharactersKeysForbidIsA400NamingTheOwner()
    {
        using var admin = api.AdminClient();
        var error = await (await admin.PostAsync("/v2/contracts", Json(new
        {
            data = new { type = "contract", attributes = new { name = "Odd" }, relationships = new { owner = new { data = new { id = "a/b#c?d\\e", type = "user" } } } },
        }))).AssertErrorAsync(400);
        Assert.Equal("/data/relationships/owner", error["source"]!["pointer"]!.GetValue<string>());
        await (await admin.PatchAsync($"/v2/contracts/{await api.CreateContractAsync()}/members/a%23b", Json(new
        {
            data = new { type = "contract-member", id = "a#b", attributes = new { roles = new[] { "member" } } },
        }))).AssertErrorAsync(404);
    }
}
