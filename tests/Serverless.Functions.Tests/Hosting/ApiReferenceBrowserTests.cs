using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests.Hosting;

/// <summary>/docs in a real browser: Scalar renders every surface's document from the app itself, with nothing fetched elsewhere.</summary>
public sealed class ApiReferenceBrowserTests(KestrelApiFixture api) : IClassFixture<KestrelApiFixture>
{
    [Fact]
    public async Task TheReferenceUiShowsTheEndpointsOfTheDocumentItOpens()
    {
        // Scalar renders the document after it has fetched and parsed it: clicking its "Users" tag waits for that.
        var visit = await Browser.VisitAsync(api.UrlOf("/docs/integration-platform"), "docs-integration-platform", new BrowserOptions
        {
            Click = ["text=Users"],
        });

        Assert.Equal(200, visit.Status);
        Assert.Contains("Integration Platform API v2", visit.Text, StringComparison.Ordinal);
        Assert.Contains("/v2/users/me", visit.Text, StringComparison.Ordinal);
        Assert.Contains("US-1", visit.Text, StringComparison.Ordinal);
        Assert.Empty(visit.ConsoleErrors);
    }
}
