using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Hosting;
using Serverless.Functions.StatusPage.Notifications;

namespace Serverless.Functions.StatusPage.Cachet;

/// <summary>
/// Webhook and Slack subscribers (WH-1..WH-3, ours: Cachet mails only), managed by the page's admins (any key of its
/// tenant) in Cachet's dialect. A subscriber is stored only once a test delivery to its URL succeeds; a webhook's
/// signing secret is shown once, in the answer to its creation.
/// </summary>
public static class StatusWebhooksApi
{
    public static void MapStatusWebhooks(this RouteGroupBuilder api)
    {
        api.MapGet("/subscribers/webhooks", ListWebhooks).WithMetadata(StatusPageCache.NotAView);
        api.MapPost("/subscribers/webhooks", CreateWebhook);
        api.MapDelete("/subscribers/webhooks/{id}", DeleteWebhook);
    }

    [EndpointId("WH-1")]
    public static async Task<JsonHttpResult<JsonObject>> ListWebhooks(CachetPage page, HttpRequest request, StatusItemStore store, CancellationToken cancellationToken)
    {
        page.RequireAuthenticated();
        var input = await CachetInput.ReadAsync(request, cancellationToken);
        var all = await store.ListAsync<StatusWebhook>(page.PageId, cancellationToken);
        return CachetResults.List(request, input, all.Select(w => Present(w, page.Clock)), new CachetResults.ListRules(["type"], ["id", "type"]));
    }

    /// <summary>WH-2: <c>type</c> (webhook or slack), <c>url</c> (http or https), optional <c>components</c> (ids; none: all).</summary>
    [EndpointId("WH-2")]
    public static async Task<JsonHttpResult<JsonObject>> CreateWebhook(CachetPage page, HttpRequest request, StatusItemStore store, WebhookDelivery delivery,
        CancellationToken cancellationToken)
    {
        var input = await CachetInput.ReadAsync(request, cancellationToken);
        var rules = new CachetRules(input);
        var type = rules.String("type") ?? StatusWebhook.WebhookType;
        var url = rules.Url("url");
        if (url is null && !rules.Failed("url"))
        {
            rules.Fail("url", "The url field is required.");
        }
        if (type is not (StatusWebhook.WebhookType or StatusWebhook.SlackType))
        {
            rules.Fail("type", "The selected type is invalid: use webhook or slack.");
        }
        var components = rules.Array("components");
        rules.ThrowIfAny();
        var existing = (await store.ListAsync<StatusComponent>(page.PageId, cancellationToken)).Select(c => c.Id).ToHashSet();
        var named = (components as JsonArray ?? []).OfType<JsonValue>().Select(v => int.TryParse(CachetInput.Scalar(v), out var id) ? id : 0).ToList();
        if (named.Any(id => !existing.Contains(id)))
        {
            rules.Fail("components", "The components must be ids of this page's components.");
            rules.ThrowIfAny();
        }
        var (webhook, secret) = await delivery.SubscribeAsync(page.Page, page.BaseUrl, type, new Uri(url!), named, cancellationToken);
        var data = Present(webhook, page.Clock);
        data["secret"] = secret;
        return CachetResults.Item(data);
    }

    [EndpointId("WH-3")]
    public static async Task<NoContent> DeleteWebhook(string id, CachetPage page, StatusItemStore store, CancellationToken cancellationToken)
    {
        await store.DeleteAsync(await page.FindAsync<StatusWebhook>(store, id, cancellationToken), cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>The URL stays sealed: only its host shows, as the URL itself may carry a token (Slack's always does).</summary>
    private static JsonObject Present(StatusWebhook w, CachetClock clock) => new()
    {
        ["id"] = w.Id,
        ["type"] = w.Type,
        ["host"] = w.Host,
        ["components"] = new JsonArray([.. w.ComponentIds().Select(id => (JsonNode)id)]),
        ["verified_at"] = clock.Format(w.VerifiedAt),
        ["disabled_at"] = clock.Format(w.DisabledAt),
        ["failures"] = w.Failures,
        ["last_error"] = w.LastError,
        ["created_at"] = clock.Format(w.CreatedAt),
        ["updated_at"] = clock.Format(w.UpdatedAt),
    };
}
