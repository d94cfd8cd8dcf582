using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Serverless.Functions.IntegrationPlatform.Resources;
using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests.IntegrationPlatform.Resources;

/// <summary>A quota small enough to exhaust in a test, on a clock the tests can move into the next hour.</summary>
public sealed class SignedUrlQuotaFixture : ApiFixture
{
    public const int Quota = 2;

    protected override bool UsesFakeTime => true;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting(UploadQuotaStore.QuotaSetting, Quota.ToString(CultureInfo.InvariantCulture));
    }
}

public sealed class SignedUrlQuotaTests(SignedUrlQuotaFixture api) : IClassFixture<SignedUrlQuotaFixture>
{
    private const string SignedUrl = "/v2/resources/storage/signed-url";

    [Fact]
    public async Task AskingBeyondTheHourlyQuotaIsRefusedWith429UntilTheNextHour()
    {
        using var client = api.ClientFor(await api.CreateUserAsync());
        for (var i = 0; i < SignedUrlQuotaFixture.Quota; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(SignedUrl, null)).StatusCode);
        }

        var refused = await client.PostAsync(SignedUrl, null);
        var error = await refused.AssertErrorAsync(429);
        Assert.Equal("quota_exceeded", error["code"]!.GetValue<string>());
        var now = api.Clock.GetUtcNow();
        var nextHour = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero).AddHours(1);
        Assert.Equal(nextHour - now, refused.Headers.RetryAfter!.Delta);
        // A refusal is not counted: asking again in the same hour is refused the same way, not pushed further out.
        await (await client.PostAsync(SignedUrl, null)).AssertErrorAsync(429);

        api.Clock.Advance(refused.Headers.RetryAfter.Delta!.Value - TimeSpan.FromSeconds(1));
        await (await client.PostAsync(SignedUrl, null)).AssertErrorAsync(429);
        api.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(SignedUrl, null)).StatusCode);
    }

    [Fact]
    public async Task OneUserExhaustingTheQuotaLeavesAnotherUserOfTheSameTenantUnaffected()
    {
        using var greedy = api.ClientFor(await api.CreateUserAsync());
        using var neighbour = api.ClientFor(await api.CreateUserAsync());
        for (var i = 0; i < SignedUrlQuotaFixture.Quota; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await greedy.PostAsync(SignedUrl, null)).StatusCode);
        }
        await (await greedy.PostAsync(SignedUrl, null)).AssertErrorAsync(429);

        for (var i = 0; i < SignedUrlQuotaFixture.Quota; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await neighbour.PostAsync(SignedUrl, null)).StatusCode);
        }
    }
}

/// <summary>A size limit small enough to pass in a test.</summary>
public sealed class UploadSizeLimitFixture : KestrelApiFixture
{
    public const int MaxBytes = 1024;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting(ExpiredUploadsCleanup.MaxBytesSetting, MaxBytes.ToString(CultureInfo.InvariantCulture));
    }
}

public sealed class UploadSizeLimitTests(UploadSizeLimitFixture api) : IClassFixture<UploadSizeLimitFixture>
{
    [Fact]
    public async Task AnUploadLargerThanTheLimitIsRefusedWith413AndNothingIsStoredWhileOneWithinIsKept()
    {
        using var client = api.AdminClient();
        var (largePut, largeGet) = await StorageApiTests.SignedUrlsAsync(client);
        var (smallPut, smallGet) = await StorageApiTests.SignedUrlsAsync(client);
        var smallBytes = new byte[UploadSizeLimitFixture.MaxBytes];

        await (await StorageApiTests.PutAsync(largePut, new byte[UploadSizeLimitFixture.MaxBytes + 1])).AssertErrorAsync(413);
        Assert.Equal(HttpStatusCode.Created, (await StorageApiTests.PutAsync(smallPut, smallBytes)).StatusCode);

        await (await StorageApiTests.Plain.GetAsync(largeGet)).AssertErrorAsync(404);
        Assert.Equal(smallBytes, await StorageApiTests.Plain.GetByteArrayAsync(smallGet));
    }
}
