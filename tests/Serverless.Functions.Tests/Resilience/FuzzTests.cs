using System.Globalization;
using CsCheck;
using Serverless.Functions.Tests.Resilience.Fuzzing;
using Xunit.Abstractions;

namespace Serverless.Functions.Tests.Resilience;

/// <summary>
/// Every route of every surface, read from the app's own OpenAPI documents, sent generated and malformed requests with
/// valid credentials and without: no 5xx, no stack trace, and every error in its surface's format. A short run with a
/// fixed seed is part of the suite; <c>FUZZ_REQUESTS</c> and <c>FUZZ_SEED</c> make it the full campaign (bench/fuzz.sh).
/// </summary>
public sealed class FuzzTests(FuzzFixture api, ITestOutputHelper output) : IClassFixture<FuzzFixture>
{
    private const int ShortRun = 300;
    private const ulong FixedSeed = 20261202;

    [Fact]
    public async Task TheDocumentsListRoutesOfEverySurfaceAndTheWorldHasIdsForThem()
    {
        using var client = api.AnonymousClient();
        var routes = await RouteCatalog.ReadAsync(client);
        var world = await api.WorldAsync();
        Assert.True(routes.Count > 300, $"Only {routes.Count} operations were read.");
        Assert.Equal(["incidents", "integration-platform", "status-page"], routes.Select(r => r.Document).Distinct().Order(StringComparer.Ordinal));
        // The ids the fuzzer sends as "real" exist: a route of each surface answers 200 with one of them.
        Assert.Contains(routes, r => r.Template == "/v2/workspaces/{id}" && world.Real(r.Document, FuzzWorld.Kind(r, 0)).Count == 1);
        Assert.Contains(routes, r => r.Template == "/pages/{slug}/api/v1/components/{id}" && world.Real(r.Document, FuzzWorld.Kind(r, 1)).Count == 1);
        Assert.Contains(routes, r => r.Template == "/v3/incidents/{incidentId}/warroom/{noteId}" && world.Foreign(r.Document, FuzzWorld.Kind(r, 1)).Count == 1);
    }

    [Fact]
    public async Task GeneratedRequestsToEveryRouteGetNoServerErrorNoStackTraceAndTheSurfacesErrorBody()
    {
        var requests = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_REQUESTS"), CultureInfo.InvariantCulture, out var n) ? n : ShortRun;
        var seed = ulong.TryParse(Environment.GetEnvironmentVariable("FUZZ_SEED"), CultureInfo.InvariantCulture, out var s) ? s : FixedSeed;
        var threads = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_THREADS"), CultureInfo.InvariantCulture, out var t) ? t : 1;

        using var client = api.AnonymousClient();
        client.Timeout = TimeSpan.FromSeconds(30);
        var routes = await RouteCatalog.ReadAsync(client);
        var world = await api.WorldAsync();
        var campaign = new FuzzCampaign(client, world);
        try
        {
            await Mutations.Requests(world, routes).SampleAsync(campaign.SendAsync, output.WriteLine,
                seed: new PCG(1, seed).ToString(), iter: requests, threads: threads, print: r => r.ToString());
        }
        finally
        {
            var summary = $"seed {seed}, {routes.Count} operations\n" + campaign.Summary();
            output.WriteLine(summary);
            if (Environment.GetEnvironmentVariable("FUZZ_REPORT") is { Length: > 0 } report)
            {
                await File.WriteAllTextAsync(report, summary);
            }
        }
        Assert.True(campaign.Sent >= requests, $"Only {campaign.Sent} of {requests} requests were sent.");
    }
}
