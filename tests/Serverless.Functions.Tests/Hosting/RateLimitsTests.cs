using System.Net;
using Microsoft.AspNetCore.Hosting;
using Serverless.Functions.Tests.Infrastructure;
using Serverless.Functions.Tests.StatusPage.Cachet;

namespace Serverless.Functions.Tests.Hosting;

/// <summary>The app with limits small enough for a test to reach.</summary>
public sealed class SmallRateLimitsFixture : ApiFixture
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("RATE_LIMIT_PER_KEY", "5");
        builder.UseSetting("RATE_LIMIT_ANONYMOUS_READS", "4");
        builder.UseSetting("RATE_LIMIT_ANONYMOUS_WRITES", "3");
    }
}

public sealed class RateLimitsTests(SmallRateLimitsFixture api) : IClassFixture<SmallRateLimitsFixture>
{
    [Fact]
    public async Task AnAPIKeyOverItsLimitGets429WithRetryAfterInJsonApi()
    {
        var user = await api.CreateUserAsync();
        using var client = api.ClientFor(user);
        for (var i = 0; i < 5; i++)
        {
            await (await client.GetAsync("/v2/users/me")).ReadJsonAsync();
        }
        var limited = await client.GetAsync("/v2/users/me");
        await limited.AssertErrorAsync(429);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero, limited.Headers.RetryAfter?.ToString());

        // Another key has an allowance of its own, and over it the Cachet surface answers in its own format.
        var other = await api.CreateUserAsync();
        using var cachet = api.CachetClient(other.ApiKey);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await cachet.GetAsync("/api/v1/components")).StatusCode);
        }
        var cachetLimited = await cachet.GetAsync("/api/v1/components");
        await cachetLimited.AssertCachetErrorAsync(429);
        Assert.NotNull(cachetLimited.Headers.RetryAfter);
    }

    [Fact]
    public async Task AnonymousReadersAndSubscribersAreLimitedPerAddress()
    {
        using var guest = api.AnonymousClient();
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await guest.GetAsync("/api/v1/components")).StatusCode);
        }
        var reads = await guest.GetAsync("/api/v1/components");
        await reads.AssertCachetErrorAsync(429);
        Assert.NotNull(reads.Headers.RetryAfter);

        for (var i = 0; i < 3; i++)
        {
            var form = await guest.PostAsync("/status/subscribe", new FormUrlEncodedContent([new("email", $"reader{i}@example.com")]));
            Assert.NotEqual(HttpStatusCode.TooManyRequests, form.StatusCode);
        }
        var writes = await guest.PostAsync("/status/subscribe", new FormUrlEncodedContent([new("email", "reader9@example.com")]));
        Assert.Equal(HttpStatusCode.TooManyRequests, writes.StatusCode);
        Assert.NotNull(writes.Headers.RetryAfter);
        Assert.Equal("text/html", writes.Content.Headers.ContentType?.MediaType);
    }
}
