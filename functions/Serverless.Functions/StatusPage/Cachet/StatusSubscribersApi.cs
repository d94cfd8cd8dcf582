using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Hosting;
using Serverless.Functions.StatusPage.Notifications;

namespace Serverless.Functions.StatusPage.Cachet;

/// <summary>Subscribers and subscriptions (SB-1..SB-3, SS-1).</summary>
public static class StatusSubscribersApi
{
    public static void MapStatusSubscribers(this RouteGroupBuilder api)
    {
        api.MapGet("/subscribers", ListSubscribers).WithMetadata(StatusPageCache.NotAView);
        api.MapPost("/subscribers", CreateSubscriber);
        api.MapDelete("/subscribers/{id}", DeleteSubscriber);
        api.MapDelete("/subscriptions/{id}", DeleteSubscription);
    }

    /// <summary>SB-1: the one read that needs a key.</summary>
    [EndpointId("SB-1")]
    public static async Task<JsonHttpResult<JsonObject>> ListSubscribers(CachetPage page, HttpRequest request, StatusItemStore store, CancellationToken cancellationToken)
    {
        page.RequireAuthenticated();
        var input = await CachetInput.ReadAsync(request, cancellationToken);
        var subscriptions = await store.ListAsync<StatusSubscription>(page.PageId, cancellationToken);
        var subscribers = await store.ListAsync<StatusSubscriber>(page.PageId, cancellationToken);
        return CachetResults.List(request, input, subscribers.Select(s => CachetPresenters.Subscriber(s, subscriptions, page.Clock)), CachetResults.ListRules.None);
    }

    /// <summary>SB-2: an existing e-mail returns its subscriber unchanged; otherwise <c>verify</c> or a verification e-mail.</summary>
    [EndpointId("SB-2")]
    public static async Task<JsonHttpResult<JsonObject>> CreateSubscriber(CachetPage page, HttpRequest request, StatusItemStore store,
        StatusSubscriptions subscriptions, StatusNotifier notifier, CancellationToken cancellationToken)
    {
        var input = await CachetInput.ReadAsync(request, cancellationToken);
        var rules = new CachetRules(input);
        var email = rules.Email("email", required: true);
        var verify = rules.Bool("verify") ?? false;
        var components = rules.Array("components");
        rules.ThrowIfAny();
        IEnumerable<JsonNode?> named = components switch { JsonArray list => list, JsonObject map => map.Select(p => p.Value), _ => [] };
        var componentIds = named.OfType<JsonValue>().Select(v => int.TryParse(CachetInput.Scalar(v), out var id) ? id : 0).ToList();
        var (subscriber, created) = await subscriptions.SubscribeAsync(page.Page, email!, componentIds, verify, page.Clock.Now, cancellationToken);
        if (created && subscriber.VerifiedAt is null)
        {
            await notifier.VerificationAsync(page.Page, subscriber, page.BaseUrl, cancellationToken);
        }
        return CachetResults.Item(CachetPresenters.Subscriber(subscriber, await store.ListAsync<StatusSubscription>(page.PageId, cancellationToken), page.Clock));
    }

    /// <summary>SB-3: the subscriber and its subscriptions, for good.</summary>
    [EndpointId("SB-3")]
    public static async Task<NoContent> DeleteSubscriber(string id, CachetPage page, StatusItemStore store, StatusSubscriptions subscriptions,
        CancellationToken cancellationToken)
    {
        await subscriptions.UnsubscribeAsync(await page.FindAsync<StatusSubscriber>(store, id, cancellationToken), cancellationToken);
        return TypedResults.NoContent();
    }

    [EndpointId("SS-1")]
    public static async Task<NoContent> DeleteSubscription(string id, CachetPage page, StatusItemStore store, CancellationToken cancellationToken)
    {
        await store.DeleteAsync(await page.FindAsync<StatusSubscription>(store, id, cancellationToken), cancellationToken);
        return TypedResults.NoContent();
    }
}
