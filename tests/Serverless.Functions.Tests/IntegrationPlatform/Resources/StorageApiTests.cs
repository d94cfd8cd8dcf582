using System.Net;
using System.Net.Http.Headers;
using Azure.Storage.Blobs;
using Azure.Storage.Sas;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Serverless.Functions.Identity;
using Serverless.Functions.IntegrationPlatform.Resources;
using Serverless.Functions.Storage;
using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests.IntegrationPlatform.Resources;

/// <summary>
/// The app on a clock the tests drive, with signed URLs that live an hour: long enough that a clock which stands still
/// while the tests run still signs URLs that storage, on the real clock, accepts.
/// </summary>
public sealed class SignedUrlsFixture : ApiFixture
{
    public const int Lifetime = 3600;

    protected override bool UsesFakeTime => true;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting(StorageApi.ExpiresSetting, Lifetime.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}

public sealed class StorageApiTests(SignedUrlsFixture api) : IClassFixture<SignedUrlsFixture>
{
    private static readonly HttpClient Blobs = new();

    [Fact]
    public async Task BytesPutToTheSignedUrlComeBackFromTheOther()
    {
        using var client = api.AdminClient();
        var body = await (await client.PostAsync("/v2/resources/storage/signed-url", null)).ReadJsonAsync();
        var bytes = "hello, signed world"u8.ToArray();

        Assert.Equal(HttpStatusCode.Created, (await PutAsync(body["put_url"]!.GetValue<string>(), bytes)).StatusCode);
        Assert.Equal(bytes, await Blobs.GetByteArrayAsync(body["get_url"]!.GetValue<string>()));
    }

    [Fact]
    public async Task BothUrlsExpireTheConfiguredSecondsAfterTheClocksNowAndTheUploadIsNamedForIt()
    {
        using var client = api.AdminClient();
        var signedAt = api.Clock.GetUtcNow();

        var body = await (await client.PostAsync("/v2/resources/storage/signed-url", null)).ReadJsonAsync();

        Assert.Equal(3600, body["expires"]!.GetValue<int>());
        var expiry = signedAt.AddHours(1);
        var put = new BlobUriBuilder(new Uri(body["put_url"]!.GetValue<string>()));
        var get = new BlobUriBuilder(new Uri(body["get_url"]!.GetValue<string>()));
        Assert.Equal(expiry, put.Sas.ExpiresOn);
        Assert.Equal(expiry, get.Sas.ExpiresOn);
        Assert.Equal(put.BlobName, get.BlobName);
        // The clean-up job finds the expiry in the name, as Unix seconds.
        Assert.StartsWith($"{expiry.ToUnixTimeSeconds()}-", put.BlobName[(put.BlobName.LastIndexOf('/') + 1)..], StringComparison.Ordinal);

        // Within the signatures' allowance for clock skew, so storage still takes the URLs other tests here make.
        api.Clock.Advance(TimeSpan.FromMinutes(1));
        var later = await (await client.PostAsync("/v2/resources/storage/signed-url", null)).ReadJsonAsync();
        Assert.Equal(expiry.AddMinutes(1), new BlobUriBuilder(new Uri(later["get_url"]!.GetValue<string>())).Sas.ExpiresOn);
    }

    /// <summary>
    /// Storage checks a signature's expiry against its own clock, which no test can move; so rather than wait an hour,
    /// a signer whose clock runs two hours behind makes URLs whose hour ended an hour ago.
    /// </summary>
    [Fact]
    public async Task StorageRefusesBothKindsOfUrlOnceTheirExpiryHasPassed()
    {
        var blob = api.Storage.Container(StorageLayout.Containers.Uploads).GetBlobClient($"expiry/{Guid.NewGuid():N}");
        await blob.UploadAsync(BinaryData.FromString("kept"));
        var behind = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-2));
        var signer = new SignedUrls(api.Storage, behind);
        var expired = behind.GetUtcNow().AddSeconds(SignedUrlsFixture.Lifetime);

        var get = await signer.SignAsync(blob, BlobSasPermissions.Read, expired);
        var put = await signer.SignAsync(blob, BlobSasPermissions.Create | BlobSasPermissions.Write, expired);

        Assert.Equal(HttpStatusCode.Forbidden, (await Blobs.GetAsync(get)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PutAsync(put.ToString(), [1, 2, 3])).StatusCode);
        // The same signer's URL works while its expiry is ahead: the refusals above are the expiry's, not the signature's.
        var current = await signer.SignAsync(blob, BlobSasPermissions.Read, DateTimeOffset.UtcNow.AddMinutes(5));
        Assert.Equal("kept", await Blobs.GetStringAsync(current));
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

    internal static Task<HttpResponseMessage> PutAsync(string url, byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = content };
        request.Headers.Add("x-ms-blob-type", "BlockBlob");
        return Blobs.SendAsync(request);
    }
}
