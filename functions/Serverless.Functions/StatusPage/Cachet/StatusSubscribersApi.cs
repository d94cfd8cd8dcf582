using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.StatusPage.Notifications;
using Serverless.Functions.Hosting;

namespace Serverless.Functions.StatusPage.Cachet;

/// <summary>Subscribers and subscriptions (SB-1..SB-3, SS-1).</summary>
public static class StatusSubscribersApi
{
    public static void MapStatusSubscribers(this RouteGroupBuilder api)
    {
        api.MapGet("/subscribers", ListSubscribers);
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
        StatusNotifier notifier, CancellationToken cancellationToken)
    {
        var input = await CachetInput.ReadAsync(request, cancellationToken);
        var rules = new CachetRules(input);
        var email = rules.Email("email", required: true);
        var verify = rules.Bool("verify") ?? false;
        var components = rules.Array("components");
        rules.ThrowIfAny();
        IEnumerable<JsonNode?> named = components switch { JsonArray list => list, JsonObject map => map.Select(p => p.Value), _ => [] };
        var componentIds = named.OfType<JsonValue>().Select(v => int.TryParse(CachetInput.Scalar(v), out var id) ? id : 0).ToList();
        var (subscriber, created) = await SubscribeAsync(store, page.Page, email!, componentIds, verify, page.Clock.Now, cancellationToken);
        if (created && subscriber.VerifiedAt is null)
        {
            await notifier.VerificationAsync(page.Page, subscriber, page.BaseUrl, cancellationToken);
        }
        var subscriptions = await store.ListAsync<StatusSubscription>(page.PageId, cancellationToken);
        return CachetResults.Item(CachetPresenters.Subscriber(subscriber, subscriptions, page.Clock));
    }

    /// <summary>
    /// Adds a subscriber with one subscription per named component that exists (every component when none is named),
    /// unless one with that e-mail exists already, which is returned as it is.
    /// </summary>
    public static async Task<(StatusSubscriber Subscriber, bool Created)> SubscribeAsync(StatusItemStore store, StatusPageEntity page, string email,
        IReadOnlyCollection<int> componentIds, bool verified, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var existing = (await store.ListAsync<StatusSubscriber>(page.PageId, cancellationToken))
            .FirstOrDefault(s => string.Equals(s.Email, email, StringComparison.OrdinalIgnoreCase));
        if (existing is not null)
        {
            return (existing, false);
        }
        var components = (await store.ListAsync<StatusComponent>(page.PageId, cancellationToken)).Select(c => c.Id).ToList();
        var chosen = componentIds.Count == 0 ? components : components.Where(componentIds.Contains).ToList();
        var subscriber = await store.AddAsync(page.PageId, new StatusSubscriber
        {
            Email = email,
            VerifyCode = RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 42),
            Global = componentIds.Count == 0,
            VerifiedAt = verified ? now : null,
            CreatedAt = now,
            UpdatedAt = now,
        }, cancellationToken);
        foreach (var componentId in chosen.Order())
        {
            await store.AddAsync(page.PageId, new StatusSubscription { SubscriberId = subscriber.Id, ComponentId = componentId, CreatedAt = now, UpdatedAt = now },
                cancellationToken);
        }
        return (subscriber, true);
    }

    /// <summary>SB-3: the subscriber and its subscriptions, for good.</summary>
    [EndpointId("SB-3")]
    public static async Task<NoContent> DeleteSubscriber(string id, CachetPage page, StatusItemStore store, CancellationToken cancellationToken)
    {
        var subscriber = await page.FindAsync<StatusSubscriber>(store, id, cancellationToken);
        await UnsubscribeAsync(store, subscriber, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task UnsubscribeAsync(StatusItemStore store, StatusSubscriber subscriber, CancellationToken cancellationToken)
    {
        foreach (var subscription in (await store.ListAsync<StatusSubscription>(subscriber.PartitionKey, cancellationToken)).Where(s => s.SubscriberId == subscriber.Id))
        {
            await store.DeleteAsync(subscription, cancellationToken);
        }
        await store.DeleteAsync(subscriber, cancellationToken);
    }

    [EndpointId("SS-1")]
    public static async Task<NoContent> DeleteSubscription(string id, CachetPage page, StatusItemStore store, CancellationToken cancellationToken)
    {
        await store.DeleteAsync(await page.FindAsync<StatusSubscription>(store, id, cancellationToken), cancellationToken);
        return TypedResults.NoContent();
    }
}
