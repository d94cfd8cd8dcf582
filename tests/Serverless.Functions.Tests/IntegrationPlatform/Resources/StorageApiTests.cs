using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Functions.Identity;
using Serverless.Functions.IntegrationPlatform.Resources;
using Serverless.Functions.Storage;
using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests.IntegrationPlatform.Resources;

/// <summary>Signed URLs that live two seconds, so their expiry can be watched.</summary>
public sealed class ShortLivedUrlsFixture : ApiFixture
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting(StorageApi.ExpiresSetting, "2");
    }
}

public sealed class StorageApiTests(ShortLivedUrlsFixture api) : IClassFixture<ShortLivedUrlsFixture>
{
    private static readonly HttpClient Blobs = new();

    [Fact]
    public async Task BytesPutToTheSignedUrlComeBackFromTheOtherAndBothStopWorkingAfterExpires()
    {
        using var client = api.AdminClient();
        var response = await client.PostAsync("/v2/resources/storage/signed-url", null);
        var body = await response.ReadJsonAsync();
        Assert.Equal(2, body["expires"]!.GetValue<int>());
        var put = body["put_url"]!.GetValue<string>();
        var get = body["get_url"]!.GetValue<string>();

        var bytes = "hello, signed world"u8.ToArray();
        Assert.Equal(HttpStatusCode.Created, (await PutAsync(put, bytes)).StatusCode);
        Assert.Equal(bytes, await Blobs.GetByteArrayAsync(get));

        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(HttpStatusCode.Forbidden, (await Blobs.GetAsync(get)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PutAsync(put, bytes)).StatusCode);
    }

    [Fact]
    public async Task TheGetUrlCannotWriteAndThePutUrlCannotRead()
    {
        using var client = api.AdminClient();
        var body = await (await client.PostAsync("/v2/resources/storage/signed-url", null)).ReadJsonAsync();
        Assert.Equal(HttpStatusCode.Forbidden, (await PutAsync(body["get_url"]!.GetValue<string>(), [1, 2, 3])).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await PutAsync(body["put_url"]!.GetValue<string>(), [1, 2, 3])).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Blobs.GetAsync(body["put_url"]!.GetValue<string>())).StatusCode);
    }

    [Fact]
    public async Task EachTenantsUploadsAreNamedUnderItsOwnTenant()
    {
        var outsider = await api.CreateOtherTenantAdminAsync();
        using var mine = api.AdminClient();
        using var theirs = api.ClientFor(outsider);
        var myUrl = new Uri((await (await mine.PostAsync("/v2/resources/storage/signed-url", null)).ReadJsonAsync())["put_url"]!.GetValue<string>());
        var theirUrl = new Uri((await (await theirs.PostAsync("/v2/resources/storage/signed-url", null)).ReadJsonAsync())["put_url"]!.GetValue<string>());
        var users = api.Services.GetRequiredService<UserStore>();
        Assert.Contains("/" + (await users.FindByApiKeyAsync(api.AdminKey))!.TenantId + "/", myUrl.AbsolutePath, StringComparison.Ordinal);
        Assert.Contains("/" + (await users.FindByApiKeyAsync(outsider.ApiKey))!.TenantId + "/", theirUrl.AbsolutePath, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AskingWithoutCredentialsOrWithTheWrongMethodIsRefusedInJsonApiForm()
    {
        using var anonymous = api.AnonymousClient();
        await (await anonymous.PostAsync("/v2/resources/storage/signed-url", null)).AssertErrorAsync(401);
        using var client = api.AdminClient();
        await (await client.GetAsync("/v2/resources/storage/signed-url")).AssertErrorAsync(405);
        await (await client.PostAsync("/v2/resources/storage/unsigned-url", null)).AssertErrorAsync(404);
    }

    [Fact]
    public async Task TheCleanupDeletesExpiredUploadsAndKeepsCurrentOnes()
    {
        var container = api.Storage.Container(StorageLayout.Containers.Uploads);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var expired = container.GetBlobClient($"tenant/{now - 10}-expired");
        var current = container.GetBlobClient($"tenant/{now + 3600}-current");
        await expired.UploadAsync(BinaryData.FromString("old"), overwrite: true);
        await current.UploadAsync(BinaryData.FromString("new"), overwrite: true);

        await api.Services.GetRequiredService<ExpiredUploadsCleanup>().RunAsync(CancellationToken.None);

        Assert.False((await expired.ExistsAsync()).Value);
        Assert.True((await current.ExistsAsync()).Value);
    }

    private static Task<HttpResponseMessage> PutAsync(string url, byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = content };
        request.Headers.Add("x-ms-blob-type", "BlockBlob");
        return Blobs.SendAsync(request);
    }
}
