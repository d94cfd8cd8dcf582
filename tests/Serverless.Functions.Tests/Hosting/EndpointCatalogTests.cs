using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Functions.Hosting;
using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests.Hosting;

/// <summary>docs/endpoints.md is the route table, and each of its rows leads to the file that holds the handler.</summary>
public sealed class EndpointCatalogTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private IReadOnlyList<Endpoint> Endpoints => api.Services.GetRequiredService<EndpointDataSource>().Endpoints;

    [Fact]
    public void TheCommittedEndpointListEqualsTheGeneratedOne()
    {
        var committed = File.ReadAllText(Path.Combine(Azurite.RepositoryRoot, EndpointCatalog.DefaultPath));
        Assert.True(EndpointCatalog.Generate(Endpoints) == committed,
            "docs/endpoints.md is out of date: run `dotnet run --project functions/Serverless.Functions -- write-function-metadata`.");
    }

    [Fact]
    public void EveryHandlerLivesInTheFileNamedAfterItsClass()
    {
        foreach (var entry in EndpointCatalog.Entries(Endpoints))
        {
            Assert.True(File.Exists(Path.Combine(Azurite.RepositoryRoot, entry.File)), $"{entry.Method} {entry.Path}: no file {entry.File}.");
        }
    }

    [Fact]
    public void EachEndpointIdNamesOneHandler()
    {
        var handlers = EndpointCatalog.Entries(Endpoints).Where(e => e.Id is not null)
            .GroupBy(e => e.Id!).Where(g => g.Select(e => (e.File, e.Handler, e.Method)).Distinct().Count() > 1).Select(g => g.Key).ToList();
        Assert.Empty(handlers);
    }

    [Fact]
    public void SeedEndpointsOfEveryResourceGroupCarryTheirId()
    {
        // Ours alone have no id: users' creation, contract members, teams, status-page management, the public HTML and
        // flows' webhooks (component-model §4.3.2, not a route of the seed).
        string[] ours = ["/v2/users/", "/v2/contracts/{id}/members", "/v2/teams", "/v2/status-pages", "/status", "/pages/{slug}/", "/hook/"];
        var missing = EndpointCatalog.Entries(Endpoints)
            .Where(e => e.Id is null && !ours.Any(prefix => e.Path.StartsWith(prefix, StringComparison.Ordinal) && !e.Path.Contains("/api/v1", StringComparison.Ordinal)))
            .Select(e => $"{e.Method} {e.Path}").ToList();
        Assert.Empty(missing);
    }
}
