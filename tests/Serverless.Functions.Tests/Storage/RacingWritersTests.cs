using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Functions.Errors;
using Serverless.Functions.IntegrationPlatform.FlowRuntime;
using Serverless.Functions.Storage;
using Serverless.Functions.Tests.Incidents;
using Serverless.Functions.Tests.Infrastructure;
using Serverless.Functions.Tests.IntegrationPlatform.Flows;
using Serverless.Functions.Tests.StatusPage.Cachet;
using Xunit.Abstractions;
using static Serverless.Functions.Tests.Infrastructure.JsonApiAssertions;

namespace Serverless.Functions.Tests.Storage;

/// <summary>The app over real sockets, with the per-key limit out of the way: the races are one key's bursts on purpose.</summary>
public sealed class RacingFixture : KestrelApiFixture
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("RATE_LIMIT_PER_KEY", "1000000");
        builder.UseSetting("RATE_LIMIT_ANONYMOUS_READS", "1000000");
        builder.UseSetting("RATE_LIMIT_ANONYMOUS_WRITES", "1000000");
    }
}

/// <summary>
/// Issue 12, part 4: many writers of one resource at once, over real sockets. Without <c>If-Match</c> the server
/// serialises them (ETag retries), so every write lands; with a stale one the answer is 412 in the surface's format.
/// Each race prints its figures (docs/resilience.md, "Racing writers").
/// </summary>
public sealed class RacingWritersTests(RacingFixture api, ITestOutputHelper output) : IClassFixture<RacingFixture>
{
    private const int Writers = 100;
    private const int Creators = 64;
    private const int EditingClients = 30;

    /// <summary>What a race left: each writer's status and ETag, and the server's ETag retries meanwhile (total, and most for one write).</summary>
    private sealed record Race(IReadOnlyList<int> Statuses, IReadOnlyList<string?> ETags, long Retries, int MostAttempts, TimeSpan Took)
    {
        public int Count(int status) => Statuses.Count(s => s == status);
    }

    /// <summary>Starts every writer at once (each on its own connection) and waits for all of them.</summary>
    private static async Task<Race> RaceAsync(int writers, Func<int, Task<HttpResponseMessage>> write)
    {
        using var retries = new RetryCount();
        var started = DateTime.UtcNow;
        using var gate = new SemaphoreSlim(0);
        var tasks = Enumerable.Range(0, writers).Select(async i =>
        {
            await gate.WaitAsync();
            // A 409 with Retry-After says "nothing was written, try again": a client does, so the write is not lost.
            var response = await write(i);
            for (var again = 0; response is { StatusCode: System.Net.HttpStatusCode.Conflict, Headers.RetryAfter.Delta: { } wait } && again < 5; again++)
            {
                response.Dispose();
                await Task.Delay(wait);
                response = await write(i);
            }
            using var _ = response;
            var text = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode < 500, $"Writer {i} got {(int)response.StatusCode}: {text}");
            return ((int)response.StatusCode, response.Headers.ETag?.ToString());
        }).ToList();
        gate.Release(writers);
        var results = await Task.WhenAll(tasks);
        return new Race(results.Select(r => r.Item1).ToList(), results.Select(r => r.Item2).ToList(), retries.Total, retries.MostAttempts, DateTime.UtcNow - started);
    }

    private void Report(string resource, Race race, int lost, int? preconditionFailed = null) =>
        output.WriteLine($"racing writers | {resource} | writers {race.Statuses.Count} | " +
                         string.Join(" | ", race.Statuses.GroupBy(s => s).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}")) + " | " +
                         $"412 refused {preconditionFailed ?? race.Count(412)} | lost {lost} | server ETag retries {race.Retries} (most for one write: {race.MostAttempts} attempts) | " +
                         $"{race.Took.TotalSeconds:F1} s");

    /// <summary>The row's write count, as storage holds it; rows are found by RowKey, whatever their tenant's partition.</summary>
    private async Task<long> RevisionAsync(string table, string rowKey, string? partitionKey = null)
    {
        var filter = partitionKey is null
            ? TableClient.CreateQueryFilter($"RowKey eq {rowKey}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey} and RowKey eq {rowKey}");
        return Assert.Single(await api.Storage.Table(table).ListAsync<TableEntity>(filter)).GetInt64("Revision") ?? 0;
    }

    private static StringContent WorkspacePatch(string id, object attributes) =>
        Json(new { data = new { type = "workspace", id, attributes } });

    private static StringContent FlowPatch(string id, object attributes) =>
        Json(new { data = new { type = "flow", id, attributes } });

    private static HttpRequestMessage WithIfMatch(HttpMethod method, string path, HttpContent content, string ifMatch)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return request;
    }

    [Fact]
    public async Task HundredRacingUpdatesOfACachetComponentAllLandAndItsUptimeStateFollowsTheLast()
    {
        var (path, pageId) = await CachetApiTests.NewPageAsync(api);
        using var client = api.CachetClient();
        var component = (await client.PostDataAsync($"{path}/components", new { name = "API", status = 1 })).Id();
        var before = await RevisionAsync(StorageLayout.Tables.StatusItems, $"component-{component:D10}", pageId);

        var race = await RaceAsync(Writers, i => client.PutAsJsonAsync($"{path}/components/{component}", new { status = i % 4 + 1, description = $"writer {i}" }));

        var read = await client.GetAsync($"{path}/components/{component}");
        var final = (await read.ReadJsonAsync())["data"]!;
        var revisions = await RevisionAsync(StorageLayout.Tables.StatusItems, $"component-{component:D10}", pageId) - before;
        Report("Cachet component (PUT /api/v1/components/{id})", race, lost: race.Count(200) - (int)revisions);
        Assert.Equal(Writers, race.Count(200));
        Assert.Equal(Writers, revisions);
        Assert.Equal(Writers, race.ETags.Distinct().Count());
        // The read is the version one writer wrote, whole: its status and description together.
        var last = race.ETags.ToList().IndexOf(read.Headers.ETag!.ToString());
        Assert.Equal($"writer {last}", final["description"]!.GetValue<string>());
        Assert.Equal(last % 4 + 1, final["status"]!.GetValue<int>());
        var uptime = await api.Storage.Table(StorageLayout.Tables.StatusUptime).GetEntityAsync<TableEntity>($"{pageId}-{component:D10}", "state");
        Assert.Equal(last % 4 + 1, uptime.Value.GetInt32("Status"));
    }

    [Fact]
    public async Task HundredRacingUpdatesOfAWorkspaceAllLand()
    {
        var owner = await api.CreateUserAsync();
        var contract = await api.CreateContractAsync(owner);
        using var client = api.ClientFor(owner);
        var workspace = await ApiFixture.CreateWorkspaceAsync(client, contract);
        var before = await RevisionAsync(StorageLayout.Tables.Workspaces, workspace);

        var race = await RaceAsync(Writers, i => client.PatchAsync($"/v2/workspaces/{workspace}", WorkspacePatch(workspace, new { name = $"Workspace {i}" })));

        var read = await client.GetAsync($"/v2/workspaces/{workspace}");
        var final = (await read.ReadJsonAsync())["data"]!["attributes"]!;
        var revisions = await RevisionAsync(StorageLayout.Tables.Workspaces, workspace) - before;
        Report("workspace (PATCH /v2/workspaces/{id})", race, lost: race.Count(200) - (int)revisions);
        Assert.Equal(Writers, race.Count(200));
        Assert.Equal(Writers, revisions);
        Assert.Equal(Writers, race.ETags.Distinct().Count());
        Assert.Equal($"Workspace {race.ETags.ToList().IndexOf(read.Headers.ETag!.ToString())}", final["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task HundredRacingUpdatesOfAFlowEachBecomeAVersion()
    {
        var s = await FlowSetup.CreateAsync(api);
        var flow = await s.CreateFlowAsync(FlowSetup.Graph([FlowSetup.Node("step_1", "components/webhook:receive")], []));

        var race = await RaceAsync(Writers, i => s.Client.PatchAsync($"/v2/flows/{flow}", FlowPatch(flow, new { description = $"writer {i}" })));

        var descriptions = new HashSet<string>();
        for (var page = 1; page <= 2; page++)
        {
            var versions = await (await s.Client.GetAsync($"/v2/flows/{flow}/versions?page[size]=100&page[number]={page}")).ReadJsonAsync();
            foreach (var version in versions["data"]!.AsArray())
            {
                descriptions.Add(version!["attributes"]!["description"]?.GetValue<string>() ?? "");
            }
        }
        var revisions = await RevisionAsync(StorageLayout.Tables.Flows, flow);
        var lost = Enumerable.Range(0, Writers).Count(i => race.Statuses[i] == 200 && !descriptions.Contains($"writer {i}"));
        Report("flow (PATCH /v2/flows/{id})", race, lost);
        Assert.Equal(Writers, race.Count(200));
        Assert.Equal(0, lost);
        Assert.Equal(Writers, revisions);
        Assert.Equal(Writers, race.ETags.Distinct().Count());
    }

    [Fact]
    public async Task HundredRacingDraftWritesKeepOneDraftIdAndEachTakeARevision()
    {
        var s = await FlowSetup.CreateAsync(api);
        var flow = await s.CreateFlowAsync(FlowSetup.Graph([FlowSetup.Node("step_1", "components/webhook:receive")], []));

        var race = await RaceAsync(Writers, i => s.Client.PutAsync($"/v2/flows/{flow}/draft",
            Json(new { data = new { type = "flow-draft", attributes = new { name = $"draft {i}" } } })));

        var read = await s.Client.GetAsync($"/v2/flows/{flow}/draft");
        var draft = (await read.ReadJsonAsync())["data"]!;
        var revisions = await RevisionAsync(StorageLayout.Tables.FlowDrafts, flow);
        Report("flow draft (PUT /v2/flows/{id}/draft)", race, lost: race.Count(200) - (int)revisions);
        Assert.Equal(Writers, race.Count(200));
        Assert.Equal(Writers, revisions);
        Assert.Equal($"draft {race.ETags.ToList().IndexOf(read.Headers.ETag!.ToString())}", draft["attributes"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task HundredRacingTagMergesOfAnIncidentLeaveEveryTag()
    {
        var org = await api.CreateOrganizationAsync();
        using var owner = await api.IncidentClientAsync(org.OwnerKey);
        var (_, serviceKey) = await IncidentTestKit.CreateServiceAsync(owner);
        var incident = await api.RaiseAsync(owner, serviceKey, new { message = "Checkout fails" });

        var race = await RaceAsync(Writers, i => owner.PatchAsJsonAsync($"/v3/incidents/{incident}/tags",
            new { tags = new Dictionary<string, string> { [$"writer-{i}"] = $"value {i}" } }));

        var final = await IncidentTestKit.IncidentAsync(owner, incident);
        var tags = final["tags"]!.AsObject();
        var lost = Enumerable.Range(0, Writers).Count(i => race.Statuses[i] == 200 && tags[$"writer-{i}"]?["value"]?.GetValue<string>() != $"value {i}");
        Report("incident tags (PATCH /v3/incidents/{id}/tags)", race, lost);
        Assert.Equal(Writers, race.Count(200));
        Assert.Equal(0, lost);
        Assert.Equal(Writers, final["logs"]!.AsArray().Count(l => l!["action"]!.GetValue<string>() == "tags_updated"));
    }

    [Fact]
    public async Task ClientsThatReadThenWriteWithIfMatchLoseNothingAndTheLosersGet412()
    {
        var (path, _) = await CachetApiTests.NewPageAsync(api);
        using var client = api.CachetClient();
        var component = (await client.PostDataAsync($"{path}/components", new { name = "Ledger", status = 1 })).Id();
        var refused = 0;

        // Each client appends its mark to what it read, as an editor does; a 412 means "read again", after a pause. The
        // refusals grow with the square of the clients, so this race is smaller than the server-side ones.
        var race = await RaceAsync(EditingClients, async i =>
        {
            for (var attempt = 1; ; attempt++)
            {
                var read = await client.GetAsync($"{path}/components/{component}");
                var description = (await read.ReadJsonAsync())["data"]!["description"]!.GetValue<string>();
                var response = await client.SendAsync(WithIfMatch(HttpMethod.Put, $"{path}/components/{component}",
                    JsonContent.Create(new { description = description + $"[{i}]" }), read.Headers.ETag!.ToString()));
                if ((int)response.StatusCode != 412)
                {
                    return response;
                }
                Interlocked.Increment(ref refused);
                await response.AssertCachetErrorAsync(412);
                await Task.Delay(Random.Shared.Next(Math.Min(500, 5 << Math.Min(attempt, 7))));
            }
        });

        var final = (await client.GetAsync($"{path}/components/{component}").DataAsync())["description"]!.GetValue<string>();
        var lost = Enumerable.Range(0, EditingClients).Count(i => race.Statuses[i] == 200 && !final.Contains($"[{i}]", StringComparison.Ordinal));
        Report("Cachet component, read then PUT with If-Match", race, lost, refused);
        Assert.Equal(EditingClients, race.Count(200));
        Assert.Equal(0, lost);
        Assert.True(refused > 0, "Racing clients with If-Match should have been refused at least once.");
    }

    [Fact]
    public async Task AStaleIfMatchIs412InEachSurfacesFormatAndChangesNothing()
    {
        // Cachet
        var (path, _) = await CachetApiTests.NewPageAsync(api);
        using var cachet = api.CachetClient();
        var component = (await cachet.PostDataAsync($"{path}/components", new { name = "Web", status = 1 })).Id();
        var first = (await cachet.GetAsync($"{path}/components/{component}")).Headers.ETag!.ToString();
        Assert.Matches("^\"[0-9a-f]{20}\"$", first);
        var second = await cachet.SendAsync(WithIfMatch(HttpMethod.Put, $"{path}/components/{component}", JsonContent.Create(new { status = 2 }), first));
        var current = second.Headers.ETag!.ToString();
        Assert.NotEqual(first, current);
        await second.ReadJsonAsync();
        var stale = await cachet.SendAsync(WithIfMatch(HttpMethod.Put, $"{path}/components/{component}", JsonContent.Create(new { status = 4 }), first));
        await stale.AssertCachetErrorAsync(412);
        var read = await cachet.GetAsync($"{path}/components/{component}");
        Assert.Equal(current, read.Headers.ETag!.ToString());
        Assert.Equal(2, (await read.ReadJsonAsync())["data"]!["status"]!.GetValue<int>());
        // A weak form of the current tag does not match strongly; * and a list holding the current tag do.
        await (await cachet.SendAsync(WithIfMatch(HttpMethod.Put, $"{path}/components/{component}", JsonContent.Create(new { status = 4 }), "W/" + current)))
            .AssertCachetErrorAsync(412);
        await (await cachet.SendAsync(WithIfMatch(HttpMethod.Put, $"{path}/components/{component}", JsonContent.Create(new { status = 3 }), $"{first}, {current}")))
            .ReadJsonAsync();
        await (await cachet.SendAsync(WithIfMatch(HttpMethod.Put, $"{path}/components/{component}", JsonContent.Create(new { status = 1 }), "*"))).ReadJsonAsync();

        // Integration Platform (JSON:API)
        var s = await FlowSetup.CreateAsync(api);
        var workspaceTag = (await s.Client.GetAsync($"/v2/workspaces/{s.Workspace}")).Headers.ETag!.ToString();
        await (await s.Client.SendAsync(WithIfMatch(HttpMethod.Patch, $"/v2/workspaces/{s.Workspace}", WorkspacePatch(s.Workspace, new { name = "First" }), workspaceTag)))
            .ReadJsonAsync();
        var refused = await (await s.Client.SendAsync(WithIfMatch(HttpMethod.Patch, $"/v2/workspaces/{s.Workspace}",
            WorkspacePatch(s.Workspace, new { name = "Second" }), workspaceTag))).AssertErrorAsync(412);
        Assert.Equal("If-Match", refused["source"]!["parameter"]!.GetValue<string>());
        Assert.Equal("First", (await (await s.Client.GetAsync($"/v2/workspaces/{s.Workspace}")).ReadJsonAsync())["data"]!["attributes"]!["name"]!.GetValue<string>());

        var flow = await s.CreateFlowAsync(FlowSetup.Graph([FlowSetup.Node("step_1", "components/webhook:receive")], []));
        var flowTag = (await s.Client.GetAsync($"/v2/flows/{flow}")).Headers.ETag!.ToString();
        await (await s.Client.SendAsync(WithIfMatch(HttpMethod.Patch, $"/v2/flows/{flow}", FlowPatch(flow, new { name = "First" }), flowTag))).ReadJsonAsync();
        await (await s.Client.SendAsync(WithIfMatch(HttpMethod.Patch, $"/v2/flows/{flow}", FlowPatch(flow, new { name = "Second" }), flowTag))).AssertErrorAsync(412);
        Assert.Equal("First", (await (await s.Client.GetAsync($"/v2/flows/{flow}")).ReadJsonAsync())["data"]!["attributes"]!["name"]!.GetValue<string>());

        StringContent Draft(string name) => Json(new { data = new { type = "flow-draft", attributes = new { name } } });
        // No draft yet is no current version: even * fails.
        await (await s.Client.SendAsync(WithIfMatch(HttpMethod.Put, $"/v2/flows/{flow}/draft", Draft("Early"), "*"))).AssertErrorAsync(412);
        var draftTag = (await s.Client.PutAsync($"/v2/flows/{flow}/draft", Draft("First"))).Headers.ETag!.ToString();
        Assert.Equal(draftTag, (await s.Client.GetAsync($"/v2/flows/{flow}/draft")).Headers.ETag!.ToString());
        await (await s.Client.SendAsync(WithIfMatch(HttpMethod.Put, $"/v2/flows/{flow}/draft", Draft("Second"), draftTag))).ReadJsonAsync();
        await (await s.Client.SendAsync(WithIfMatch(HttpMethod.Put, $"/v2/flows/{flow}/draft", Draft("Third"), draftTag))).AssertErrorAsync(412);

        // Incident Management (incident.io's errors)
        var org = await api.CreateOrganizationAsync();
        using var owner = await api.IncidentClientAsync(org.OwnerKey);
        var (_, serviceKey) = await IncidentTestKit.CreateServiceAsync(owner);
        var incident = await api.RaiseAsync(owner, serviceKey, new { message = "Disk full" });
        var incidentTag = (await owner.GetAsync($"/v3/incidents/{incident}")).Headers.ETag!.ToString();
        await (await owner.SendAsync(WithIfMatch(HttpMethod.Patch, $"/v3/incidents/{incident}/tags", JsonContent.Create(new { tags = new { env = "prod" } }), incidentTag)))
            .ReadJsonAsync();
        await (await owner.SendAsync(WithIfMatch(HttpMethod.Patch, $"/v3/incidents/{incident}/tags", JsonContent.Create(new { tags = new { env = "dev" } }), incidentTag)))
            .AssertIncidentErrorAsync(412, "If-Match");
        Assert.Equal("prod", (await IncidentTestKit.IncidentAsync(owner, incident))["tags"]!["env"]!["value"]!.GetValue<string>());
    }

    [Fact]
    public async Task AMalformedIfMatchIs400NamingItAndAnotherTenantsIfMatchFindsNothing()
    {
        var s = await FlowSetup.CreateAsync(api);
        var tag = (await s.Client.GetAsync($"/v2/workspaces/{s.Workspace}")).Headers.ETag!.ToString();
        var malformed = await (await s.Client.SendAsync(WithIfMatch(HttpMethod.Patch, $"/v2/workspaces/{s.Workspace}",
            WorkspacePatch(s.Workspace, new { name = "Unquoted" }), "not-quoted"))).AssertErrorAsync(400);
        Assert.Equal("If-Match", malformed["source"]!["parameter"]!.GetValue<string>());

        // Another tenant holding the right ETag learns nothing: the workspace is not theirs, so it is not found.
        var other = await api.CreateOtherTenantAdminAsync();
        using var stranger = api.ClientFor(other);
        await (await stranger.SendAsync(WithIfMatch(HttpMethod.Patch, $"/v2/workspaces/{s.Workspace}", WorkspacePatch(s.Workspace, new { name = "Taken" }), tag)))
            .AssertErrorAsync(404);
        var (path, _) = await CachetApiTests.NewPageAsync(api);
        using var cachet = api.CachetClient();
        var component = (await cachet.PostDataAsync($"{path}/components", new { name = "Web", status = 1 })).Id();
        var componentTag = (await cachet.GetAsync($"{path}/components/{component}")).Headers.ETag!.ToString();
        using var otherCachet = api.CachetClient(other.ApiKey);
        await (await otherCachet.SendAsync(WithIfMatch(HttpMethod.Put, $"{path}/components/{component}", JsonContent.Create(new { status = 4 }), componentTag)))
            .AssertCachetErrorAsync(401);
        await (await cachet.SendAsync(WithIfMatch(HttpMethod.Put, $"{path}/components/{component}", JsonContent.Create(new { status = 4 }), "W/"))).AssertCachetErrorAsync(400);
        Assert.Equal(1, (await cachet.GetAsync($"{path}/components/{component}").DataAsync())["status"]!.GetValue<int>());
        Assert.Equal(tag, (await s.Client.GetAsync($"/v2/workspaces/{s.Workspace}")).Headers.ETag!.ToString());
    }

    [Fact]
    public async Task SixtyFourRacingCreatesTakeSixtyFourDistinctCachetIdsWithoutGaps()
    {
        var (path, _) = await CachetApiTests.NewPageAsync(api);
        using var client = api.CachetClient();
        var ids = new ConcurrentBag<int>();
        var components = await RaceAsync(Creators, async i =>
        {
            var response = await client.PostAsJsonAsync($"{path}/components", new { name = $"Component {i}", status = 1 });
            var body = await response.Content.ReadAsStringAsync();
            ids.Add(JsonNode.Parse(body)!["data"]!["id"]!.GetValue<int>());
            return new HttpResponseMessage(response.StatusCode) { Content = new StringContent(body) };
        });
        Report("Cachet component ids (POST /api/v1/components)", components, lost: Creators - ids.Distinct().Count());
        Assert.Equal(Enumerable.Range(1, Creators), ids.Order());

        var incidentIds = new ConcurrentBag<int>();
        var incidents = await RaceAsync(Creators, async i =>
        {
            var response = await client.PostAsJsonAsync($"{path}/incidents", new { name = $"Incident {i}", message = "Looking into it", status = 1, visible = 1 });
            var body = await response.Content.ReadAsStringAsync();
            incidentIds.Add(JsonNode.Parse(body)!["data"]!["id"]!.GetValue<int>());
            return new HttpResponseMessage(response.StatusCode) { Content = new StringContent(body) };
        });
        Report("Cachet incident ids (POST /api/v1/incidents)", incidents, lost: Creators - incidentIds.Distinct().Count());
        Assert.Equal(Enumerable.Range(1, Creators), incidentIds.Order());
    }

    [Fact]
    public async Task FlowCountersFromSeveralProcessesAddUpExactly()
    {
        // Two processes' counters over the same table, each flushed by 64 racing readers as it counts.
        var flowId = Guid.NewGuid().ToString("N")[..24];
        var processes = new[]
        {
            new FlowCounters(api.Storage, NullLogger<FlowCounters>.Instance),
            new FlowCounters(api.Storage, NullLogger<FlowCounters>.Instance),
        };
        await Task.WhenAll(Enumerable.Range(0, Creators).Select(async i =>
        {
            var counters = processes[i % 2];
            counters.Add(flowId, "step_1", FlowCounters.Kind.Enqueued);
            counters.Add(flowId, "step_1", FlowCounters.Kind.In);
            counters.Add(flowId, "step_1", FlowCounters.Kind.Out, 2);
            await counters.ReadAsync(flowId, ["step_1"], CancellationToken.None);
        }));
        var reader = new FlowCounters(api.Storage, NullLogger<FlowCounters>.Instance);
        var stats = Assert.Single(await reader.ReadAsync(flowId, ["step_1"], CancellationToken.None));
        output.WriteLine($"racing writers | flow counters | writers {Creators} in 2 processes | in {stats.In} of {Creators} | out {stats.Out} of {2 * Creators}");
        Assert.Equal(Creators, stats.In);
        Assert.Equal(2 * Creators, stats.Out);
        Assert.Equal(Creators, stats.Unacked);
    }

    [Fact]
    public async Task AConflictThatOutlastsEveryRetryIsA409WithRetryAfterAndWritesNothing()
    {
        var attempts = 0;
        var refused = await Assert.ThrowsAsync<ApiException>(() => OptimisticConcurrency.RetryAsync(() =>
        {
            attempts++;
            throw new RequestFailedException(412, "The update condition specified in the request was not satisfied.");
        }));
        Assert.Equal(OptimisticConcurrency.MaxAttempts, attempts);
        Assert.Equal(409, refused.Status);
        Assert.Equal(TimeSpan.FromSeconds(1), refused.RetryAfter);
    }

    /// <summary>Counts the server's ETag retries (a process-wide counter: run this class alone for exact figures).</summary>
    private sealed class RetryCount : IDisposable
    {
        private readonly MeterListener listener = new();
        private long total;
        private int most;

        public RetryCount()
        {
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "Serverless.Functions" && instrument.Name is "storage.etag.retries" or "storage.etag.attempts")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref total, value));
            listener.SetMeasurementEventCallback<int>((_, value, _, _) =>
            {
                int seen;
                while (value > (seen = Volatile.Read(ref most)) && Interlocked.CompareExchange(ref most, value, seen) != seen)
                {
                }
            });
            listener.Start();
        }

        public long Total => Interlocked.Read(ref total);

        public int MostAttempts => Volatile.Read(ref most);

        public void Dispose() => listener.Dispose();
    }
}
