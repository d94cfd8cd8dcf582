using System.Net;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Functions.IntegrationPlatform.Resources;
using Serverless.Functions.Storage;
using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests.IntegrationPlatform.Resources;

/// <summary>A class of its own: it moves the clock an hour on, after which storage would refuse the URLs the app signs.</summary>
public sealed class ExpiredUploadsCleanupTests(SignedUrlsFixture api) : IClassFixture<SignedUrlsFixture>
{
    [Fact]
    public async Task AnUploadIsDeletedOnceItsUrlsHaveExpiredAndNotBefore()
    {
        using var client = api.AdminClient();
        var body = await (await client.PostAsync("/v2/resources/storage/signed-url", null)).ReadJsonAsync();
        var put = body["put_url"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.Created, (await StorageApiTests.PutAsync(put, "uploaded"u8.ToArray())).StatusCode);
        var upload = api.Storage.Container(StorageLayout.Containers.Uploads).GetBlobClient(new BlobUriBuilder(new Uri(put)).BlobName);
        var cleanup = api.Services.GetRequiredService<ExpiredUploadsCleanup>();

        // The last second in which the URLs work.
        api.Clock.Advance(TimeSpan.FromSeconds(SignedUrlsFixture.Lifetime));
        await cleanup.RunAsync(CancellationToken.None);
        Assert.True((await upload.ExistsAsync()).Value);

        api.Clock.Advance(TimeSpan.FromSeconds(1));
        await cleanup.RunAsync(CancellationToken.None);
        Assert.False((await upload.ExistsAsync()).Value);
    }
}
