using System.Net.Http.Json;
using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests.Incidents;

/// <summary>An incident's life: reading it, acting on it by role, its timeline, and exporting it.</summary>
public sealed class IncidentsApiTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private sealed record Setup(TestOrganization Org, HttpClient Owner, string ServiceId, string ServiceKey, string UserId, HttpClient User,
        HttpClient Stakeholder) : IDisposable
    {
        public void Dispose()
        {
            Owner.Dispose();
            User.Dispose();
            Stakeholder.Dispose();
        }
    }

    private async Task<Setup> SetupAsync()
    {
        var org = await api.CreateOrganizationAsync();
        var owner = await api.IncidentClientAsync(org.OwnerKey);
        var (serviceId, key) = await IncidentTestKit.CreateServiceAsync(owner, "Web");
        var (userId, userKey) = await IncidentTestKit.AddUserAsync(owner, "user", api.Prefix);
        var (_, stakeholderKey) = await IncidentTestKit.AddUserAsync(owner, "stakeholder", api.Prefix);
        return new Setup(org, owner, serviceId, key, userId, await api.IncidentClientAsync(userKey), await api.IncidentClientAsync(stakeholderKey));
    }

    [Fact]
    public async Task AnIncidentKeepsSquadcastsFieldsWithTheirMixedCasing()
    {
        using var s = await SetupAsync();
        var id = await api.RaiseAsync(s.Owner, s.ServiceKey, new { message = "Latency up", description = "p99 > 2s", event_id = "lat" });
        var response = await s.Stakeholder.GetAsync($"/v3/incidents/{id}");
        var incident = (await response.ReadJsonAsync())["data"]!.AsObject();
        foreach (var field in new[]
                 {
                     "id", "service_id", "alert_source_id", "organization_id", "slo_id", "incidentNumber", "message", "description", "status", "timeOfCreation",
                     "updated_at", "last_acknowledged_at", "assignedTo", "additional_responders", "tags", "logs", "analytics", "pinned_messages", "created_by",
                     "sender_email", "deleted", "event_count", "dedup_data", "owner", "access_control", "relevantUsers", "relevantEscalationPolicies",
                     "relevantSquads", "relevantSchedules", "relevantPeopleLogs", "responseNotes", "attachments", "retriggerPolicy", "webform_id",
                     "webform_submission_id", "is_child", "parent", "children", "did_auto_pause", "did_auto_pause_timeout", "auto_pause_ends_at",
                     "manually_marked_transient_alert_feedback_type", "classification_id", "grouped_alert_count", "priority", "has_priority", "snooze_details",
                     "did_notification_delay", "notification_delay_policy", "digest_id",
                 })
        {
            Assert.True(incident.ContainsKey(field), $"The incident lacks '{field}': {incident.ToJsonString()}");
        }
        Assert.Equal(s.Org.Id, incident["organization_id"]!.GetValue<string>());
        Assert.True(incident["incidentNumber"]!.GetValue<int>() >= 1);
        Assert.Equal("lat", incident["dedup_data"]!["key"]!.GetValue<string>());
        var log = Assert.Single(incident["logs"]!.AsArray())!.AsObject();
        Assert.Equal("triggered", log["action"]!.GetValue<string>());
        Assert.True(log.ContainsKey("assignedBy") && log.ContainsKey("created_by") && log.ContainsKey("additionalInfo"));
        Assert.False(incident["has_priority"]!.GetValue<bool>());
    }

    [Fact]
    public async Task AcknowledgingAndResolvingRecordWhoDidItAndAResolvedIncidentCannotBeAcknowledged()
    {
        using var s = await SetupAsync();
        var id = await api.RaiseAsync(s.Owner, s.ServiceKey, new { message = "Queue backlog" });
        var acknowledged = (await (await s.User.PostAsync($"/v3/incidents/{id}/acknowledge", null)).ReadJsonAsync())["data"]!;
        Assert.Equal("acknowledged", acknowledged["status"]!.GetValue<string>());
        Assert.NotNull(acknowledged["last_acknowledged_at"]!.GetValue<string>());
        Assert.NotNull(acknowledged["analytics"]!["tta"]);
        (await s.User.PostAsync($"/v3/incidents/{id}/acknowledge", null)).EnsureSuccessStatusCode();
        var resolved = (await (await s.User.PostAsJsonAsync($"/v3/incidents/{id}/resolve", new { resolution_reason = new { message = "Scaled the workers" } }))
            .ReadJsonAsync())["data"]!;
        Assert.Equal("resolved", resolved["status"]!.GetValue<string>());
        var logs = resolved["logs"]!.AsArray();
        Assert.Equal(["triggered", "acknowledged", "resolved"], logs.Select(l => l!["action"]!.GetValue<string>()));
        Assert.Equal(s.UserId, logs[1]!["assignedBy"]!.GetValue<string>());
        Assert.Equal("Scaled the workers", logs[2]!["reason"]!.GetValue<string>());

        var refused = await (await s.Owner.PostAsync($"/v3/incidents/{id}/acknowledge", null)).AssertIncidentErrorAsync(409);
        Assert.Contains("resolved incident cannot be acknowledged", refused["meta"]!["error_message"]!.GetValue<string>(), StringComparison.Ordinal);
        await (await s.Owner.PostAsJsonAsync($"/v3/incidents/{id}/reassign", new { reassignTo = new { id = s.UserId, type = "user" } })).AssertIncidentErrorAsync(409);
        // Resolving again changes nothing.
        var again = (await (await s.Owner.PostAsync($"/v3/incidents/{id}/resolve", null)).ReadJsonAsync())["data"]!;
        Assert.Equal(3, again["logs"]!.AsArray().Count);
    }

    [Fact]
    public async Task ReassignPriorityAndTagsChangeTheIncidentAndLandOnItsTimeline()
    {
        using var s = await SetupAsync();
        var id = await api.RaiseAsync(s.Owner, s.ServiceKey, new { message = "Cache misses", tags = new { env = "prod", region = new { value = "eu", color = "#00f" } } });
        var other = await api.RaiseAsync(s.Owner, s.ServiceKey, new { message = "Another" });

        var reassigned = await (await s.User.PostAsJsonAsync($"/v3/incidents/{id}/reassign", new { reassignTo = new { id = s.UserId, type = "user" } })).ReadJsonAsync();
        Assert.Equal("incident successfully reassigned", reassigned["data"]!.GetValue<string>());
        var priority = await (await s.User.PatchAsJsonAsync($"/v3/incidents/{id}/priority", new { priority = "P2" })).ReadJsonAsync();
        Assert.Equal("P2", priority["data"]!["priority"]!.GetValue<string>());
        Assert.Equal(id, priority["data"]!["incident_id"]!.GetValue<string>());
        Assert.Equal(204, (int)(await s.User.PutAsJsonAsync("/v3/incidents/priority", new { incident_ids = new[] { id, other }, priority = "P4" })).StatusCode);

        var merged = (await (await s.User.PatchAsJsonAsync($"/v3/incidents/{id}/tags", new { tags = new { region = new { value = "us" }, owner = "sre" } })).ReadJsonAsync())["data"]!;
        Assert.Equal("us", merged["tags"]!["region"]!["value"]!.GetValue<string>());
        Assert.Equal("#00f", merged["tags"]!["region"]!["color"]!.GetValue<string>());
        Assert.Equal("prod", merged["tags"]!["env"]!["value"]!.GetValue<string>());
        var replaced = (await (await s.User.PutAsJsonAsync($"/v3/incidents/{id}/tags", new { tags = new { tier = new { value = "1", color = "#111" } } })).ReadJsonAsync())["data"]!;
        Assert.Equal(["tier"], replaced["tags"]!.AsObject().Select(t => t.Key));
        await (await s.User.PutAsJsonAsync($"/v3/incidents/{id}/tags", new { tags = new { tier = new { value = "1" } } })).AssertIncidentErrorAsync(422, "tags.tier.color");

        var incident = await IncidentTestKit.IncidentAsync(s.Owner, id);
        Assert.Equal("P4", incident["priority"]!.GetValue<string>());
        Assert.Equal(s.UserId, incident["assignedTo"]![0]!["id"]!.GetValue<string>());
        Assert.Equal("user", incident["assignedTo"]![0]!["type"]!.GetValue<string>());
        Assert.Equal(["triggered", "reassigned", "priority_updated", "priority_updated", "tags_updated", "tags_updated"],
            incident["logs"]!.AsArray().Select(l => l!["action"]!.GetValue<string>()));
        Assert.Equal("P4", (await IncidentTestKit.IncidentAsync(s.Owner, other))["priority"]!.GetValue<string>());
    }

    [Fact]
    public async Task BadBodiesAre422NamingTheFieldAndChangeNothing()
    {
        using var s = await SetupAsync();
        var id = await api.RaiseAsync(s.Owner, s.ServiceKey, new { message = "Flaky" });
        await (await s.User.PostAsJsonAsync($"/v3/incidents/{id}/reassign", new { })).AssertIncidentErrorAsync(422, "reassignTo");
        await (await s.User.PostAsJsonAsync($"/v3/incidents/{id}/reassign", new { reassignTo = new { id = s.UserId, type = "squad" } }))
            .AssertIncidentErrorAsync(422, "reassignTo.type");
        await (await s.User.PostAsJsonAsync($"/v3/incidents/{id}/reassign", new { reassignTo = new { id = "0123456789abcdef01234567", type = "user" } }))
            .AssertIncidentErrorAsync(422, "reassignTo.id");
        await (await s.User.PatchAsJsonAsync($"/v3/incidents/{id}/priority", new { priority = "urgent" })).AssertIncidentErrorAsync(422, "priority");
        await (await s.User.PostAsJsonAsync($"/v3/incidents/{id}/resolve", new { resolution_reason = new { message = 42 } }))
            .AssertIncidentErrorAsync(422, "resolution_reason.message");
        await (await s.User.PatchAsJsonAsync($"/v3/incidents/{id}/tags", new { tags = "env=prod" })).AssertIncidentErrorAsync(422, "tags");
        await (await s.User.PutAsJsonAsync("/v3/incidents/priority", new { incident_ids = new[] { id, "0123456789abcdef01234567" }, priority = "P1" }))
            .AssertIncidentErrorAsync(422, "incident_ids");
        await (await s.User.PostAsync($"/v3/incidents/{id}/resolve", JsonApiAssertions.Json("{oops"))).AssertIncidentErrorAsync(400);
        var incident = await IncidentTestKit.IncidentAsync(s.Owner, id);
        Assert.Equal("triggered", incident["status"]!.GetValue<string>());
        Assert.Equal("", incident["priority"]!.GetValue<string>());
        Assert.Single(incident["logs"]!.AsArray());
        await (await s.Owner.GetAsync("/v3/incidents/not-an-id")).AssertIncidentErrorAsync(404);
    }

    [Fact]
    public async Task AStakeholderOnlyReadsAndAUserRespondsButDoesNotManage()
    {
        using var s = await SetupAsync();
        var id = await api.RaiseAsync(s.Owner, s.ServiceKey, new { message = "Read me" });
        (await s.Stakeholder.GetAsync($"/v3/incidents/{id}")).EnsureSuccessStatusCode();
        (await s.Stakeholder.GetAsync("/v3/incidents/export")).EnsureSuccessStatusCode();
        (await s.Stakeholder.GetAsync($"/v3/incidents/{id}/warroom")).EnsureSuccessStatusCode();
        (await s.Stakeholder.GetAsync($"/v3/incidents/{id}/communication_cards")).EnsureSuccessStatusCode();
        (await s.Stakeholder.GetAsync("/v3/incidents/postmortem")).EnsureSuccessStatusCode();
        (await s.Stakeholder.GetAsync("/v3/users")).EnsureSuccessStatusCode();
        (await s.Stakeholder.GetAsync("/v3/teams")).EnsureSuccessStatusCode();
        (await s.Stakeholder.GetAsync($"/v2/organizations/{s.Org.Id}/incidents/{id}/public-message/")).EnsureSuccessStatusCode();
        var writes = new Func<HttpClient, Task<HttpResponseMessage>>[]
        {
            c => c.PostAsync($"/v3/incidents/{id}/acknowledge", null),
            c => c.PostAsync($"/v3/incidents/{id}/resolve", null),
            c => c.PostAsJsonAsync($"/v3/incidents/{id}/reassign", new { reassignTo = new { id = s.UserId, type = "user" } }),
            c => c.PatchAsJsonAsync($"/v3/incidents/{id}/priority", new { priority = "P1" }),
            c => c.PutAsJsonAsync("/v3/incidents/priority", new { incident_ids = new[] { id }, priority = "P1" }),
            c => c.PatchAsJsonAsync($"/v3/incidents/{id}/tags", new { tags = new { a = "b" } }),
            c => c.PostAsJsonAsync($"/v3/incidents/{id}/warroom", new { message = "hi" }),
            c => c.PostAsJsonAsync($"/v3/incidents/{id}/communication_cards", new { type = "other", url = "https://example.com", title = "Doc" }),
            c => c.PostAsJsonAsync($"/v3/incidents/{id}/postmortem", new { title = "PM", postmortem = "text" }),
            c => c.PostAsJsonAsync($"/v2/organizations/{s.Org.Id}/incidents/{id}/public-message/", new { message = "m", status = "investigating" }),
            c => c.PostAsJsonAsync("/v3/extensions/slack/channel", new { channel_name = "inc", incident_id = id }),
        };
        foreach (var write in writes)
        {
            await (await write(s.Stakeholder)).AssertIncidentErrorAsync(403);
        }
        var managing = new Func<HttpClient, Task<HttpResponseMessage>>[]
        {
            c => c.PostAsJsonAsync("/v3/services", new { name = "Users' service" }),
            c => c.PutAsJsonAsync($"/v3/services/{s.ServiceId}", new { name = "Renamed" }),
            c => c.DeleteAsync($"/v3/services/{s.ServiceId}"),
            c => c.PostAsJsonAsync("/v3/users", new { email = "u@example.com", role = "user", first_name = "U" }),
            c => c.PutAsJsonAsync($"/v3/users/{s.Org.OwnerId}", new { role = "user" }),
            c => c.DeleteAsync($"/v3/users/{s.Org.OwnerId}"),
            c => c.PostAsJsonAsync("/v3/teams", new { name = "Team" }),
            c => c.PostAsJsonAsync("/v3/refresh-token", new { user_id = s.Org.OwnerId }),
        };
        foreach (var manage in managing)
        {
            await (await manage(s.User)).AssertIncidentErrorAsync(403);
            await (await manage(s.Stakeholder)).AssertIncidentErrorAsync(403);
        }
        (await s.User.PostAsync($"/v3/incidents/{id}/acknowledge", null)).EnsureSuccessStatusCode();
        Assert.Equal(201, (int)(await s.User.PostAsJsonAsync($"/v3/incidents/{id}/warroom", new { message = "On it" })).StatusCode);
    }

    [Fact]
    public async Task ExportAnswersJsonAndCsvFilteredByTimeStatusServiceAndTag()
    {
        using var s = await SetupAsync();
        var (otherService, otherKey) = await IncidentTestKit.CreateServiceAsync(s.Owner, "Batch");
        var a = await api.RaiseAsync(s.Owner, s.ServiceKey, new { message = "=HYPERLINK(\"http://evil\")", tags = new { env = "prod" } });
        var b = await api.RaiseAsync(s.Owner, otherKey, new { message = "Batch late, \"again\"", tags = new { env = "dev" } });
        (await s.Owner.PostAsync($"/v3/incidents/{b}/resolve", null)).EnsureSuccessStatusCode();

        var all = await (await s.Stakeholder.GetAsync("/v3/incidents/export?type=json")).ReadJsonAsync();
        Assert.Equal([a, b], all["data"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()));
        async Task<IEnumerable<string>> Ids(string query) =>
            (await (await s.Stakeholder.GetAsync("/v3/incidents/export?type=json&" + query)).ReadJsonAsync())["data"]!.AsArray().Select(i => i!["id"]!.GetValue<string>());
        Assert.Equal([b], await Ids("status[]=resolved"));
        Assert.Equal([a], await Ids($"services[]={s.ServiceId}"));
        Assert.Equal([b], await Ids($"services={otherService}"));
        Assert.Equal([a], await Ids("tags[]=env=prod"));
        Assert.Equal([b], await Ids("textFilter=batch"));
        var future = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(1).ToString("O"));
        Assert.Empty(await Ids($"start_time={future}&end_time={future}"));

        var csv = await s.Stakeholder.GetAsync("/v3/incidents/export?type=csv");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("id,incident_number,message,description,status,priority,service_id,service_name,alert_source,created_at", lines[0], StringComparison.Ordinal);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith(a + ",", lines[1], StringComparison.Ordinal);
        // A formula from outside is escaped, so a spreadsheet shows it rather than running it; quotes are doubled.
        Assert.DoesNotContain(",=HYPERLINK", lines[1], StringComparison.Ordinal);
        Assert.Contains("HYPERLINK", lines[1], StringComparison.Ordinal);
        Assert.Contains("\"Batch late, \"\"again\"\"\"", lines[2], StringComparison.Ordinal);
        Assert.Contains(",Batch,", lines[2], StringComparison.Ordinal);

        await (await s.Owner.GetAsync("/v3/incidents/export?type=xml")).AssertIncidentErrorAsync(422, "type");
        await (await s.Owner.GetAsync("/v3/incidents/export?start_time=yesterday")).AssertIncidentErrorAsync(422, "start_time");
        await (await s.Owner.GetAsync("/v3/incidents/export?status[]=sleeping")).AssertIncidentErrorAsync(422, "status");
        await (await s.Owner.GetAsync("/v3/incidents/export?start_time=2020-01-01T00:00:00Z&end_time=2024-01-01T00:00:00Z")).AssertIncidentErrorAsync(422, "start_time");
    }

    [Fact]
    public async Task AnotherOrganizationsIncidentIsInvisibleEverywhereExportIncluded()
    {
        using var s = await SetupAsync();
        var id = await api.RaiseAsync(s.Owner, s.ServiceKey, new { message = "Secret outage" });
        var requestId = await api.AlertAsync(s.ServiceKey, new { message = "Secret outage", event_id = "x" });
        var intruderOrg = await api.CreateOrganizationAsync();
        using var intruder = await api.IncidentClientAsync(intruderOrg.OwnerKey);
        var attempts = new Func<Task<HttpResponseMessage>>[]
        {
            () => intruder.GetAsync($"/v3/incidents/{id}"),
            () => intruder.PostAsync($"/v3/incidents/{id}/acknowledge", null),
            () => intruder.PostAsync($"/v3/incidents/{id}/resolve", null),
            () => intruder.PostAsJsonAsync($"/v3/incidents/{id}/reassign", new { reassignTo = new { id = intruderOrg.OwnerId, type = "user" } }),
            () => intruder.PatchAsJsonAsync($"/v3/incidents/{id}/priority", new { priority = "P1" }),
            () => intruder.PatchAsJsonAsync($"/v3/incidents/{id}/tags", new { tags = new { pwned = "yes" } }),
            () => intruder.GetAsync($"/v3/incidents/{id}/warroom"),
            () => intruder.PostAsJsonAsync($"/v3/incidents/{id}/warroom", new { message = "hi" }),
            () => intruder.GetAsync($"/v3/incidents/{id}/communication_cards"),
            () => intruder.PostAsJsonAsync($"/v3/incidents/{id}/communication_cards", new { type = "other", url = "https://example.com", title = "x" }),
            () => intruder.GetAsync($"/v3/incidents/{id}/postmortem"),
            () => intruder.PostAsJsonAsync($"/v3/incidents/{id}/postmortem", new { title = "x", postmortem = "y" }),
            () => intruder.GetAsync($"/v2/organizations/{s.Org.Id}/incidents/{id}/public-message/"),
            () => intruder.GetAsync($"/v2/organizations/{intruderOrg.Id}/incidents/{id}/public-message/"),
            () => intruder.PostAsJsonAsync($"/v2/organizations/{s.Org.Id}/incidents/{id}/public-message/", new { message = "m", status = "investigating" }),
            () => intruder.GetAsync($"/v3/services/{s.ServiceId}"),
            () => intruder.GetAsync($"/v3/users/{s.UserId}"),
        };
        foreach (var attempt in attempts)
        {
            await (await attempt()).AssertIncidentErrorAsync(404);
        }
        await (await intruder.PutAsJsonAsync("/v3/incidents/priority", new { incident_ids = new[] { id }, priority = "P1" })).AssertIncidentErrorAsync(422, "incident_ids");
        var export = await (await intruder.GetAsync("/v3/incidents/export")).ReadJsonAsync();
        Assert.Empty(export["data"]!.AsArray());
        Assert.DoesNotContain(id, await (await intruder.GetAsync("/v3/incidents/export?type=csv")).Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var status = await (await intruder.PostAsJsonAsync("/v3/requests/status", new { request_ids = new[] { requestId } })).ReadJsonAsync();
        Assert.Equal("error", status["data"]![requestId]!["status"]!.GetValue<string>());
        Assert.Empty((await (await intruder.GetAsync("/v3/services")).ReadJsonAsync())["data"]!.AsArray());

        var incident = await IncidentTestKit.IncidentAsync(s.Owner, id);
        Assert.Equal("triggered", incident["status"]!.GetValue<string>());
        Assert.Empty(incident["tags"]!.AsObject());
        Assert.Single(incident["logs"]!.AsArray());
    }

    [Fact]
    public async Task ABodyNamingAFieldTwiceIsABadRequest()
    {
        using var s = await SetupAsync();
        var response = await s.Owner.PutAsync($"/v3/services/{s.ServiceId}", JsonApiAssertions.Json("""{"name":"a","name":"b"}"""));
        await response.AssertIncidentErrorAsync(400);
    }

    [Fact]
    public async Task AFieldHoldingALoneSurrogateIsRefusedNamingIt()
    {
        using var s = await SetupAsync();
        var response = await s.Owner.PutAsync($"/v3/services/{s.ServiceId}", JsonApiAssertions.Json("""{"name":"\ud800","message":"\udfff"}"""));
        var error = await response.AssertIncidentErrorAsync(422);
        Assert.Contains("name", error.ToJsonString(), StringComparison.Ordinal);
    }
}
