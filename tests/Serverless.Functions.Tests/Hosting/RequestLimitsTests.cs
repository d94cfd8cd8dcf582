using System.Net;
using System.Text;
using Serverless.Functions.Tests.Infrastructure;
using Serverless.Functions.Tests.StatusPage.Cachet;

namespace Serverless.Functions.Tests.Hosting;

/// <summary>What an anonymous caller can make the app spend: request bodies are capped on every surface.</summary>
public sealed class RequestLimitsTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static StringContent Body(int bytes, string contentType = "application/json") =>
        new("{\"name\":\"" + new string('a', bytes) + "\"}", Encoding.UTF8, contentType);

    [Fact]
    public async Task OversizedBodyOnAnAnonymousCachetReadIsRefusedWith413()
    {
        using var guest = api.AnonymousClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/components") { Content = Body(2 * 1024 * 1024) };
        var error = await (await guest.SendAsync(request)).AssertCachetErrorAsync(413);
        Assert.Contains("1024 KiB", error["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task OversizedBodiesAreRefusedWith413OnEverySurface()
    {
        using var cachet = api.CachetClient();
        await (await cachet.PostAsync("/api/v1/components", Body(2 * 1024 * 1024))).AssertCachetErrorAsync(413);

        using var guest = api.AnonymousClient();
        var form = await guest.PostAsync("/status/subscribe", Body(2 * 1024 * 1024, "application/x-www-form-urlencoded"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, form.StatusCode);
        Assert.Equal("text/html", form.Content.Headers.ContentType?.MediaType);

        using var admin = api.AdminClient();
        await (await admin.PostAsync("/v2/contracts", Body(2 * 1024 * 1024))).AssertErrorAsync(413);
    }

    [Fact]
    public async Task CachetReadsIgnoreTheirBody()
    {
        using var guest = api.AnonymousClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/components") { Content = new StringContent("{not json", Encoding.UTF8, "application/json") };
        var response = await guest.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
