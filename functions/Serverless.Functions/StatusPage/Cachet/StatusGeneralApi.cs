using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.StatusPage.Notifications;

namespace Serverless.Functions.StatusPage.Cachet;

/// <summary>Ping, version and the system status (spec §3.1: G-1..G-3).</summary>
public static class StatusGeneralApi
{
    /// <summary>The Cachet release this API is compatible with.</summary>
    public const string CachetVersion = "2.4.1";

    public static void MapStatusGeneral(this RouteGroupBuilder api)
    {
        api.MapGet("/ping", (CachetPage page) => CachetResults.Item("Pong!"));
        // Nothing here reaches GitHub, so the latest release is the one we are compatible with (spec G-2).
        api.MapGet("/version", (CachetPage page) => CachetResults.Item(CachetVersion, new JsonObject
        {
            ["on_latest"] = true,
            ["latest"] = new JsonObject { ["tag_name"] = "v" + CachetVersion, ["prelease"] = false, ["draft"] = false },
        }));
        api.MapGet("/status", GetStatus);
    }

    /// <summary>G-3, cacheable for 30 seconds (Cachet's header puts an epoch in max-age; spec §7 item 12).</summary>
    public static async Task<JsonHttpResult<JsonObject>> GetStatus(CachetPage page, HttpResponse response, StatusItemStore store, CancellationToken cancellationToken)
    {
        var status = await SystemStatus.OfAsync(store, page.PageId, page.IsAuthenticated, cancellationToken);
        response.Headers.CacheControl = "public,max-age=30";
        return CachetResults.Item(new JsonObject { ["status"] = status.Level, ["message"] = status.Message });
    }
}

/// <summary>The system status banner (spec G-3), shared by the API and the HTML page.</summary>
public sealed record SystemStatus(string Level, string Message)
{
    private const double MajorOutageRate = 50;

    public static async Task<SystemStatus> OfAsync(StatusItemStore store, string pageId, bool authenticated, CancellationToken cancellationToken) =>
        await OfAsync(await store.ListAsync<StatusGroup>(pageId, cancellationToken), await store.ListAsync<StatusComponent>(pageId, cancellationToken),
            authenticated, async () => AnyUnresolved(await store.ListAsync<StatusIncident>(pageId, cancellationToken),
                (await store.ListAsync<StatusIncidentUpdate>(pageId, cancellationToken)).ToLookup(u => u.IncidentId)));

    /// <summary>
    /// From items already read. <paramref name="anyUnresolved"/> is asked only when every counted component is
    /// operational, so the API's status read fetches incidents only then.
    /// </summary>
    public static async Task<SystemStatus> OfAsync(IEnumerable<StatusGroup> groups, IEnumerable<StatusComponent> components, bool authenticated,
        Func<Task<bool>> anyUnresolved)
    {
        var visible = groups.ToDictionary(g => g.Id, g => g.Visible == 1);
        // Guests do not count components of groups only signed-in users see.
        var counted = components.Where(c => c.Enabled && (authenticated || c.GroupId == 0 || visible.GetValueOrDefault(c.GroupId, true))).ToList();
        var plural = counted.Count > 1;
        if (counted.Count > 0 && counted.Count(c => c.Status == 4) * 100.0 / counted.Count >= MajorOutageRate)
        {
            return new("danger", plural ? "Some systems are experiencing major issues" : "The system is experiencing major issues");
        }
        if (counted.All(c => c.Status == 1) && !await anyUnresolved())
        {
            return new("success", plural ? "All systems are operational" : "System operational");
        }
        return new("info", plural ? "Some systems are experiencing issues" : "The system is experiencing issues");
    }

    /// <summary>Whether any incident, visible or not, is still open by its newest update (or its own status).</summary>
    public static bool AnyUnresolved(IEnumerable<StatusIncident> incidents, ILookup<int, StatusIncidentUpdate> updates) =>
        incidents.Any(i => i.Status != 4 && (updates[i.Id].MaxBy(u => u.Id)?.Status ?? i.Status) != 4);
}

/// <summary>Subscribers and subscriptions (spec §3.10: SB-1..SB-3, SS-1).</summary>
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
    public static async Task<JsonHttpResult<JsonObject>> ListSubscribers(CachetPage page, HttpRequest request, StatusItemStore store, CancellationToken cancellationToken)
    {
        page.RequireAuthenticated();
        var input = await CachetInput.ReadAsync(request, cancellationToken);
        var subscriptions = await store.ListAsync<StatusSubscription>(page.PageId, cancellationToken);
        var subscribers = await store.ListAsync<StatusSubscriber>(page.PageId, cancellationToken);
        return CachetResults.List(request, input, subscribers.Select(s => CachetPresenters.Subscriber(s, subscriptions, page.Clock)), CachetResults.ListRules.None);
    }

    /// <summary>SB-2: an existing e-mail returns its subscriber unchanged; otherwise <c>verify</c> or a verification e-mail.</summary>
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
    public static async Task<NoContent> DeleteSubscriber(string id, CachetPage page, StatusItemStore store, CancellationToken cancellationToken)
    {
        var subscriber = await StatusComponentsApi.FindAsync<StatusSubscriber>(store, page, id, cancellationToken);
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

    public static async Task<NoContent> DeleteSubscription(string id, CachetPage page, StatusItemStore store, CancellationToken cancellationToken)
    {
        await store.DeleteAsync(await StatusComponentsApi.FindAsync<StatusSubscription>(store, page, id, cancellationToken), cancellationToken);
        return TypedResults.NoContent();
    }
}
