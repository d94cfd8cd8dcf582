using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests.Incidents;

/// <summary>The app with Slack configured to a Slack Web API stood in on loopback, which records what it is sent.</summary>
public sealed class SlackFixture : ApiFixture
{
    public const string BotToken = "xoxb-test-token";

    public ConcurrentQueue<(string Method, string? Authorization, JsonObject Body)> Calls { get; } = new();

    public LocalHttpServer Slack { get; }

    public SlackFixture() => Slack = LocalHttpServer.StartAsync(app =>
    {
        app.MapPost("/api/{method}", async (string method, HttpRequest request) =>
        {
            var body = (await JsonNode.ParseAsync(request.Body))!.AsObject();
            Calls.Enqueue((method, request.Headers.Authorization.ToString(), body));
            return method switch
            {
                "conversations.create" when body["name"]?.ToString() == "taken" => Results.Json(new { ok = false, error = "name_taken" }),
                "conversations.create" => Results.Json(new { ok = true, channel = new { id = "C" + body["name"]!.ToString().Length, name = body["name"]!.ToString() } }),
                "conversations.archive" => Results.Json(new { ok = true }),
                _ => Results.Json(new { ok = false, error = "unknown_method" }),
            };
        });
    }).GetAwaiter().GetResult();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("SLACK_API_BASE_URL", new Uri(Slack.Url, "/api").ToString());
        builder.UseSetting("SLACK_BOT_TOKEN", BotToken);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Slack.DisposeAsync();
    }
}

/// <summary>Slack channels as communication cards, against a stand-in Slack.</summary>
public sealed class SlackChannelsTests(SlackFixture api) : IClassFixture<SlackFixture>
{
    [Fact]
    public async Task CreatingAChannelCallsSlackWithTheBotTokenAndAddsACardThatArchivingStamps()
    {
        var org = await api.CreateOrganizationAsync();
        using var owner = await api.IncidentClientAsync(org.OwnerKey);
        var (_, key) = await IncidentTestKit.CreateServiceAsync(owner);
        var incidentId = await api.RaiseAsync(owner, key, new { message = "Search is slow" });

        var card = (await (await owner.PostAsJsonAsync("/v3/extensions/slack/channel", new { channel_name = "inc-search", incident_id = incidentId })).ReadJsonAsync())["data"]!;
        var create = Assert.Single(api.Calls, c => c.Method == "conversations.create" && c.Body["name"]!.ToString() == "inc-search");
        Assert.Equal($"Bearer {SlackFixture.BotToken}", create.Authorization);
        Assert.Equal("C10", card["channel_id"]!.GetValue<string>());
        Assert.Equal("chat_room", card["type"]!.GetValue<string>());
        Assert.Equal("#inc-search", card["title"]!.GetValue<string>());
        Assert.Null(card["archived_at"]);
        var cards = await (await owner.GetAsync($"/v3/incidents/{incidentId}/communication_cards")).ReadJsonAsync();
        Assert.Equal("C10", Assert.Single(cards["data"]!.AsArray())!["channel_id"]!.GetValue<string>());

        // Another organization cannot archive this one's channel, nor open a channel on its incident.
        var other = await api.CreateOrganizationAsync();
        using var intruder = await api.IncidentClientAsync(other.OwnerKey);
        await (await intruder.PostAsJsonAsync("/v3/extensions/slack_v2/channel/archive", new { slack_channel_id = "C10" })).AssertIncidentErrorAsync(422, "slack_channel_id");
        await (await intruder.PostAsJsonAsync("/v3/extensions/slack_v2/channel", new { channel_name = "spy", incident_id = incidentId })).AssertIncidentErrorAsync(422, "incident_id");
        Assert.DoesNotContain(api.Calls, c => c.Body["name"]?.ToString() == "spy" || c.Method == "conversations.archive");

        var archived = (await (await owner.PostAsJsonAsync("/v3/extensions/slack_v2/channel/archive", new { slack_channel_id = "C10" })).ReadJsonAsync())["data"]!;
        Assert.NotNull(archived["archived_at"]);
        Assert.Equal("C10", Assert.Single(api.Calls, c => c.Method == "conversations.archive").Body["channel"]!.ToString());
    }

    [Fact]
    public async Task SlacksRefusalIsA502NamingItAndBadChannelNamesNeverReachSlack()
    {
        var org = await api.CreateOrganizationAsync();
        using var owner = await api.IncidentClientAsync(org.OwnerKey);
        var (_, key) = await IncidentTestKit.CreateServiceAsync(owner);
        var incidentId = await api.RaiseAsync(owner, key, new { message = "Taken" });
        var refused = await (await owner.PostAsJsonAsync("/v3/extensions/slack/channel", new { channel_name = "taken", incident_id = incidentId })).AssertIncidentErrorAsync(502);
        Assert.Contains("name_taken", refused["meta"]!["error_message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty((await (await owner.GetAsync($"/v3/incidents/{incidentId}/communication_cards")).ReadJsonAsync())["data"]!.AsArray());
        var calls = api.Calls.Count;
        await (await owner.PostAsJsonAsync("/v3/extensions/slack/channel", new { channel_name = "Bad Name!", incident_id = incidentId })).AssertIncidentErrorAsync(422, "channel_name");
        await (await owner.PostAsJsonAsync("/v3/extensions/slack/channel", new { channel_name = "ok" })).AssertIncidentErrorAsync(422, "incident_id");
        await (await owner.PostAsJsonAsync("/v3/extensions/slack/channel/archive", new { })).AssertIncidentErrorAsync(422, "slack_channel_id");
        Assert.Equal(calls, api.Calls.Count);
    }
}
