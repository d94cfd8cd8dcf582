using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Functions.IntegrationPlatform.Resources;
using Serverless.Functions.Storage;
using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests.IntegrationPlatform.Resources;

/// <summary>A class of its own: it moves the clock an hour on, after which storage would refuse the URLs the app signs.</summary>
public sealed class ExpiredUploadsCleanupTests(SignedUrlsFixture api) : IClassFixture<SignedUrlsFixture>
{
    [Fact]
    public async Task UrlsWorkUntilTheirExpiryAndTheUploadIsDeletedOnceItHasPassedAndNotBefore()
    {
        using var client = api.AdminClient();
        var (put, get) = await StorageApiTests.SignedUrlsAsync(client);
        var (unusedPut, _) = await StorageApiTests.SignedUrlsAsync(client);
        Assert.Equal(HttpStatusCode.Created, (await StorageApiTests.PutAsync(put, "uploaded"u8.ToArray())).StatusCode);
        var upload = api.Storage.Container(StorageLayout.Containers.Uploads).GetBlobClient(StorageApiTests.BlobName(put));
        var cleanup = api.Services.GetRequiredService<ExpiredUploadsCleanup>();

        // The last second in which the URLs work.
        api.Clock.Advance(TimeSpan.FromSeconds(SignedUrlsFixture.Lifetime));
        Assert.Equal("uploaded", await StorageApiTests.Plain.GetStringAsync(get));
        await cleanup.RunAsync(CancellationToken.None);
        Assert.True((await upload.ExistsAsync()).Value);

        api.Clock.Advance(TimeSpan.FromSeconds(1));
        var expired = await (await StorageApiTests.Plain.GetAsync(get)).AssertErrorAsync(403);
        Assert.Contains("expired", expired["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        await (await StorageApiTests.PutAsync(unusedPut, [1])).AssertErrorAsync(403);
        await cleanup.RunAsync(CancellationToken.None);
        Assert.False((await upload.ExistsAsync()).Value);
    }
}
