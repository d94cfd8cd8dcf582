using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Errors;
using Serverless.Functions.Hosting;
using Serverless.Functions.Incidents.Access;
using Serverless.Functions.Incidents.Lifecycle;
using Serverless.Functions.Incidents.Wire;

namespace Serverless.Functions.Incidents.Cards;

/// <summary>
/// Slack channels as communication cards (IM-38, IM-39, seed endpoints 9 and 10), at both the 2022 paths
/// (<c>/v3/extensions/slack/channel</c>) and the current ones (<c>slack_v2</c>). Creating one calls Slack's
/// <c>conversations.create</c> and adds a <c>chat_room</c> card with its <c>channel_id</c>; archiving calls
/// <c>conversations.archive</c> and stamps the card's <c>archived_at</c>. Users and account owners only.
/// </summary>
public static partial class SlackChannelsApi
{
    public static void MapSlackChannelsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapIncidentGroup("IncidentExtensions", "/v3/extensions");
        foreach (var prefix in new[] { "/slack", "/slack_v2" })
        {
            group.MapPost(prefix + "/channel", CreateChannel);
            group.MapPost(prefix + "/channel/archive", ArchiveChannel);
        }
    }

    /// <summary>IM-38: <c>{"channel_name", "incident_id"}</c>.</summary>
    [EndpointId("IM-38")]
    public static async Task<JsonHttpResult<DataEnvelope<CardsApi.CardView>>> CreateChannel(HttpRequest request, IncidentCaller caller,
        IncidentStore incidents, CardStore cards, SlackClient slack, TimeProvider time, CancellationToken cancellationToken)
    {
        caller.Require(IncidentRoles.User);
        var input = await IncidentInput.ReadAsync(request, cancellationToken);
        var name = input.Text("channel_name", required: true, max: 80);
        input.Check(name is null || ChannelName().IsMatch(name), "channel_name", "'channel_name' is lowercase letters, digits, '-' and '_', at most 80.");
        var incidentId = input.Text("incident_id", required: true, max: 64);
        input.ThrowIfAny();
        var incident = await incidents.GetAsync(caller.TenantId, incidentId!, cancellationToken)
            ?? throw new ApiException(IncidentInput.Invalid("incident_id", $"No incident with id '{incidentId}' exists."));
        var channel = await slack.CreateChannelAsync(name!, cancellationToken);
        var card = await CardsApi.AddAsync(cards, incidents, caller, incident.Id, "chat_room", "#" + channel.Name,
            $"https://slack.com/app_redirect?channel={Uri.EscapeDataString(channel.Id)}", channel.Id, time, cancellationToken);
        return IncidentResults.Data(CardsApi.CardView.From(card));
    }

    /// <summary>IM-39: <c>{"slack_channel_id"}</c>, a channel one of this organization's cards holds.</summary>
    [EndpointId("IM-39")]
    public static async Task<JsonHttpResult<DataEnvelope<CardsApi.CardView>>> ArchiveChannel(HttpRequest request, IncidentCaller caller, CardStore cards,
        SlackClient slack, TimeProvider time, CancellationToken cancellationToken)
    {
        caller.Require(IncidentRoles.User);
        var input = await IncidentInput.ReadAsync(request, cancellationToken);
        var channelId = input.Text("slack_channel_id", required: true, max: 64);
        input.ThrowIfAny();
        var card = await cards.ByChannelAsync(caller.TenantId, channelId!, cancellationToken)
            ?? throw new ApiException(IncidentInput.Invalid("slack_channel_id", $"No communication card holds the Slack channel '{channelId}'."));
        await slack.ArchiveChannelAsync(card.ChannelId!, cancellationToken);
        card.Archived = card.Updated = time.GetUtcNow();
        return IncidentResults.Data(CardsApi.CardView.From(await cards.UpdateAsync(card, cancellationToken)));
    }

    [GeneratedRegex("^[a-z0-9_-]{1,80}$")]
    private static partial Regex ChannelName();
}
