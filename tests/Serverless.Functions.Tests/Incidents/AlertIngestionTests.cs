using System.Net.Http.Json;
using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests.Incidents;

/// <summary>Services and alert ingestion: how incidents are born, deduplicated and resolved by <c>event_id</c>.</summary>
public sealed class AlertIngestionTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task ARepeatedEventIdJoinsTheOpenIncidentAndAResolveClosesEveryIncidentOpenedWithIt()
    {
        var org = await api.CreateOrganizationAsync();
        using var owner = await api.IncidentClientAsync(org.OwnerKey);
        var (serviceId, key) = await IncidentTestKit.CreateServiceAsync(owner, "Checkout");

        var first = await api.AlertAsync(key, new { message = "Checkout is down", description = "5xx > 50%", event_id = "chk-1", priority = "P1",
            tags = new { env = "prod", team = new { value = "payments", color = "#ff0000" } } });
        var second = await api.AlertAsync(key, new { message = "Checkout is still down", event_id = "chk-1" });
        var other = await api.AlertAsync(key, new { message = "Disk almost full" });
        var status = await (await owner.PostAsJsonAsync("/v3/requests/status", new { request_ids = new[] { first, second, other, "0123456789abcdef0123456789abcdef" } }))
            .ReadJsonAsync();
        Assert.Equal("created", status["data"]![first]!["status"]!.GetValue<string>());
        Assert.Equal("deduplicated", status["data"]![second]!["status"]!.GetValue<string>());
        Assert.Equal("created", status["data"]![other]!["status"]!.GetValue<string>());
        Assert.Equal("error", status["data"]!["0123456789abcdef0123456789abcdef"]!["status"]!.GetValue<string>());
        Assert.Equal(1, status["meta"]!["error_count"]!.GetValue<int>());
        Assert.Equal(3, status["meta"]!["success_count"]!.GetValue<int>());
        var incidentId = status["data"]![first]!["incident_id"]!.GetValue<string>();
        Assert.Equal(incidentId, status["data"]![second]!["incident_id"]!.GetValue<string>());
        Assert.Equal("chk-1", status["data"]![second]!["event_id"]!.GetValue<string>());

        var incident = await IncidentTestKit.IncidentAsync(owner, incidentId);
        Assert.Equal("Checkout is down", incident["message"]!.GetValue<string>());
        Assert.Equal(2, incident["event_count"]!.GetValue<int>());
        Assert.Equal("triggered", incident["status"]!.GetValue<string>());
        Assert.Equal("P1", incident["priority"]!.GetValue<string>());
        Assert.Equal(serviceId, incident["service_id"]!.GetValue<string>());
        Assert.Equal("api", incident["alert_source_id"]!.GetValue<string>());
        Assert.Equal("#ff0000", incident["tags"]!["team"]!["color"]!.GetValue<string>());
        Assert.Equal("prod", incident["tags"]!["env"]!["value"]!.GetValue<string>());

        // A third alert once the first incident is resolved opens a new one; then one resolve closes both.
        (await owner.PostAsJsonAsync($"/v3/incidents/{incidentId}/resolve", new { })).EnsureSuccessStatusCode();
        var reopened = await api.RaiseAsync(owner, key, new { message = "Checkout down again", event_id = "chk-1" });
        Assert.NotEqual(incidentId, reopened);
        var resolve = await api.AlertAsync(key, new { status = "resolve", event_id = "chk-1" });
        var resolved = await (await owner.PostAsJsonAsync("/v3/requests/status", new { request_ids = new[] { resolve } })).ReadJsonAsync();
        Assert.Equal("resolved", resolved["data"]![resolve]!["status"]!.GetValue<string>());
        Assert.Equal("resolved", (await IncidentTestKit.IncidentAsync(owner, reopened))["status"]!.GetValue<string>());
        var nothing = await api.AlertAsync(key, new { status = "resolve", event_id = "never-seen" });
        Assert.Equal("discarded", (await (await owner.PostAsJsonAsync("/v3/requests/status", new { request_ids = new[] { nothing } })).ReadJsonAsync())
            ["data"]![nothing]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task AlertsRacingWithOneEventIdOpenOneIncidentBetweenThem()
    {
        // Two flow messages raising the same alert at once each found no open incident and opened their own.
        var org = await api.CreateOrganizationAsync();
        using var owner = await api.IncidentClientAsync(org.OwnerKey);
        var (_, key) = await IncidentTestKit.CreateServiceAsync(owner, "Checkout");

        var requests = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => api.AlertAsync(key, new { message = $"Checkout is down ({i})", event_id = "race-1" })));

        var status = await (await owner.PostAsJsonAsync("/v3/requests/status", new { request_ids = requests })).ReadJsonAsync();
        var outcomes = requests.Select(r => status["data"]![r]!).ToList();
        Assert.Single(outcomes, o => o!["status"]!.GetValue<string>() == "created");
        Assert.Equal(19, outcomes.Count(o => o!["status"]!.GetValue<string>() == "deduplicated"));
        var incidentId = Assert.Single(outcomes.Select(o => o!["incident_id"]!.GetValue<string>()).Distinct());
        Assert.Equal(20, (await IncidentTestKit.IncidentAsync(owner, incidentId))["event_count"]!.GetValue<int>());
    }

    [Fact]
    public async Task BadAlertsAre422PerFieldAndWriteNothing()
    {
        var org = await api.CreateOrganizationAsync();
        using var owner = await api.IncidentClientAsync(org.OwnerKey);
        var (_, key) = await IncidentTestKit.CreateServiceAsync(owner);
        using var anonymous = api.AnonymousClient();
        var bad = await (await anonymous.PostAsJsonAsync($"/v2/incidents/api/{key}", new { status = "explode", priority = "P9", tags = new { a = 5 }, event_id = 12 }))
            .AssertIncidentErrorAsync(422);
        Assert.Equal(["event_id", "message", "priority", "status", "tags.a"],
            bad["errors"]!.AsArray().Select(e => e!["source"]!["field"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        await (await anonymous.PostAsJsonAsync($"/v2/incidents/api/{key}", new { description = "no message" })).AssertIncidentErrorAsync(422, "message");
        await (await anonymous.PostAsJsonAsync($"/v2/incidents/api/{key}", new { status = "resolve" })).AssertIncidentErrorAsync(422, "event_id");
        await (await anonymous.PostAsync($"/v2/incidents/api/{key}", JsonApiAssertions.Json("{\"message\": "))).AssertIncidentErrorAsync(400);
        await (await anonymous.PostAsync($"/v2/incidents/api/{key}", JsonApiAssertions.Json("[1]"))).AssertIncidentErrorAsync(400);
        await (await anonymous.PostAsJsonAsync($"/v2/incidents/api/{key}", new { message = "x\u0000y" })).AssertIncidentErrorAsync(422, "message");
        await (await anonymous.PostAsJsonAsync($"/v2/incidents/api/{key}", new { message = new string('m', 501) })).AssertIncidentErrorAsync(422, "message");
        await (await anonymous.PostAsJsonAsync("/v2/incidents/api/0123456789abcdef0123456789abcdef", new { message = "who?" })).AssertIncidentErrorAsync(404);
        await (await anonymous.PostAsJsonAsync($"/v2/incidents/UPPER%2F..%2F/{key}", new { message = "x" })).AssertIncidentErrorAsync(404);
        Assert.DoesNotContain(await api.RowsAsync("Incidents"), r => r.PartitionKey == org.Id);
        Assert.DoesNotContain(await api.RowsAsync("AlertRequests"), r => r.PartitionKey == org.Id);
    }

    [Fact]
    public async Task ServicesAreManagedByOwnersReadByEveryoneAndADeletedServicesKeyStopsIngesting()
    {
        var org = await api.CreateOrganizationAsync();
        using var owner = await api.IncidentClientAsync(org.OwnerKey);
        var (_, userKey) = await IncidentTestKit.AddUserAsync(owner, "user", api.Prefix);
        using var user = await api.IncidentClientAsync(userKey);
        var created = await (await owner.PostAsJsonAsync("/v3/services", new { name = "Payments API", description = "Card payments", unknown = true })).ReadJsonAsync(201);
        var id = created["data"]!["id"]!.GetValue<string>();
        var key = created["data"]!["api_key"]!.GetValue<string>();
        Assert.Equal("payments-api", created["data"]!["slug"]!.GetValue<string>());
        Assert.Equal(org.Id, created["data"]!["organization_id"]!.GetValue<string>());
        // The ingestion key is sealed at rest: no row holds it in clear.
        Assert.DoesNotContain(await api.RowsAsync("IncidentServices"), r => r.Any(c => c.Value?.ToString() == key));
        var list = await (await user.GetAsync("/v3/services")).ReadJsonAsync();
        Assert.Equal(id, Assert.Single(list["data"]!.AsArray())!["id"]!.GetValue<string>());
        await (await user.PutAsJsonAsync($"/v3/services/{id}", new { name = "Mine" })).AssertIncidentErrorAsync(403);
        await (await user.DeleteAsync($"/v3/services/{id}")).AssertIncidentErrorAsync(403);
        await (await owner.PostAsJsonAsync("/v3/services", new { name = "payments api" })).AssertIncidentErrorAsync(409, "name");
        await (await owner.PostAsJsonAsync("/v3/services", new { name = "", owner_id = "nope" })).AssertIncidentErrorAsync(422, "name");
        await (await owner.PostAsJsonAsync("/v3/services", new { name = "Owned", owner_id = "0123456789abcdef01234567" })).AssertIncidentErrorAsync(422, "owner_id");
        var renamed = await (await owner.PutAsJsonAsync($"/v3/services/{id}", new { description = "Cards and wallets" })).ReadJsonAsync();
        Assert.Equal("Payments API", renamed["data"]!["name"]!.GetValue<string>());
        Assert.Equal("Cards and wallets", renamed["data"]!["description"]!.GetValue<string>());
        Assert.Equal(key, renamed["data"]!["api_key"]!.GetValue<string>());

        Assert.Equal(204, (int)(await owner.DeleteAsync($"/v3/services/{id}")).StatusCode);
        using var anonymous = api.AnonymousClient();
        await (await anonymous.PostAsJsonAsync($"/v2/incidents/api/{key}", new { message = "late" })).AssertIncidentErrorAsync(404);
        await (await owner.GetAsync($"/v3/services/{id}")).AssertIncidentErrorAsync(404);
    }
}
