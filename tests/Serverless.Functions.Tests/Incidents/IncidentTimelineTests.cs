using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Hosting;
using Serverless.Functions.Identity;
using Serverless.Functions.Storage;
using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests.Incidents;

/// <summary>The app with the per-key limit out of the way: these tests post hundreds of notes with one key on purpose.</summary>
public sealed class TimelineFixture : ApiFixture
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("RATE_LIMIT_PER_KEY", "1000000");
    }
}

/// <summary>
/// An incident's timeline as rows of its own (docs/decisions/0031): it takes any number of notes, notes racing on one
/// incident all land, and the timelines of incidents written before keep reading.
/// </summary>
public sealed class IncidentTimelineTests(TimelineFixture api) : IClassFixture<TimelineFixture>
{
    private async Task<(TestOrganization Org, HttpClient Owner, string ServiceKey, string IncidentId)> SetupAsync()
    {
        var org = await api.CreateOrganizationAsync();
        var owner = await api.IncidentClientAsync(org.OwnerKey);
        var (_, key) = await IncidentTestKit.CreateServiceAsync(owner);
        var incident = await api.RaiseAsync(owner, key, new { message = "Checkout fails" });
        return (org, owner, key, incident);
    }

    private static List<string> Actions(JsonObject incident) => incident["logs"]!.AsArray().Select(l => l!["action"]!.GetValue<string>()).ToList();

    private static async Task<List<string>> NoteMessagesAsync(HttpClient client, string incidentId) =>
        (await (await client.GetAsync($"/v3/incidents/{incidentId}/warroom")).ReadJsonAsync())["data"]!.AsArray()
        .Select(n => n!["message"]!.GetValue<string>()).ToList();

    [Fact]
    public async Task AnIncidentTakesFiveHundredNotesAndItsTimelineKeepsThemInOrder()
    {
        var (_, owner, _, id) = await SetupAsync();
        using (owner)
        {
            for (var i = 0; i < 500; i++)
            {
                var created = await owner.PostAsJsonAsync($"/v3/incidents/{id}/warroom", new { message = $"Note {i}" });
                Assert.Equal($"Note {i}", (await created.ReadJsonAsync(201))["data"]!["message"]!.GetValue<string>());
                // A change of the incident itself every hundred notes, so that the order of the two kinds shows.
                if (i % 100 == 99)
                {
                    await (await owner.PatchAsJsonAsync($"/v3/incidents/{id}/priority", new { priority = $"P{(i / 100) + 1}" })).ReadJsonAsync();
                }
            }

            var incident = await IncidentTestKit.IncidentAsync(owner, id);
            List<string> hundredNotesThenPriority = [.. Enumerable.Repeat("notes_added", 100), "priority_updated"];
            Assert.Equal(["triggered", .. Enumerable.Repeat(hundredNotesThenPriority, 5).SelectMany(a => a)], Actions(incident));
            Assert.Equal(["P1", "P2", "P3", "P4", "P5"], incident["logs"]!.AsArray().Where(l => l!["action"]!.GetValue<string>() == "priority_updated")
                .Select(l => l!["additionalInfo"]!["to"]!.GetValue<string>()));
            var times = incident["logs"]!.AsArray().Select(l => l!["time"]!.GetValue<DateTimeOffset>()).ToList();
            Assert.Equal(times.Order(), times);
            Assert.Equal(times[^1], incident["updated_at"]!.GetValue<DateTimeOffset>());
            Assert.Equal(Enumerable.Range(0, 500).Select(i => $"Note {i}"), await NoteMessagesAsync(owner, id));
        }
    }

    [Fact]
    public async Task SixtyFourNotesPostedAtOnceToOneIncidentAllAnswer201AndEachAppearsOnce()
    {
        var (org, owner, _, id) = await SetupAsync();
        using (owner)
        {
            var before = await owner.GetAsync($"/v3/incidents/{id}");
            var etag = before.Headers.ETag!.ToString();

            var statuses = await Task.WhenAll(Enumerable.Range(0, 64).Select(async i =>
                (int)(await owner.PostAsJsonAsync($"/v3/incidents/{id}/warroom", new { message = $"Racing note {i}" })).StatusCode));

            Assert.All(statuses, s => Assert.Equal(201, s));
            var messages = await NoteMessagesAsync(owner, id);
            Assert.Equal(Enumerable.Range(0, 64).Select(i => $"Racing note {i}").Order(StringComparer.Ordinal), messages.Order(StringComparer.Ordinal));
            var after = await owner.GetAsync($"/v3/incidents/{id}");
            var incident = (await after.ReadJsonAsync())["data"]!.AsObject();
            Assert.Equal(["triggered", .. Enumerable.Repeat("notes_added", 64)], Actions(incident));
            Assert.Equal(65, incident["logs"]!.AsArray().Select(l => l!["id"]!.GetValue<string>()).Distinct().Count());
            // The notes raced with nothing: none of them wrote the incident's row, whose validator is as it was.
            Assert.Equal(etag, after.Headers.ETag!.ToString());
            var row = (await api.Storage.Table(StorageLayout.Tables.Incidents).GetEntityAsync<TableEntity>(org.Id, id)).Value;
            Assert.False(row.ContainsKey("Logs"), "A new incident keeps its timeline in rows, not in its Logs columns.");
        }
    }

    [Fact]
    public async Task CardsAndPostmortemsLandOnTheTimelineWithoutRewritingTheIncident()
    {
        var (_, owner, _, id) = await SetupAsync();
        using (owner)
        {
            var before = await owner.GetAsync($"/v3/incidents/{id}");
            var etag = before.Headers.ETag!.ToString();

            await (await owner.PostAsJsonAsync($"/v3/incidents/{id}/communication_cards", new { type = "video_conference", url = "https://meet.example.com/x", title = "Bridge" }))
                .ReadJsonAsync();
            await (await owner.PostAsJsonAsync($"/v3/incidents/{id}/postmortem", new { title = "Checkout", postmortem = "A bad deploy." })).ReadJsonAsync(201);

            var after = await owner.GetAsync($"/v3/incidents/{id}");
            var incident = (await after.ReadJsonAsync())["data"]!.AsObject();
            Assert.Equal(["triggered", "communication_card_added", "postmortem_created"], Actions(incident));
            Assert.Equal("Bridge", incident["logs"]![1]!["reason"]!.GetValue<string>());
            Assert.True(incident["logs"]![1]!["is_manually_created"]!.GetValue<bool>());
            // updated_at still follows what was done beside the incident, as when each entry rewrote the row.
            Assert.Equal(incident["logs"]![2]!["time"]!.GetValue<DateTimeOffset>(), incident["updated_at"]!.GetValue<DateTimeOffset>());
            Assert.Equal(etag, after.Headers.ETag!.ToString());
        }
    }

    [Fact]
    public async Task AnIncidentWrittenWithItsTimelineInColumnsStillReadsAndGoesOnInRows()
    {
        var org = await api.CreateOrganizationAsync();
        using var owner = await api.IncidentClientAsync(org.OwnerKey);
        var (serviceId, _) = await IncidentTestKit.CreateServiceAsync(owner);
        var created = DateTimeOffset.UtcNow.AddHours(-1);
        var id = Ids.New(TimeProvider.System);
        // The row as the code before timeline rows wrote it: the timeline's JSON cut across Logs and Logs2.
        const string Json = """
            [{"action":"triggered","time":"2026-01-05T10:00:00+00:00","reason":"Alert from api","assignedTo":null,"assignedBy":"alert:api","id":"695b8c2000000000000000a1","created_by":"alert:api","updated_by":"","is_manually_created":false,"workflow_id":"","additionalInfo":null,"type":"","should_show_in_postmortem":true},{"action":"notes_added","time":"2026-01-05T10:05:00+00:00","reason":"","assignedTo":null,"assignedBy":"u1","id":"695b8d4c00000000000000a2","created_by":"u1","updated_by":"u1","is_manually_created":true,"workflow_id":"","additionalInfo":null,"type":"","should_show_in_postmortem":true}]
            """;
        await api.Storage.Table(StorageLayout.Tables.Incidents).AddEntityAsync(new TableEntity(org.Id, id)
        {
            ["Number"] = 1, ["ServiceId"] = serviceId, ["AlertSource"] = "api", ["Message"] = "Old disk alert", ["Description"] = "", ["Status"] = "triggered",
            ["Priority"] = "", ["EventId"] = "", ["EventCount"] = 1, ["CreatedBy"] = "alert:api", ["Created"] = created, ["Updated"] = created,
            ["AssignedTo"] = "[]", ["Tags"] = "{}", ["Logs"] = Json[..400], ["Logs2"] = Json[400..], ["Revision"] = 2L,
        });
        // And a note as it was kept then, in IncidentNotes under the incident's id.
        var noteId = Ids.New(TimeProvider.System);
        await api.Storage.Table(StorageLayout.Tables.IncidentNotes).AddEntityAsync(new TableEntity(id, noteId)
        {
            ["TenantId"] = org.Id, ["UserId"] = org.OwnerId, ["Message"] = "Disk at 91%", ["Attachments"] = "[]", ["Type"] = "message",
            ["Created"] = created, ["Updated"] = created,
        });

        var old = await IncidentTestKit.IncidentAsync(owner, id);
        Assert.Equal(["triggered", "notes_added"], Actions(old));
        Assert.Equal(["695b8c2000000000000000a1", "695b8d4c00000000000000a2"], old["logs"]!.AsArray().Select(l => l!["id"]!.GetValue<string>()));
        Assert.Equal("Alert from api", old["logs"]![0]!["reason"]!.GetValue<string>());

        await (await owner.PostAsJsonAsync($"/v3/incidents/{id}/acknowledge", new { })).ReadJsonAsync();
        await (await owner.PostAsJsonAsync($"/v3/incidents/{id}/warroom", new { message = "Disk cleaned" })).ReadJsonAsync(201);
        Assert.Equal(["Disk at 91%", "Disk cleaned"], await NoteMessagesAsync(owner, id));
        var changed = await (await owner.PutAsJsonAsync($"/v3/incidents/{id}/warroom/{noteId}", new { message = "Disk at 92%" })).ReadJsonAsync();
        Assert.Equal(noteId, changed["data"]!["id"]!.GetValue<string>());
        Assert.Equal(id, changed["data"]!["incident_id"]!.GetValue<string>());
        Assert.Equal(204, (int)(await owner.DeleteAsync($"/v3/incidents/{id}/warroom/{noteId}")).StatusCode);

        var now = await IncidentTestKit.IncidentAsync(owner, id);
        Assert.Equal(["triggered", "notes_added", "acknowledged", "notes_added", "notes_updated", "notes_deleted"], Actions(now));
        Assert.Equal("acknowledged", now["status"]!.GetValue<string>());
        Assert.Equal(["Disk cleaned"], await NoteMessagesAsync(owner, id));
        var export = await (await owner.GetAsync("/v3/incidents/export?type=json")).ReadJsonAsync();
        Assert.Equal(Actions(now), Actions(Assert.Single(export["data"]!.AsArray())!.AsObject()));
    }

    [Fact]
    public async Task ExportGivesEachIncidentItsOwnTimeline()
    {
        var (_, owner, key, first) = await SetupAsync();
        using (owner)
        {
            var second = await api.RaiseAsync(owner, key, new { message = "Search slow" });
            var third = await api.RaiseAsync(owner, key, new { message = "Mail queue stuck" });
            await (await owner.PostAsJsonAsync($"/v3/incidents/{first}/warroom", new { message = "On it" })).ReadJsonAsync(201);
            await (await owner.PostAsJsonAsync($"/v3/incidents/{second}/acknowledge", new { })).ReadJsonAsync();
            await (await owner.PostAsJsonAsync($"/v3/incidents/{third}/resolve", new { })).ReadJsonAsync();

            var all = (await (await owner.GetAsync("/v3/incidents/export?type=json")).ReadJsonAsync())["data"]!.AsArray();
            Assert.Equal([first, second, third], all.Select(i => i!["id"]!.GetValue<string>()));
            Assert.Equal(["triggered notes_added", "triggered acknowledged", "triggered resolved"], all.Select(i => string.Join(' ', Actions(i!.AsObject()))));
            // Only the first and the third: the second's rows lie between theirs and must be left out.
            var some = (await (await owner.GetAsync("/v3/incidents/export?type=json&status=triggered,resolved")).ReadJsonAsync())["data"]!.AsArray();
            Assert.Equal(["triggered notes_added", "triggered resolved"], some.Select(i => string.Join(' ', Actions(i!.AsObject()))));
        }
    }

    [Fact]
    public async Task AnotherOrganizationNeitherWritesNorReadsAnIncidentsNotesOrTimeline()
    {
        var (_, owner, _, id) = await SetupAsync();
        var other = await api.CreateOrganizationAsync();
        using var intruder = await api.IncidentClientAsync(other.OwnerKey);
        using (owner)
        {
            var note = (await (await owner.PostAsJsonAsync($"/v3/incidents/{id}/warroom", new { message = "Ours" })).ReadJsonAsync(201))["data"]!;
            var noteId = note["id"]!.GetValue<string>();

            await (await intruder.PostAsJsonAsync($"/v3/incidents/{id}/warroom", new { message = "Theirs" })).AssertIncidentErrorAsync(404);
            await (await intruder.GetAsync($"/v3/incidents/{id}/warroom")).AssertIncidentErrorAsync(404);
            await (await intruder.PutAsJsonAsync($"/v3/incidents/{id}/warroom/{noteId}", new { message = "Theirs" })).AssertIncidentErrorAsync(404);
            await (await intruder.DeleteAsync($"/v3/incidents/{id}/warroom/{noteId}")).AssertIncidentErrorAsync(404);
            await (await intruder.GetAsync($"/v3/incidents/{id}")).AssertIncidentErrorAsync(404);
            Assert.Empty((await (await intruder.GetAsync("/v3/incidents/export?type=json")).ReadJsonAsync())["data"]!.AsArray());

            Assert.Equal(["triggered", "notes_added"], Actions(await IncidentTestKit.IncidentAsync(owner, id)));
            Assert.Equal(["Ours"], await NoteMessagesAsync(owner, id));
            // Nothing was written in the other organization's partition either.
            var rows = await api.Storage.Table(StorageLayout.Tables.Incidents).ListAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {other.Id}"));
            Assert.Empty(rows);
        }
    }

    [Fact]
    public async Task ARefusedNoteLeavesNeitherANoteNorATimelineEntry()
    {
        var (_, owner, _, id) = await SetupAsync();
        using (owner)
        {
            await (await owner.PostAsJsonAsync($"/v3/incidents/{id}/warroom", new { message = "" })).AssertIncidentErrorAsync(422, "message");
            await (await owner.PostAsJsonAsync($"/v3/incidents/{id}/warroom", new { message = "Logs", attachments = new[] { "ftp://logs" } }))
                .AssertIncidentErrorAsync(422, "attachments");
            await (await owner.PostAsJsonAsync($"/v3/incidents/{id}/warroom", new { message = new string('x', 20_001) })).AssertIncidentErrorAsync(422, "message");
            await (await owner.PostAsJsonAsync("/v3/incidents/0123456789abcdef01234567/warroom", new { message = "Lost" })).AssertIncidentErrorAsync(404);
            await (await owner.PostAsJsonAsync("/v3/incidents/not-an-id/warroom", new { message = "Lost" })).AssertIncidentErrorAsync(404);
            await (await owner.PutAsJsonAsync($"/v3/incidents/{id}/warroom/not-an-id", new { message = "Lost" })).AssertIncidentErrorAsync(404);

            Assert.Equal(["triggered"], Actions(await IncidentTestKit.IncidentAsync(owner, id)));
            Assert.Empty(await NoteMessagesAsync(owner, id));
        }
    }
}
