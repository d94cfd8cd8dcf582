using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Errors;
using Serverless.Functions.Hosting;
using Serverless.Functions.Incidents.Access;
using Serverless.Functions.Incidents.Lifecycle;
using Serverless.Functions.Incidents.Wire;

namespace Serverless.Functions.Incidents.Cards;

/// <summary>
/// Communication cards (IM-34..IM-37, seed endpoint 8): links to where responders talk. Create answers 200 with an
/// integer id, as Squadcast's does; delete answers 200 with a sentence. Everyone reads; users write.
/// </summary>
public static class CardsApi
{
    public static readonly IReadOnlyList<string> Types = ["chat_room", "video_conference", "other"];

    public sealed record CardView(int Id, string IncidentId, string Type, string Title, string Url, string? ChannelId, DateTimeOffset CreatedAt,
        DateTimeOffset UpdatedAt, DateTimeOffset? DeletedAt, DateTimeOffset? ArchivedAt)
    {
        public static CardView From(CardEntity c) => new(c.Id, c.IncidentId, c.Type, c.Title, c.Url, c.ChannelId, c.Created, c.Updated, null, c.Archived);
    }

    public static void MapCardsApi(this RouteGroupBuilder incidents)
    {
        incidents.MapGet("/{incidentId}/communication_cards", ListCards);
        incidents.MapPost("/{incidentId}/communication_cards", CreateCard);
        incidents.MapPut("/{incidentId}/communication_cards/{cardId}", UpdateCard);
        incidents.MapDelete("/{incidentId}/communication_cards/{cardId}", DeleteCard);
    }

    [EndpointId("IM-34")]
    public static async Task<JsonHttpResult<DataEnvelope<List<CardView>>>> ListCards(string incidentId, IncidentCaller caller, IncidentStore incidents,
        CardStore cards, CancellationToken cancellationToken)
    {
        var incident = await IncidentsApi.FindAsync(incidents, caller, incidentId, cancellationToken);
        return IncidentResults.Data((await cards.ListAsync(incident.Id, cancellationToken)).Select(CardView.From).ToList());
    }

    /// <summary>IM-35: <c>{"type", "url", "title"}</c>, all required.</summary>
    [EndpointId("IM-35")]
    public static async Task<JsonHttpResult<DataEnvelope<CardView>>> CreateCard(string incidentId, HttpRequest request, IncidentCaller caller,
        IncidentStore incidents, CardStore cards, TimeProvider time, CancellationToken cancellationToken)
    {
        caller.Require(IncidentRoles.User);
        var (type, url, title) = await ReadAsync(request, cancellationToken);
        var incident = await IncidentsApi.FindAsync(incidents, caller, incidentId, cancellationToken);
        var card = await AddAsync(cards, incidents, caller, incident.Id, type, title, url, null, time, cancellationToken);
        return IncidentResults.Data(CardView.From(card));
    }

    [EndpointId("IM-36")]
    public static async Task<JsonHttpResult<DataEnvelope<CardView>>> UpdateCard(string incidentId, string cardId, HttpRequest request, IncidentCaller caller,
        IncidentStore incidents, CardStore cards, TimeProvider time, CancellationToken cancellationToken)
    {
        caller.Require(IncidentRoles.User);
        var (type, url, title) = await ReadAsync(request, cancellationToken);
        var card = await FindAsync(incidentId, cardId, caller, incidents, cards, cancellationToken);
        (card.Type, card.Url, card.Title, card.Updated) = (type, url, title, time.GetUtcNow());
        return IncidentResults.Data(CardView.From(await cards.UpdateAsync(card, cancellationToken)));
    }

    [EndpointId("IM-37")]
    public static async Task<JsonHttpResult<DataEnvelope<string>>> DeleteCard(string incidentId, string cardId, IncidentCaller caller, IncidentStore incidents,
        CardStore cards, CancellationToken cancellationToken)
    {
        caller.Require(IncidentRoles.User);
        await cards.DeleteAsync(await FindAsync(incidentId, cardId, caller, incidents, cards, cancellationToken), cancellationToken);
        return IncidentResults.Data("communication card deleted successfully");
    }

    /// <summary>Adds a card and records it on the incident's timeline.</summary>
    public static async Task<CardEntity> AddAsync(CardStore cards, IncidentStore incidents, IncidentCaller caller, string incidentId, string type, string title,
        string url, string? channelId, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var card = await cards.AddAsync(new CardEntity
        {
            PartitionKey = incidentId, TenantId = caller.TenantId, Type = type, Title = title, Url = url, ChannelId = channelId, Created = now, Updated = now,
        }, cancellationToken);
        await incidents.RecordAsync(caller.TenantId, incidentId, IncidentActions.Record("communication_card_added", now, caller.UserId, time, title),
            cancellationToken);
        return card;
    }

    private static async Task<(string Type, string Url, string Title)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var input = await IncidentInput.ReadAsync(request, cancellationToken);
        var type = input.OneOf("type", Types, required: true);
        var url = input.Text("url", required: true, max: 2048);
        input.Check(url is null || OutboundHttp.IsHttpUrl(url), "url", "'url' must be an http(s) URL.");
        var title = input.Text("title", required: true, max: 250);
        input.ThrowIfAny();
        return (type!, url!, title!);
    }

    private static async Task<CardEntity> FindAsync(string incidentId, string cardId, IncidentCaller caller, IncidentStore incidents, CardStore cards,
        CancellationToken cancellationToken)
    {
        var incident = await IncidentsApi.FindAsync(incidents, caller, incidentId, cancellationToken);
        return await cards.GetAsync(caller.TenantId, incident.Id, cardId, cancellationToken)
            ?? throw new ApiException(ApiError.NotFound("communication card", cardId, "communicationCardId") with { Code = "not_found" });
    }
}
