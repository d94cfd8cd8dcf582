using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Serverless.Functions.Identity;
using Serverless.Functions.Tests.Incidents;
using Serverless.Functions.Tests.Infrastructure;
using Serverless.Functions.Tests.StatusPage.Cachet;
using Xunit.Abstractions;

namespace Serverless.Functions.Tests.Hosting;

/// <summary>A per-key allowance small enough for a test to spend, and the storage calls of each request counted.</summary>
public sealed class SmallKeyAllowanceFixture : ApiFixture
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("RATE_LIMIT_PER_KEY", "5");
        // The token exchange is anonymous after authentication too; only the key's own allowance is under test here.
        builder.UseSetting("RATE_LIMIT_ANONYMOUS_READS", "1000");
        builder.ConfigureTestServices(StorageCallCounter.AddRequestAccessor);
    }
}

/// <summary>One key flooding each surface, as its holder would: the excess is turned away before any storage call.</summary>
public sealed class KeyFloodRateLimitsTests(SmallKeyAllowanceFixture api, ITestOutputHelper output) : IClassFixture<SmallKeyAllowanceFixture>
{
    private const int Allowance = 5;

    [Fact]
    public async Task AKeyOverItsAllowanceIsAnswered429WithoutAStorageCallOnEverySurface()
    {
        using var storage = new StorageCallCounter();

        var integration = await api.CreateOtherTenantAdminAsync();
        using (var client = api.ClientFor(integration))
        {
            await SpendAllowanceAsync(storage, () => client.GetAsync("/v2/users/me"));
            for (var i = 0; i < 3; i++)
            {
                var limited = await client.GetAsync("/v2/users/me");
                await limited.AssertErrorAsync(429);
                AssertTurnedAwayUnread(storage, limited);
            }
        }

        var cachet = await api.CreateOtherTenantAdminAsync();
        using (var client = api.CachetClient(cachet.ApiKey))
        {
            await SpendAllowanceAsync(storage, () => client.GetAsync("/api/v1/components"));
            var limited = await client.GetAsync("/api/v1/components");
            await limited.AssertCachetErrorAsync(429);
            AssertTurnedAwayUnread(storage, limited);
        }

        // Squadcast's way: an access token minted from the key (the exchange spends one of the key's requests).
        var incidents = await api.CreateOtherTenantAdminAsync();
        using (var client = await api.IncidentClientAsync(incidents.ApiKey))
        {
            await SpendAllowanceAsync(storage, () => client.GetAsync("/v3/organization"));
            var limited = await client.GetAsync("/v3/organization");
            await limited.AssertIncidentErrorAsync(429);
            AssertTurnedAwayUnread(storage, limited);
        }

        // The exchange itself, with the refresh token in X-Refresh-Token.
        var exchange = await api.CreateOtherTenantAdminAsync();
        using (var client = api.AnonymousClient())
        {
            Task<HttpResponseMessage> Exchange()
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/oauth/access-token");
                request.Headers.Add("X-Refresh-Token", exchange.ApiKey);
                return client.SendAsync(request);
            }
            await SpendAllowanceAsync(storage, Exchange);
            var limited = await Exchange();
            await limited.AssertIncidentErrorAsync(429);
            AssertTurnedAwayUnread(storage, limited);
        }
    }

    [Fact]
    public async Task SpellingsOfAnEmailOrASecondCredentialDoNotMultiplyAUsersAllowance()
    {
        using var storage = new StorageCallCounter();
        var user = await api.CreateOtherTenantAdminAsync();
        string[] spellings = [user.Email, user.Email.ToUpperInvariant(), " " + user.Email];
        for (var i = 0; i < Allowance; i++)
        {
            using var client = api.ClientFor(spellings[i % spellings.Length], user.ApiKey);
            await (await client.GetAsync("/v2/users/me")).ReadJsonAsync();
        }
        using (var respelled = api.ClientFor(user.Email.ToUpperInvariant(), user.ApiKey))
        {
            var limited = await respelled.GetAsync("/v2/users/me");
            await limited.AssertErrorAsync(429);
            AssertTurnedAwayUnread(storage, limited);
        }

        // An access token is a credential of its own, but the requests it authenticates count against its user too.
        var holder = await api.CreateOtherTenantAdminAsync();
        using (var bearer = await api.IncidentClientAsync(holder.ApiKey))
        {
            for (var i = 0; i < Allowance; i++)
            {
                await (await bearer.GetAsync("/v3/organization")).ReadJsonAsync();
            }
        }
        using var key = api.ClientFor(holder);
        var overUser = await key.GetAsync("/v2/users/me");
        await overUser.AssertErrorAsync(429);
        Assert.True(overUser.Headers.RetryAfter?.Delta > TimeSpan.Zero, overUser.Headers.RetryAfter?.ToString());
        // Turned away after authentication, by the user's allowance: this one still pays for the lookup (docs/decisions/0030).
        output.WriteLine($"second credential over its user's allowance: 429 after {storage.For(overUser)} storage calls");
    }

    /// <summary>The key's allowance, all answered 200; the first shows the counter sees authentication's reads.</summary>
    private async Task SpendAllowanceAsync(StorageCallCounter storage, Func<Task<HttpResponseMessage>> send)
    {
        for (var i = 0; i < Allowance; i++)
        {
            var response = await send();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            if (i == 0)
            {
                Assert.True(storage.For(response) > 0, "The counter saw no storage call for an authenticated request.");
                output.WriteLine($"{response.RequestMessage!.RequestUri!.AbsolutePath}: 200 after {storage.For(response)} storage calls");
            }
        }
    }

    private void AssertTurnedAwayUnread(StorageCallCounter storage, HttpResponseMessage limited)
    {
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero, limited.Headers.RetryAfter?.ToString());
        output.WriteLine($"{limited.RequestMessage!.RequestUri!.AbsolutePath}: 429 after {storage.For(limited)} storage calls");
        Assert.Equal(0, storage.For(limited));
    }
}

/// <summary>Few failed authentications allowed per address, and the storage calls of each request counted.</summary>
public sealed class FewFailedAuthenticationsFixture : ApiFixture
{
    public const int Allowed = 3;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("RATE_LIMIT_FAILED_AUTH", Allowed.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("RATE_LIMIT_ANONYMOUS_READS", "1000");
        builder.ConfigureTestServices(StorageCallCounter.AddRequestAccessor);
    }
}

/// <summary>
/// Guessing keys from one address, as an attacker would, while a tenant behind the same address goes on working. (The
/// in-memory test server gives every request the same client address.)
/// </summary>
public sealed class FailedAuthenticationRateLimitsTests(FewFailedAuthenticationsFixture api, ITestOutputHelper output)
    : IClassFixture<FewFailedAuthenticationsFixture>
{
    [Fact]
    public async Task AWrongKeyFloodFromOneAddressEndsIn429sWhileKeysInUseThereKeepWorking()
    {
        using var storage = new StorageCallCounter();
        var tenant = await api.CreateOtherTenantAdminAsync();
        using var tenantClient = api.ClientFor(tenant);
        await (await tenantClient.GetAsync("/v2/users/me")).ReadJsonAsync();

        for (var i = 0; i < FewFailedAuthenticationsFixture.Allowed; i++)
        {
            using var guess = api.ClientFor(api.AdminEmail, ApiKeys.New());
            var refused = await guess.GetAsync("/v2/users/me");
            await refused.AssertErrorAsync(401);
            output.WriteLine($"guess {i + 1}: 401 after {storage.For(refused)} storage calls");
        }
        for (var i = 0; i < 5; i++)
        {
            using var guess = api.ClientFor(api.AdminEmail, ApiKeys.New());
            var limited = await guess.GetAsync("/v2/users/me");
            await limited.AssertErrorAsync(429);
            Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero, limited.Headers.RetryAfter?.ToString());
            output.WriteLine($"guess {FewFailedAuthenticationsFixture.Allowed + i + 1}: 429 after {storage.For(limited)} storage calls");
            Assert.Equal(0, storage.For(limited));
            // The other tenant's key, from the same address, is one that has authenticated before.
            await (await tenantClient.GetAsync("/v2/users/me")).ReadJsonAsync();
        }

        // Guesses on the other surfaces, in their own formats, before any lookup.
        using (var cachet = api.CachetClient(ApiKeys.New()))
        {
            var limited = await cachet.GetAsync("/api/v1/components");
            await limited.AssertCachetErrorAsync(429);
            Assert.Equal(0, storage.For(limited));
        }
        using (var bearer = api.BearerClient(ApiKeys.New()))
        {
            var limited = await bearer.GetAsync("/v3/organization");
            await limited.AssertIncidentErrorAsync(429);
            Assert.Equal(0, storage.For(limited));
        }
        using (var anonymous = api.AnonymousClient())
        {
            using var exchange = new HttpRequestMessage(HttpMethod.Get, "/oauth/access-token");
            exchange.Headers.Add("X-Refresh-Token", ApiKeys.New());
            var limited = await anonymous.SendAsync(exchange);
            await limited.AssertIncidentErrorAsync(429);
            Assert.Equal(0, storage.For(limited));

            // Guests send no credential, so the guesses do not concern them.
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/api/v1/components")).StatusCode);
        }
        using (var cachetTenant = api.CachetClient(tenant.ApiKey))
        {
            Assert.Equal(HttpStatusCode.OK, (await cachetTenant.GetAsync("/api/v1/components")).StatusCode);
        }

        // The price (docs/decisions/0030): a key this address has not used before waits out the window with the guesses.
        var newcomer = await api.CreateOtherTenantAdminAsync();
        using var newcomerClient = api.ClientFor(newcomer);
        var waiting = await newcomerClient.GetAsync("/v2/users/me");
        await waiting.AssertErrorAsync(429);
        Assert.Equal(0, storage.For(waiting));
    }
}
