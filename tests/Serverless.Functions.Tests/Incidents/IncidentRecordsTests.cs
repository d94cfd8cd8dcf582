using System.Net.Http.Json;
using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests.Incidents;

/// <summary>What responders write beside an incident: war-room notes, communication cards, teams and postmortems.</summary>
public sealed class IncidentRecordsTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private async Task<(TestOrganization Org, HttpClient Owner, string IncidentId, string UserId, HttpClient User)> SetupAsync()
    {
        var org = await api.CreateOrganizationAsync();
        var owner = await api.IncidentClientAsync(org.OwnerKey);
        var (_, key) = await IncidentTestKit.CreateServiceAsync(owner);
        var incident = await api.RaiseAsync(owner, key, new { message = "Login errors" });
        var (userId, userKey) = await IncidentTestKit.AddUserAsync(owner, "user", api.Prefix);
        return (org, owner, incident, userId, await api.IncidentClientAsync(userKey));
    }

    [Fact]
    public async Task NotesAreWrittenChangedByTheirAuthorAndDeleted()
    {
        var (_, owner, id, userId, user) = await SetupAsync();
        using (owner)
        using (user)
        {
            var created = await user.PostAsJsonAsync($"/v3/incidents/{id}/warroom", new { message = "Looking at **auth** logs\n@team", attachments = new[] { "https://logs.example.com/1" } });
            var note = (await created.ReadJsonAsync(201))["data"]!;
            var noteId = note["id"]!.GetValue<string>();
            Assert.Equal(userId, note["user_id"]!.GetValue<string>());
            Assert.Equal(userId, note["user"]!["id"]!.GetValue<string>());
            Assert.Equal("message", note["type"]!.GetValue<string>());
            Assert.Equal("https://logs.example.com/1", note["attachments"]![0]!.GetValue<string>());

            var (_, otherKey) = await IncidentTestKit.AddUserAsync(owner, "user", api.Prefix);
            using var other = await api.IncidentClientAsync(otherKey);
            await (await other.PutAsJsonAsync($"/v3/incidents/{id}/warroom/{noteId}", new { message = "Mine now" })).AssertIncidentErrorAsync(403);
            await (await other.DeleteAsync($"/v3/incidents/{id}/warroom/{noteId}")).AssertIncidentErrorAsync(403);

            var updated = (await (await user.PutAsJsonAsync($"/v3/incidents/{id}/warroom/{noteId}", new { message = "Auth logs are clean" })).ReadJsonAsync())["data"]!;
            Assert.Equal("Auth logs are clean", updated["message"]!.GetValue<string>());
            await (await user.PostAsJsonAsync($"/v3/incidents/{id}/warroom", new { message = "", attachments = new[] { "javascript:alert(1)" } }))
                .AssertIncidentErrorAsync(422, "attachments");
            await (await user.PutAsJsonAsync($"/v3/incidents/{id}/warroom/{noteId}", new { attachments = 3 })).AssertIncidentErrorAsync(422, "message");
            var list = await (await owner.GetAsync($"/v3/incidents/{id}/warroom")).ReadJsonAsync();
            Assert.Equal("Auth logs are clean", Assert.Single(list["data"]!.AsArray())!["message"]!.GetValue<string>());

            Assert.Equal(204, (int)(await owner.DeleteAsync($"/v3/incidents/{id}/warroom/{noteId}")).StatusCode);
            await (await owner.DeleteAsync($"/v3/incidents/{id}/warroom/{noteId}")).AssertIncidentErrorAsync(404);
            var incident = await IncidentTestKit.IncidentAsync(owner, id);
            Assert.Equal(["triggered", "notes_added", "notes_updated", "notes_deleted"], incident["logs"]!.AsArray().Select(l => l!["action"]!.GetValue<string>()));
        }
    }

    [Fact]
    public async Task CommunicationCardsGetIntegerIdsAndAnswerAsSquadcastDoes()
    {
        var (org, owner, id, _, user) = await SetupAsync();
        using (owner)
        using (user)
        {
            var created = await user.PostAsJsonAsync($"/v3/incidents/{id}/communication_cards", new { type = "video_conference", url = "https://meet.example.com/abc", title = "Bridge" });
            var card = (await created.ReadJsonAsync(200))["data"]!;
            var cardId = card["id"]!.GetValue<int>();
            Assert.True(cardId > 0);
            Assert.Equal(id, card["incident_id"]!.GetValue<string>());
            Assert.Null(card["archived_at"]);
            Assert.Null(card["deleted_at"]);
            var second = (await (await user.PostAsJsonAsync($"/v3/incidents/{id}/communication_cards", new { type = "other", url = "https://docs.example.com", title = "Doc" }))
                .ReadJsonAsync())["data"]!;
            Assert.Equal(cardId + 1, second["id"]!.GetValue<int>());

            var updated = (await (await user.PutAsJsonAsync($"/v3/incidents/{id}/communication_cards/{cardId}", new { type = "chat_room", url = "https://chat.example.com", title = "Chat" }))
                .ReadJsonAsync())["data"]!;
            Assert.Equal("chat_room", updated["type"]!.GetValue<string>());
            var bad = await (await user.PutAsJsonAsync($"/v3/incidents/{id}/communication_cards/{cardId}", new { type = "carrier_pigeon", url = "ftp://x", title = "" }))
                .AssertIncidentErrorAsync(422);
            Assert.Equal(["title", "type", "url"], bad["errors"]!.AsArray().Select(e => e!["source"]!["field"]!.GetValue<string>()).Order(StringComparer.Ordinal));
            var deleted = await (await user.DeleteAsync($"/v3/incidents/{id}/communication_cards/{cardId}")).ReadJsonAsync();
            Assert.Equal("communication card deleted successfully", deleted["data"]!.GetValue<string>());
            await (await user.DeleteAsync($"/v3/incidents/{id}/communication_cards/{cardId}")).AssertIncidentErrorAsync(404);
            await (await user.GetAsync($"/v3/incidents/{id}/communication_cards/abc")).AssertIncidentErrorAsync(405);
            var list = await (await owner.GetAsync($"/v3/incidents/{id}/communication_cards")).ReadJsonAsync();
            Assert.Equal("Doc", Assert.Single(list["data"]!.AsArray())!["title"]!.GetValue<string>());
            // Slack is not configured in this app: the channel routes say so instead of failing.
            var slack = await (await user.PostAsJsonAsync("/v3/extensions/slack_v2/channel", new { channel_name = "inc-login", incident_id = id })).AssertIncidentErrorAsync(400);
            Assert.Equal("slack_not_configured", slack["errors"]![0]!["code"]!.GetValue<string>());
            _ = org;
        }
    }

    [Fact]
    public async Task APostmortemIsWrittenOncePerIncidentAndListedByTeamInSquadcastsWrapper()
    {
        var (org, owner, id, userId, user) = await SetupAsync();
        using (owner)
        using (user)
        {
            var team = (await (await owner.PostAsJsonAsync("/v3/teams", new { name = "SRE", description = "Site reliability", members_ids = new[] { userId } })).ReadJsonAsync(201))["data"]!;
            var teamId = team["id"]!.GetValue<string>();
            Assert.Equal(userId, team["members"]![0]!["user_id"]!.GetValue<string>());
            await (await owner.PostAsJsonAsync("/v3/teams", new { name = "Ghosts", member_ids = new[] { "0123456789abcdef01234567" } })).AssertIncidentErrorAsync(422, "member_ids");
            Assert.Equal(teamId, (await (await user.GetAsync($"/v3/teams/{teamId}")).ReadJsonAsync())["data"]!["id"]!.GetValue<string>());

            var created = await user.PostAsJsonAsync($"/v3/incidents/{id}/postmortem", new
            {
                title = "Login errors on Monday", postmortem = "## What happened\nA bad deploy.", status = "in_progress", owner_id = teamId,
                follow_ups = new[] { new { task = "Add a canary", is_done = false }, new { task = "Roll back faster", is_done = true } },
            });
            var postmortem = (await created.ReadJsonAsync(201))["data"]!;
            Assert.Equal("in_progress", postmortem["status"]!.GetValue<string>());
            Assert.Equal("team", postmortem["owner"]!["type"]!.GetValue<string>());
            Assert.Equal("Login errors", postmortem["incident"]!["message"]!.GetValue<string>());
            await (await user.PostAsJsonAsync($"/v3/incidents/{id}/postmortem", new { title = "Again", postmortem = "x" })).AssertIncidentErrorAsync(409);
            await (await user.PutAsJsonAsync($"/v3/incidents/{id}/postmortem", new { status = "done", follow_ups = new[] { new { is_done = true } } }))
                .AssertIncidentErrorAsync(422, "status");
            var published = (await (await user.PutAsJsonAsync($"/v3/incidents/{id}/postmortem", new { status = "published", new_attachments = new[] { "https://docs.example.com/pm" } }))
                .ReadJsonAsync())["data"]!;
            Assert.Equal("published", published["status"]!.GetValue<string>());
            Assert.Equal("https://docs.example.com/pm", published["attachments"]![0]!.GetValue<string>());
            Assert.Equal(2, published["follow_ups"]!.AsArray().Count);

            var from = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(-1).ToString("O"));
            var to = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(1).ToString("O"));
            var list = await (await owner.GetAsync($"/v3/incidents/postmortem?fromDate={from}&toDate={to}&owner_id={teamId}")).ReadJsonAsync();
            var page = Assert.Single(list["data"]!.AsArray())!;
            Assert.Equal(1, page["total_count"]![0]!["count"]!.GetValue<int>());
            var item = Assert.Single(page["result"]!.AsArray())!;
            Assert.Equal("Login errors", item["incident_message"]!.GetValue<string>());
            Assert.Equal(1, item["active_follow_ups_count"]!.GetValue<int>());
            var none = await (await owner.GetAsync("/v3/incidents/postmortem?owner_id=0123456789abcdef01234567")).ReadJsonAsync();
            Assert.Equal(0, none["data"]![0]!["total_count"]![0]!["count"]!.GetValue<int>());
            await (await owner.GetAsync("/v3/incidents/postmortem?fromDate=soon")).AssertIncidentErrorAsync(422, "fromDate");

            var deleted = await (await owner.DeleteAsync($"/v3/incidents/{id}/postmortem")).ReadJsonAsync();
            Assert.Equal("Login errors on Monday", deleted["data"]!["title"]!.GetValue<string>());
            await (await owner.GetAsync($"/v3/incidents/{id}/postmortem")).AssertIncidentErrorAsync(404);
            _ = org;
        }
    }
}
