using System.Net.Http.Json;
using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests.Incidents;

/// <summary>The app on a clock the tests move, so a 48-hour token can expire in a moment.</summary>
public sealed class IncidentClockFixture : ApiFixture
{
    protected override bool UsesFakeTime => true;
}

/// <summary>The token exchange and refresh tokens, as an attacker would try them.</summary>
public sealed class AccessTokensTests(IncidentClockFixture api) : IClassFixture<IncidentClockFixture>
{
    [Fact]
    public async Task ARefreshTokenBuysAnAccessTokenThatWorksForFortyEightHours()
    {
        var org = await api.CreateOrganizationAsync();
        var data = await api.ExchangeAsync(org.OwnerKey);
        Assert.Equal(["access_token", "expires_at", "issued_at", "refresh_token", "token_type", "type"], data.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal(172_800, data["expires_at"]!.GetValue<long>() - data["issued_at"]!.GetValue<long>());
        Assert.Equal(org.OwnerKey, data["refresh_token"]!.GetValue<string>());
        Assert.Equal("bearer", data["token_type"]!.GetValue<string>());
        Assert.Equal(3, data["access_token"]!.GetValue<string>().Split('.').Length);
        Assert.Equal(data["issued_at"]!.GetValue<long>(), api.Clock.GetUtcNow().ToUnixTimeSeconds());
        // The Terraform provider's spelling of the path answers the same.
        Assert.Equal(org.OwnerKey, (await api.ExchangeAsync(org.OwnerKey, "/v3/oauth/access-token"))["refresh_token"]!.GetValue<string>());

        using var client = api.BearerClient(data["access_token"]!.GetValue<string>());
        var organization = await (await client.GetAsync("/v3/organization")).ReadJsonAsync();
        Assert.Equal(org.Id, organization["data"]!["id"]!.GetValue<string>());

        api.Clock.Advance(TimeSpan.FromHours(48) - TimeSpan.FromSeconds(1));
        (await client.GetAsync("/v3/organization")).EnsureSuccessStatusCode();
        api.Clock.Advance(TimeSpan.FromSeconds(1));
        var expired = await (await client.GetAsync("/v3/organization")).AssertIncidentErrorAsync(401);
        Assert.Equal("authentication_error", expired["type"]!.GetValue<string>());
        Assert.Equal("access_token_invalid", expired["errors"]![0]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task AMissingOrWrongRefreshTokenOrBearerIsRefusedWithIncidentIosError()
    {
        using var anonymous = api.AnonymousClient();
        var missing = await (await anonymous.GetAsync("/oauth/access-token")).AssertIncidentErrorAsync(401);
        Assert.Equal("missing_authorization_material", missing["errors"]![0]!["code"]!.GetValue<string>());
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/oauth/access-token");
        wrong.Headers.Add("X-Refresh-Token", "ops_not-a-key-we-issued");
        await (await anonymous.SendAsync(wrong)).AssertIncidentErrorAsync(401, "X-Refresh-Token");

        var none = await (await anonymous.GetAsync("/v3/incidents/export")).AssertIncidentErrorAsync(401);
        Assert.Equal("missing_authorization_material", none["errors"]![0]!["code"]!.GetValue<string>());
        // A token signed with another key, a token with its signature cut, the refresh token in the wrong header.
        const string Foreign = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ4IiwidGlkIjoieCIsInJ0IjoieCIsImtjIjoieCIsImV4cCI6OTk5OTk5OTk5OX0.c2lnbmF0dXJl";
        var org = await api.CreateOrganizationAsync();
        var token = (await api.ExchangeAsync(org.OwnerKey))["access_token"]!.GetValue<string>();
        foreach (var bad in new[] { Foreign, token[..token.LastIndexOf('.')] + ".", "garbage" })
        {
            using var client = api.BearerClient(bad);
            var refused = await (await client.GetAsync("/v3/organization")).AssertIncidentErrorAsync(401);
            Assert.Equal("access_token_invalid", refused["errors"]![0]!["code"]!.GetValue<string>());
        }
        using var basic = api.ClientFor(org.OwnerEmail, org.OwnerKey);
        await (await basic.GetAsync("/v3/organization")).AssertIncidentErrorAsync(401);
    }

    [Fact]
    public async Task RevokingARefreshTokenEndsTheAccessTokensItMinted()
    {
        var org = await api.CreateOrganizationAsync();
        using var owner = await api.IncidentClientAsync(org.OwnerKey);
        var created = await (await owner.PostAsJsonAsync("/v3/refresh-token", new { name = "CI" })).ReadJsonAsync(201);
        var refreshToken = created["data"]!["token"]!.GetValue<string>();
        var tokenId = created["data"]!["id"]!.GetValue<string>();
        Assert.Equal("account_owner", created["data"]!["role"]!.GetValue<string>());
        using var ci = await api.IncidentClientAsync(refreshToken);
        (await ci.GetAsync("/v3/organization")).EnsureSuccessStatusCode();
        var listed = await (await owner.GetAsync("/v3/refresh-token")).ReadJsonAsync();
        Assert.Contains(listed["data"]!.AsArray(), t => t!["id"]!.GetValue<string>() == tokenId);
        Assert.DoesNotContain(refreshToken, listed.ToJsonString(), StringComparison.Ordinal);
        // Stored hashed: no row holds the token itself.
        Assert.DoesNotContain(await api.RowsAsync("RefreshTokens"), r => r.Any(c => c.Value?.ToString()?.Contains(refreshToken, StringComparison.Ordinal) == true));

        Assert.Equal(204, (int)(await owner.DeleteAsync($"/v3/refresh-token/{tokenId}")).StatusCode);
        await (await ci.GetAsync("/v3/organization")).AssertIncidentErrorAsync(401);
        using var exchange = new HttpRequestMessage(HttpMethod.Get, "/oauth/access-token");
        exchange.Headers.Add("X-Refresh-Token", refreshToken);
        using var anonymous = api.AnonymousClient();
        await (await anonymous.SendAsync(exchange)).AssertIncidentErrorAsync(401);
        await (await owner.DeleteAsync($"/v3/refresh-token/{tokenId}")).AssertIncidentErrorAsync(404);
    }

    [Fact]
    public async Task AStakeholdersKeyMintsOnlyAStakeholdersTokenAndCannotMakeAnOwnersToken()
    {
        var org = await api.CreateOrganizationAsync();
        using var owner = await api.IncidentClientAsync(org.OwnerKey);
        var (stakeholderId, stakeholderKey) = await IncidentTestKit.AddUserAsync(owner, "stakeholder", api.Prefix);
        using var stakeholder = await api.IncidentClientAsync(stakeholderKey);

        var escalate = await stakeholder.PostAsJsonAsync("/v3/refresh-token", new { role = "account_owner" });
        Assert.Equal("authorization_error", (await escalate.AssertIncidentErrorAsync(403, "role"))["type"]!.GetValue<string>());
        await (await stakeholder.PostAsJsonAsync("/v3/refresh-token", new { user_id = org.OwnerId })).AssertIncidentErrorAsync(403);
        await (await stakeholder.PostAsJsonAsync("/v3/services", new { name = "Mine now" })).AssertIncidentErrorAsync(403);
        (await stakeholder.GetAsync("/v3/services")).EnsureSuccessStatusCode();
        // Its own token is a stakeholder's too.
        var own = await (await stakeholder.PostAsJsonAsync("/v3/refresh-token", new { })).ReadJsonAsync(201);
        Assert.Equal("stakeholder", own["data"]!["role"]!.GetValue<string>());

        // An owner's token for the stakeholder cannot exceed the stakeholder's role either, and a lower token of an owner stays lower.
        await (await owner.PostAsJsonAsync("/v3/refresh-token", new { user_id = stakeholderId, role = "user" })).AssertIncidentErrorAsync(422, "role");
        var low = await (await owner.PostAsJsonAsync("/v3/refresh-token", new { role = "stakeholder" })).ReadJsonAsync(201);
        using var lowClient = await api.IncidentClientAsync(low["data"]!["token"]!.GetValue<string>());
        await (await lowClient.PostAsJsonAsync("/v3/services", new { name = "Nope" })).AssertIncidentErrorAsync(403);
        await (await owner.PostAsJsonAsync("/v3/refresh-token", new { role = "emperor", user_id = 7 })).AssertIncidentErrorAsync(422, "role");
    }

    [Fact]
    public async Task AnAccountOwnerAddsUsersWhoseKeyIsShownOnceAndRemovingOneEndsTheirAccess()
    {
        var org = await api.CreateOrganizationAsync();
        using var owner = await api.IncidentClientAsync(org.OwnerKey);
        var (userId, userKey) = await IncidentTestKit.AddUserAsync(owner, "user", api.Prefix);
        using var user = await api.IncidentClientAsync(userKey);
        var read = await (await user.GetAsync($"/v3/users/{userId}")).ReadJsonAsync();
        Assert.Equal("user", read["data"]!["role"]!.GetValue<string>());
        Assert.Null(read["data"]!["api_key"]);
        // The same user id is the /v2 user.
        using var v2 = api.ClientFor(read["data"]!["email"]!.GetValue<string>(), userKey);
        Assert.Equal(userId, (await (await v2.GetAsync("/v2/users/me")).ReadJsonAsync())["data"]!["id"]!.GetValue<string>());
        await (await user.PostAsJsonAsync("/v3/users", new { email = "x@example.com", role = "user", first_name = "X" })).AssertIncidentErrorAsync(403);

        var bad = await (await owner.PostAsJsonAsync("/v3/users", new { email = "not-an-email", role = "king", first_name = 5, extra = "ignored" }))
            .AssertIncidentErrorAsync(422);
        Assert.Equal(["email", "first_name", "role"], bad["errors"]!.AsArray().Select(e => e!["source"]!["field"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Equal("validation_error", bad["type"]!.GetValue<string>());

        var promoted = await (await owner.PutAsJsonAsync($"/v3/users/{userId}", new { role = "account_owner" })).ReadJsonAsync();
        Assert.Equal("account_owner", promoted["data"]!["role"]!.GetValue<string>());
        (await owner.PutAsJsonAsync($"/v3/users/{userId}", new { role = "stakeholder" })).EnsureSuccessStatusCode();
        await (await user.PostAsJsonAsync("/v3/services", new { name = "Demoted" })).AssertIncidentErrorAsync(403);
        await (await owner.PutAsJsonAsync($"/v3/users/{org.OwnerId}", new { role = "user" })).AssertIncidentErrorAsync(409, "role");
        await (await owner.DeleteAsync($"/v3/users/{org.OwnerId}")).AssertIncidentErrorAsync(409);

        Assert.Equal(204, (int)(await owner.DeleteAsync($"/v3/users/{userId}")).StatusCode);
        await (await user.GetAsync("/v3/organization")).AssertIncidentErrorAsync(401);
        await (await owner.GetAsync($"/v3/users/{userId}")).AssertIncidentErrorAsync(404);
        var users = await (await owner.GetAsync("/v3/users")).ReadJsonAsync();
        Assert.Equal([org.OwnerId], users["data"]!.AsArray().Select(u => u!["id"]!.GetValue<string>()));
    }
}
