using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Functions.Identity;
using Serverless.Functions.IntegrationPlatform.Resources;
using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests.IntegrationPlatform.Resources;

/// <summary>
/// The app over a real socket, so the signed URLs are used by a plain HttpClient that knows nothing but them, on a
/// clock the tests drive, with URLs that live an hour.
/// </summary>
public sealed class SignedUrlsFixture : KestrelApiFixture
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
    /// <summary>No credentials, no base address, no storage headers: what a component that was handed the URLs has.</summary>
    internal static readonly HttpClient Plain = new();

    internal static async Task<(string Put, string Get)> SignedUrlsAsync(HttpClient client)
    {
        var body = await (await client.PostAsync("/v2/resources/storage/signed-url", null)).ReadJsonAsync();
        return (body["put_url"]!.GetValue<string>(), body["get_url"]!.GetValue<string>());
    }

    /// <summary>A plain PUT with nothing but Content-Length and Content-Type.</summary>
    internal static Task<HttpResponseMessage> PutAsync(string url, byte[] bytes, string contentType = "application/octet-stream")
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return Plain.PutAsync(url, content);
    }

    /// <summary>The upload's blob name: the URL's path after <c>/files/</c>.</summary>
    internal static string BlobName(string url)
    {
        var path = new Uri(url).AbsolutePath;
        return path[(path.IndexOf("/files/", StringComparison.Ordinal) + "/files/".Length)..];
    }

    [Fact]
    public async Task BytesPutToThePutUrlWithAPlainRequestComeBackFromThePlainGetUrl()
    {
        using var client = api.AdminClient();
        var (put, get) = await SignedUrlsAsync(client);
        var bytes = "hello, signed world"u8.ToArray();

        var stored = await PutAsync(put, bytes, "text/plain");

        Assert.Equal(HttpStatusCode.Created, stored.StatusCode);
        var fetched = await Plain.GetAsync(get);
        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
        Assert.Equal(bytes, await fetched.Content.ReadAsByteArrayAsync());
        Assert.Equal("text/plain", fetched.Content.Headers.ContentType!.MediaType);
        Assert.Equal(bytes.Length, fetched.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task AnUploadLargerThanTheRequestBodyCapOfOtherEndpointsIsTaken()
    {
        using var client = api.AdminClient();
        var (put, get) = await SignedUrlsAsync(client);
        var bytes = new byte[3 * 1024 * 1024];
        new Random(7).NextBytes(bytes);

        Assert.Equal(HttpStatusCode.Created, (await PutAsync(put, bytes)).StatusCode);
        Assert.Equal(bytes, await Plain.GetByteArrayAsync(get));
    }

    [Fact]
    public async Task BothUrlsNameOneUploadWhoseNameHoldsItsExpiry()
    {
        using var client = api.AdminClient();
        var expiry = api.Clock.GetUtcNow().AddSeconds(SignedUrlsFixture.Lifetime);

        var body = await (await client.PostAsync("/v2/resources/storage/signed-url", null)).ReadJsonAsync();

        Assert.Equal(3600, body["expires"]!.GetValue<int>());
        var put = BlobName(body["put_url"]!.GetValue<string>());
        Assert.Equal(put, BlobName(body["get_url"]!.GetValue<string>()));
        Assert.StartsWith(api.BaseUrl.ToString(), body["put_url"]!.GetValue<string>(), StringComparison.Ordinal);
        // The clean-up job finds the expiry in the name, as Unix seconds.
        Assert.StartsWith($"{expiry.ToUnixTimeSeconds()}-", put[(put.LastIndexOf('/') + 1)..], StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheGetUrlCannotUploadAndThePutUrlCannotDownload()
    {
        using var client = api.AdminClient();
        var (put, get) = await SignedUrlsAsync(client);

        await (await PutAsync(get, [1, 2, 3])).AssertErrorAsync(403);
        Assert.Equal(HttpStatusCode.Created, (await PutAsync(put, [1, 2, 3])).StatusCode);
        await (await Plain.GetAsync(put)).AssertErrorAsync(403);
    }

    [Fact]
    public async Task TamperedUrlsAreRefusedAndStoreNothing()
    {
        using var client = api.AdminClient();
        var (put, get) = await SignedUrlsAsync(client);
        var (otherPut, _) = await SignedUrlsAsync(client);
        var signature = put[(put.IndexOf("?sig=", StringComparison.Ordinal) + 5)..];
        var flipped = put[..^1] + (put[^1] == 'A' ? 'B' : 'A');
        var retargeted = otherPut[..otherPut.IndexOf('?', StringComparison.Ordinal)] + "?sig=" + signature;
        var unsigned = put[..put.IndexOf('?', StringComparison.Ordinal)];
        var laterExpiry = put.Replace("/" + BlobName(put).Split('/')[1][..10], "/" + (long.Parse(BlobName(put).Split('/')[1][..10], System.Globalization.CultureInfo.InvariantCulture) + 86400), StringComparison.Ordinal);

        foreach (var url in new[] { flipped, retargeted, unsigned, laterExpiry })
        {
            var refused = await (await PutAsync(url, [1, 2, 3])).AssertErrorAsync(403);
            Assert.Contains("signature", refused["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        }
        await (await Plain.GetAsync(get)).AssertErrorAsync(404);
    }

    [Fact]
    public async Task AnUploadWithoutContentLengthIsRefused()
    {
        using var client = api.AdminClient();
        var (put, get) = await SignedUrlsAsync(client);
        var chunked = new StreamContent(new MemoryStream([1, 2, 3]));
        chunked.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var request = new HttpRequestMessage(HttpMethod.Put, put) { Content = chunked };
        request.Headers.TransferEncodingChunked = true;

        await (await Plain.SendAsync(request)).AssertErrorAsync(411);
        await (await Plain.GetAsync(get)).AssertErrorAsync(404);
    }

    [Fact]
    public async Task EachTenantsUploadsAreNamedUnderItsOwnTenant()
    {
        var outsider = await api.CreateOtherTenantAdminAsync();
        using var mine = api.AdminClient();
        using var theirs = api.ClientFor(outsider);
        var (myUrl, _) = await SignedUrlsAsync(mine);
        var (theirUrl, _) = await SignedUrlsAsync(theirs);
        var users = api.Services.GetRequiredService<UserStore>();
        Assert.StartsWith((await users.FindByApiKeyAsync(api.AdminKey))!.TenantId + "/", BlobName(myUrl), StringComparison.Ordinal);
        Assert.StartsWith((await users.FindByApiKeyAsync(outsider.ApiKey))!.TenantId + "/", BlobName(theirUrl), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AskingWithoutCredentialsOrWithTheWrongMethodIsRefusedInJsonApiForm()
    {
        using var anonymous = api.AnonymousClient();
        await (await anonymous.PostAsync("/v2/resources/storage/signed-url", null)).AssertErrorAsync(401);
        using var client = api.AdminClient();
        await (await client.GetAsync("/v2/resources/storage/signed-url")).AssertErrorAsync(405);
        await (await client.PostAsync("/v2/resources/storage/unsigned-url", null)).AssertErrorAsync(404);
        var (put, _) = await SignedUrlsAsync(client);
        await (await Plain.DeleteAsync(put)).AssertErrorAsync(405);
    }
}
