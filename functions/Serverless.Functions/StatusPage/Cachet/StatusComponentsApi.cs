using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Hosting;
using Serverless.Functions.StatusPage.Notifications;
using Serverless.Functions.StatusPage.Uptime;
using Serverless.Functions.Storage;

namespace Serverless.Functions.StatusPage.Cachet;

/// <summary>Components (C-1..C-5).</summary>
public static class StatusComponentsApi
{
    private static readonly CachetResults.ListRules ComponentList = new(["id", "name", "status", "group_id", "enabled"], ["id", "name", "status", "order", "group_id", "enabled"]);

    public static void MapStatusComponents(this RouteGroupBuilder api)
    {
        api.MapGet("/components", ListComponents);
        api.MapGet("/components/{id}", GetComponent);
        api.MapPost("/components", CreateComponent);
        api.MapPut("/components/{id}", UpdateComponent);
        api.MapDelete("/components/{id}", DeleteComponent);
    }

    /// <summary>C-1: guests see enabled components only; <c>tags</c> matches any of the given slugs.</summary>
    [EndpointId("C-1")]
    public static async Task<JsonHttpResult<JsonObject>> ListComponents(CachetPage page, HttpRequest request, StatusItemStore store, CancellationToken cancellationToken)
    {
        var input = await CachetInput.ReadAsync(request, cancellationToken);
        var components = (await store.ListAsync<StatusComponent>(page.PageId, cancellationToken)).Where(c => page.IsAuthenticated || c.Enabled);
        if (input.Has("tags"))
        {
            var wanted = input.Raw("tags") is JsonArray list ? list.OfType<JsonValue>().Select(CachetInput.Scalar).ToHashSet() : [input.Text("tags")];
            components = components.Where(c => JsonText.Parse(c.Tags) is JsonObject tags && tags.Any(t => wanted.Contains(t.Key)));
        }
        return CachetResults.List(request, input, components.Select(c => CachetPresenters.Component(c, page.Clock)), ComponentList);
    }

    [EndpointId("C-2")]
    public static async Task<JsonHttpResult<JsonObject>> GetComponent(string id, CachetPage page, StatusItemStore store, HttpResponse response,
        CancellationToken cancellationToken)
    {
        var component = await page.FindAsync<StatusComponent>(store, id, cancellationToken);
        EntityTags.Set(response, component.ETag);
        return CachetResults.Item(CachetPresenters.Component(component, page.Clock));
    }

    [EndpointId("C-3")]
    public static async Task<JsonHttpResult<JsonObject>> CreateComponent(CachetPage page, HttpRequest request, StatusItemStore store,
        CancellationToken cancellationToken)
    {
        var input = await CachetInput.ReadAsync(request, cancellationToken);
        var component = new StatusComponent { CreatedAt = page.Clock.Now, UpdatedAt = page.Clock.Now };
        Apply(component, input, creating: true);
        component = await store.AddAsync(page.PageId, component, StatusCause.Api(page.User?.UserId), cancellationToken);
        return CachetResults.Item(CachetPresenters.Component(component, page.Clock));
    }

    /// <summary>
    /// C-4: omitted fields stay; a status change notifies subscribers unless <c>silent</c>. With <c>If-Match</c>, only over
    /// the version it names (412 otherwise); without it, over the component as it is when the write goes in.
    /// </summary>
    [EndpointId("C-4")]
    public static async Task<JsonHttpResult<JsonObject>> UpdateComponent(string id, CachetPage page, HttpRequest request, StatusItemStore store,
        StatusNotifier notifier, CancellationToken cancellationToken)
    {
        var ifMatch = EntityTags.IfMatchOf(request);
        var input = await CachetInput.ReadAsync(request, cancellationToken);
        var rules = new CachetRules(input);
        var silent = rules.Bool("silent") ?? false;
        rules.ThrowIfAny();
        var before = ComponentStatus.Unknown;
        var updated = await page.UpdateAsync<StatusComponent>(store, id, c =>
        {
            ifMatch?.Check(c.ETag);
            before = c.ComponentStatus;
            Apply(c, input, creating: false);
        }, cancellationToken);
        if (updated.ComponentStatus != before && updated.ComponentStatus != ComponentStatus.Unknown && !silent)
        {
            await notifier.ComponentStatusChangedAsync(page, updated, before, cancellationToken);
        }
        EntityTags.Set(request.HttpContext.Response, updated.ETag);
        return CachetResults.Item(CachetPresenters.Component(updated, page.Clock));
    }

    /// <summary>C-5: a soft delete, which takes every subscription to the component with it.</summary>
    [EndpointId("C-5")]
    public static async Task<NoContent> DeleteComponent(string id, CachetPage page, StatusItemStore store, CancellationToken cancellationToken)
    {
        var component = await page.FindAsync<StatusComponent>(store, id, cancellationToken);
        foreach (var subscription in (await store.ListAsync<StatusSubscription>(page.PageId, cancellationToken)).Where(s => s.ComponentId == component.Id))
        {
            await store.DeleteAsync(subscription, cancellationToken);
        }
        component.DeletedAt = page.Clock.Now;
        await store.UpdateAsync(component, cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>Validates every field first, so a bad request changes nothing.</summary>
    private static void Apply(StatusComponent c, CachetInput input, bool creating)
    {
        var rules = new CachetRules(input);
        var name = rules.String("name", required: creating);
        var description = rules.String("description", max: 10_000, multiLine: true);
        var status = rules.Int("status", min: 0, max: 4);
        var link = rules.Url("link");
        var order = rules.Int("order");
        var groupId = rules.Int("group_id", min: 0);
        var enabled = rules.Bool("enabled");
        var meta = rules.Array("meta");
        // A comma-separated string; an array is refused, as Cachet refuses it.
        var tags = rules.String("tags", max: 10_000);
        rules.ThrowIfAny();
        c.Name = name ?? c.Name;
        c.Description = description ?? c.Description;
        c.Status = status ?? c.Status;
        c.Link = link ?? c.Link;
        c.Order = order ?? c.Order;
        c.GroupId = groupId ?? c.GroupId;
        c.Enabled = enabled ?? c.Enabled;
        c.Meta = meta is null ? c.Meta : meta.ToJsonString();
        if (tags is not null)
        {
            var set = new JsonObject();
            foreach (var tag in tags.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                set[Slug(tag)] = tag;
            }
            c.Tags = set.ToJsonString();
        }
    }

    /// <summary>Lowercase, with every run of other characters a single hyphen (Laravel's Str::slug).</summary>
    public static string Slug(string text)
    {
        var slug = new System.Text.StringBuilder();
        foreach (var ch in text.ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(ch))
            {
                slug.Append(ch);
            }
            else if (slug.Length > 0 && slug[^1] != '-')
            {
                slug.Append('-');
            }
        }
        return slug.ToString().TrimEnd('-');
    }
}
