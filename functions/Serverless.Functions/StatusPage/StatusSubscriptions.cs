using System.Security.Cryptography;

namespace Serverless.Functions.StatusPage;

/// <summary>Who hears of a page's incidents: subscribing, confirming and unsubscribing, for the Cachet API and the public page alike.</summary>
public sealed class StatusSubscriptions(StatusItemStore store)
{
    /// <summary>
    /// Adds a subscriber with one subscription per named component that exists (every component when none is named),
    /// unless one with that e-mail exists already, which is returned as it is.
    /// </summary>
    public async Task<(StatusSubscriber Subscriber, bool Created)> SubscribeAsync(StatusPageEntity page, string email,
        IReadOnlyCollection<int> componentIds, bool verified, DateTimeOffset now, CancellationToken cancellationToken = default)
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

    /// <summary>The subscriber whose mailed links carry this code, if any.</summary>
    public async Task<StatusSubscriber?> FindByCodeAsync(string pageId, string code, CancellationToken cancellationToken = default) =>
        (await store.ListAsync<StatusSubscriber>(pageId, cancellationToken)).FirstOrDefault(s => s.VerifyCode == code);

    /// <summary>Confirms the subscriber's address; confirming again keeps the first time.</summary>
    public Task VerifyAsync(StatusSubscriber subscriber, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        store.MutateAsync<StatusSubscriber>(subscriber.PartitionKey, subscriber.Id, s => s.VerifiedAt ??= now, cancellationToken);

    /// <summary>The subscriber and its subscriptions, for good.</summary>
    public async Task UnsubscribeAsync(StatusSubscriber subscriber, CancellationToken cancellationToken = default)
    {
        foreach (var subscription in (await store.ListAsync<StatusSubscription>(subscriber.PartitionKey, cancellationToken)).Where(s => s.SubscriberId == subscriber.Id))
        {
            await store.DeleteAsync(subscription, cancellationToken);
        }
        await store.DeleteAsync(subscriber, cancellationToken);
    }
}
