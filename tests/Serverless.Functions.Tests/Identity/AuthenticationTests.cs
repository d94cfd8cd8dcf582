using System.Net.Http.Headers;
using System.Text;
using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests.Identity;

public sealed class AuthenticationTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task MissingCredentialGets401WithJsonApiErrorAndBasicChallenge()
    {
        using var client = api.AnonymousClient();
        var response = await client.GetAsync("/v2/users/me");
        var error = await response.AssertErrorAsync(401);
        Assert.Equal("No valid API key provided.", error["detail"]!.GetValue<string>());
        Assert.Equal("Basic", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task WrongKeyGets401()
    {
        using var client = api.ClientFor(api.AdminEmail, "ops_not-the-right-key-at-all-0000000000000");
        await (await client.GetAsync("/v2/users/me")).AssertErrorAsync(401);
    }

    [Fact]
    public async Task RightKeyWithAnotherEmailGets401()
    {
        var user = await api.CreateUserAsync();
        using var client = api.ClientFor(user.Email, api.AdminKey);
        await (await client.GetAsync("/v2/users/me")).AssertErrorAsync(401);
    }

    [Theory]
    [InlineData("Basic !!!not-base64!!!")]
    [InlineData("Basic bm8tY29sb24taGVyZQ==")] // "no-colon-here"
    [InlineData("Basic OnNlY3JldA==")] // ":secret", no email
    [InlineData("Bearer abc")]
    public async Task MalformedCredentialGets401(string authorization)
    {
        using var client = api.AnonymousClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);
        await (await client.GetAsync("/v2/users/me")).AssertErrorAsync(401);
    }

    [Fact]
    public async Task ValidCredentialGets200AndEmailIsCaseInsensitive()
    {
        using var client = api.ClientFor(api.AdminEmail.ToUpperInvariant(), api.AdminKey);
        var body = await (await client.GetAsync("/v2/users/me")).ReadJsonAsync();
        Assert.Equal(api.AdminEmail, body["data"]!["attributes"]!["email"]!.GetValue<string>());
    }

    [Fact]
    public async Task EveryResponseCarriesARequestIdAndKeepsAPlainOneTheCallerSent()
    {
        using var client = api.AdminClient();
        var generated = await client.GetAsync("/v2/users/me");
        Assert.Matches("^[0-9a-f]{32}$", generated.Headers.GetValues("X-Request-Id").Single());

        using var request = new HttpRequestMessage(HttpMethod.Get, "/v2/users/me");
        request.Headers.Add("X-Request-Id", "trace-42");
        Assert.Equal("trace-42", (await client.SendAsync(request)).Headers.GetValues("X-Request-Id").Single());

        using var hostile = new HttpRequestMessage(HttpMethod.Get, "/v2/nothing-here");
        hostile.Headers.TryAddWithoutValidation("X-Request-Id", "<script>" + new string('x', 300));
        var response = await client.SendAsync(hostile);
        Assert.DoesNotContain("<script>", response.Headers.GetValues("X-Request-Id").Single(), StringComparison.Ordinal);
        await response.AssertErrorAsync(404);
    }

    [Fact]
    public async Task AnOversizedAuthorizationHeaderGets401NotA500()
    {
        using var client = api.AnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes(new string('a', 5000) + ":" + new string('b', 5000))));
        await (await client.GetAsync("/v2/users/me")).AssertErrorAsync(401);
    }
}
