using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Functions.Hosting;
using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests.Hosting;

/// <summary>The function.json files are generated from the route table; every route has one function, and none reaches a trigger.</summary>
public sealed class FunctionMetadataTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private IReadOnlyList<Endpoint> Endpoints => api.Services.GetRequiredService<EndpointDataSource>().Endpoints;

    [Fact]
    public void CommittedFunctionFilesEqualTheGeneratedOnes()
    {
        var generated = FunctionMetadata.Generate(Endpoints, TriggerFunctions.From(api.Services));
        var committed = FunctionMetadata.Read(Path.Combine(Azurite.RepositoryRoot, FunctionMetadata.DefaultDirectory));
        Assert.True(generated.SequenceEqual(committed),
            "functions/metadata is out of date: run `dotnet run --project functions/Serverless.Functions -- write-function-metadata`.");
    }

    [Fact]
    public void EveryRouteIsCoveredByExactlyOneHttpFunction()
    {
        var functions = FunctionMetadata.HttpFunctions(Endpoints);
        Assert.NotEmpty(functions);
        foreach (var endpoint in Endpoints.OfType<RouteEndpoint>().Where(e => e.Metadata.GetMetadata<HostInternal>() is null))
        {
            var path = SamplePath(endpoint.RoutePattern);
            var covering = functions.Where(f => Matches(f.Route, path)).Select(f => f.Name).ToList();
            Assert.True(covering.Count == 1, $"{endpoint.DisplayName} ({path}) is covered by [{string.Join(", ", covering)}], not exactly one function.");
        }
    }

    [Fact]
    public void NoHttpRouteCanMatchATriggerFunctionsPath()
    {
        var routes = FunctionMetadata.HttpFunctions(Endpoints).Select(f => f.Route).ToList();
        foreach (var trigger in TriggerFunctions.From(api.Services))
        {
            Assert.DoesNotContain(routes, r => Matches(r, "/" + trigger.Name) || Matches(r, "/" + trigger.Name.ToLowerInvariant()));
        }
    }

    [Fact]
    public void TheCollisionCheckCatchesACatchAllRoute()
    {
        // The rule above is only as good as the matcher; a route that would swallow trigger paths must be caught.
        Assert.True(Matches("{*path}", "/OperationsQueue"));
        Assert.True(Matches("operationsqueue/{*rest}", "/OperationsQueue"));
        Assert.False(Matches("v2/users/{*rest}", "/OperationsQueue"));
    }

    [Fact]
    public void HttpFunctionsAreWellFormedForTheHost()
    {
        foreach (var (name, json) in FunctionMetadata.Generate(Endpoints, TriggerFunctions.From(api.Services)))
        {
            var bindings = JsonNode.Parse(json)!["bindings"]!.AsArray();
            if (bindings[0]!["type"]!.GetValue<string>() != "httpTrigger")
            {
                continue;
            }
            // Forwarding needs exactly one http in and one http out; the host reserves routes starting admin or runtime.
            Assert.Equal(["httpTrigger", "http"], bindings.Select(b => b!["type"]!.GetValue<string>()));
            Assert.Equal("anonymous", bindings[0]!["authLevel"]!.GetValue<string>());
            var route = bindings[0]!["route"]!.GetValue<string>();
            Assert.False(route.StartsWith("admin", StringComparison.OrdinalIgnoreCase) || route.StartsWith("runtime", StringComparison.OrdinalIgnoreCase), name);
        }
    }

    private static bool Matches(string template, string path) =>
        new TemplateMatcher(TemplateParser.Parse(template), new RouteValueDictionary()).TryMatch(path, new RouteValueDictionary());

    /// <summary>A concrete path the route pattern matches: each parameter filled with a sample value.</summary>
    private static string SamplePath(RoutePattern pattern) => "/" + string.Join("/", pattern.PathSegments.Select(segment =>
        string.Concat(segment.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternParameterPart { IsCatchAll: true } => "a/b",
            RoutePatternParameterPart => "sample",
            RoutePatternSeparatorPart separator => separator.Content,
            _ => "",
        }))));
}
