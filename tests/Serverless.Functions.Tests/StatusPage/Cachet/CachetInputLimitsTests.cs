using System.Net.Http.Json;
using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests.StatusPage.Cachet;

/// <summary>Cachet input that would break the feed, mail or storage for every later visitor is refused when sent.</summary>
public sealed class CachetInputLimitsTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Theory]
    [InlineData("Outage\u0001")]
    [InlineData("Outage\r\nBcc: everyone@example.com")]
    [InlineData("Tab\tin a name")]
    public async Task IncidentNamesWithControlCharactersAreRefused(string name)
    {
        var (path, _) = await CachetApiTests.NewPageAsync(api);
        using var client = api.CachetClient();
        await (await client.PostAsJsonAsync($"{path}/incidents", new { name, message = "Looking into it.", status = 1, visible = 1 }))
            .AssertValidationAsync("The name must be one line of text, without control characters.");
        using var guest = api.AnonymousClient();
        var feed = await guest.GetAsync(path.Replace("/api/v1", "/feed.atom"));
        Assert.True(feed.IsSuccessStatusCode, $"{(int)feed.StatusCode}");
    }

    [Fact]
    public async Task MessagesKeepLineBreaksAndTabsButNotOtherControlCharacters()
    {
        var (path, _) = await CachetApiTests.NewPageAsync(api);
        using var client = api.CachetClient();
        var incident = await client.PostDataAsync($"{path}/incidents", new { name = "Outage", message = "Line one\r\nLine\ttwo", status = 1, visible = 1 });
        Assert.Equal("Line one\r\nLine\ttwo", incident["message"]!.GetValue<string>());
        await (await client.PostAsJsonAsync($"{path}/incidents", new { name = "Outage", message = "Bell\u0007", status = 1, visible = 1 }))
            .AssertValidationAsync("The message may not contain control characters.");
        await (await client.PostAsJsonAsync($"{path}/components", new { name = "Web", status = 1, meta = new { owner = "x\u0000y" } }))
            .AssertValidationAsync("The meta may not contain control characters.");
    }

    [Fact]
    public async Task TemplateOutputIsCappedWhileRendering()
    {
        var (path, _) = await CachetApiTests.NewPageAsync(api);
        using var client = api.CachetClient();
        await client.PostDataAsync($"{path}/incidents/templates", new { name = "Loud", slug = "loud", template = string.Concat(Enumerable.Repeat("{{v}}", 3000)) });
        var response = await client.PostAsJsonAsync($"{path}/incidents", new { name = "Outage", status = 1, visible = 1, template = "loud", vars = new { v = new string('x', 15_000) } });
        await response.AssertValidationAsync("The template renders more than 16000 characters.");
    }

    [Fact]
    public async Task AJsonBodyNamingAFieldTwiceIsABadRequest()
    {
        var (path, _) = await CachetApiTests.NewPageAsync(api);
        using var client = api.CachetClient();
        var response = await client.PostAsync($"{path}/components", JsonApiAssertions.Json("""{"name":"Web","status":1,"name":"Other"}"""));
        var error = await response.AssertCachetErrorAsync(400);
        Assert.Contains("name", error["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMultipartBodyThatDoesNotParseIsABadRequest()
    {
        var (path, _) = await CachetApiTests.NewPageAsync(api);
        using var client = api.CachetClient();
        using var body = new ByteArrayContent("{}"u8.ToArray());
        body.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=x");
        var response = await client.PostAsync($"{path}/schedules", body);
        await response.AssertCachetErrorAsync(400);
    }

    [Fact]
    public async Task AFieldHoldingALoneSurrogateIsRefusedNamingIt()
    {
        var (path, _) = await CachetApiTests.NewPageAsync(api);
        using var client = api.CachetClient();
        var response = await client.PostAsync($"{path}/metrics", JsonApiAssertions.Json("""{"name":"\ud800","suffix":"ms"}"""));
        var error = await response.AssertCachetErrorAsync(400);
        Assert.Contains("name", error.ToJsonString(), StringComparison.Ordinal);
    }
}
