using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Serverless.Functions.Hosting;
using Serverless.Functions.Storage;
using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests.Hosting;

/// <summary>The app with <c>PUBLIC_BASE_URL</c> set, as a deployment sets it.</summary>
public sealed class PublicBaseUrlFixture : ApiFixture
{
    public const string BaseUrl = "https://ops.example.com";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting(PublicUrls.Setting, BaseUrl + "/");
    }
}

/// <summary>
/// Every absolute link comes from PUBLIC_BASE_URL, whatever Host or X-Forwarded-* a caller sends: a forged host must
/// not reach a Location header, a pagination link, a page's public URL or a verification e-mail.
/// </summary>
public sealed class PublicUrlsTests(PublicBaseUrlFixture api) : IClassFixture<PublicBaseUrlFixture>
{
    private static HttpRequestMessage Forged(HttpMethod method, string path, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Host = "evil.example";
        request.Headers.Add("X-Forwarded-Host", "evil.example");
        request.Headers.Add("X-Forwarded-Proto", "http");
        return request;
    }

    [Fact]
    public async Task AnOperationsLocationUsesThePublicBaseUrlNotAForgedHost()
    {
        var contract = await api.CreateContractAsync();
        using var admin = api.AdminClient();

        var response = await admin.SendAsync(Forged(HttpMethod.Post, $"/v2/contracts/{contract}/suspend"));

        var operation = (await response.ReadJsonAsync(202))["data"]!["id"]!.GetValue<string>();
        Assert.Equal($"https://ops.example.com/v2/exec/poll/{operation}", response.Headers.Location!.ToString());
    }

    [Fact]
    public async Task AStatusPagesUrlsUseThePublicBaseUrl()
    {
        using var admin = api.AdminClient();

        var pages = await (await admin.SendAsync(Forged(HttpMethod.Get, "/v2/status-pages"))).ReadJsonAsync();

        var page = pages["data"]!.AsArray().Single(p => p!["attributes"]!["slug"]!.GetValue<string>() == "default")!["attributes"]!;
        Assert.Equal("https://ops.example.com/status", page["public_url"]!.GetValue<string>());
        Assert.Equal("https://ops.example.com/api/v1", page["api_url"]!.GetValue<string>());
    }

    [Fact]
    public async Task CachetPaginationLinksUseThePublicBaseUrl()
    {
        using var client = api.AnonymousClient();

        var list = await (await client.SendAsync(Forged(HttpMethod.Get, "/api/v1/components?per_page=1"))).ReadJsonAsync();

        var links = list["meta"]!["pagination"]!["links"]!.AsObject();
        foreach (var (_, link) in links.Where(l => l.Value is not null))
        {
            Assert.StartsWith("https://ops.example.com/api/v1/components?", link!.GetValue<string>(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AVerificationEmailSentFromAForgedHostLinksToThePublicBaseUrl()
    {
        using var client = api.AnonymousClient();
        var email = $"subscriber-{Guid.NewGuid():N}@example.com";

        var response = await client.SendAsync(Forged(HttpMethod.Post, "/status/subscribe", new FormUrlEncodedContent(new Dictionary<string, string> { ["email"] = email })));
        Assert.True((int)response.StatusCode < 500, await response.Content.ReadAsStringAsync());

        // The outbox row holds the mail exactly as it will be sent.
        JsonObject? mail = null;
        await ApiFixture.EventuallyAsync(async () =>
        {
            var rows = await api.RowsAsync(StorageLayout.Tables.StatusNotifications);
            var row = rows.FirstOrDefault(r => r.GetString("To") == email);
            mail = row is null ? null : new JsonObject { ["body"] = row.GetString("Body"), ["base"] = row.GetString("BaseUrl") };
            return mail is not null;
        }, "the verification mail");
        Assert.Equal("https://ops.example.com/status", mail!["base"]!.GetValue<string>());
        Assert.Contains("https://ops.example.com/status/subscribe/", mail["body"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("evil.example", mail["body"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}

/// <summary>Standalone and without PUBLIC_BASE_URL, nothing in front of the app sets X-Forwarded-*, so a caller's own are ignored.</summary>
public sealed class ForwardedHeadersTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task StandaloneIgnoresACallersForwardedHost()
    {
        var contract = await api.CreateContractAsync();
        using var admin = api.AdminClient();
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v2/contracts/{contract}/suspend");
        request.Headers.Add("X-Forwarded-Host", "evil.example");
        request.Headers.Add("X-Forwarded-Proto", "https");

        var response = await admin.SendAsync(request);

        var operation = (await response.ReadJsonAsync(202))["data"]!["id"]!.GetValue<string>();
        Assert.Equal($"http://localhost/v2/exec/poll/{operation}", response.Headers.Location!.ToString());
    }

    [Theory]
    [InlineData("ftp://ops.example.com")]
    [InlineData("ops.example.com")]
    [InlineData("https://ops.example.com/?a=b")]
    public void ABadPublicBaseUrlStopsTheStartWithTheSettingsName(string value)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [PublicUrls.Setting] = value }).Build();

        var error = Assert.Throws<InvalidOperationException>(() => new PublicUrls(configuration));

        Assert.Contains(PublicUrls.Setting, error.Message, StringComparison.Ordinal);
    }
}
