using System.Net.Http.Json;
using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests.StatusPage.Cachet;

/// <summary>Cachet input that would break the feed, mail or storage for every later visitor is refused when sent.</summary>
public sealed class CachetInputLimitsTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task TemplateOutputIsCappedWhileRendering()
    {
        var (path, _) = await CachetApiTests.NewPageAsync(api);
        using var client = api.CachetClient();
        await client.PostDataAsync($"{path}/incidents/templates", new { name = "Loud", slug = "loud", template = string.Concat(Enumerable.Repeat("{{v}}", 3000)) });
        var response = await client.PostAsJsonAsync($"{path}/incidents", new { name = "Outage", status = 1, visible = 1, template = "loud", vars = new { v = new string('x', 15_000) } });
        await response.AssertValidationAsync("The template renders more than 16000 characters.");
    }
}
