using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.StatusPage.Notifications;

namespace Serverless.Functions.StatusPage.Cachet;

/// <summary>Components and component groups (spec §3.2-3.3: C-1..C-5, CG-1..CG-5).</summary>
public static class StatusComponentsApi
{
    private static readonly CachetResults.ListRules ComponentList = new(["id", "name", "status", "group_id", "enabled"], ["id", "name", "status", "order", "group_id", "enabled"]);
    private static readonly CachetResults.ListRules GroupList = new(["id", "name", "collapsed", "visible"], ["id", "name", "order", "collapsed", "visible"]);

    public static void MapStatusComponents(this RouteGroupBuilder api)
    {
        api.MapGet("/components/groups", ListGroups);
        api.MapGet("/components/groups/{id}", GetGroup);
        api.MapPost("/components/groups", CreateGroup);
        api.MapPut("/components/groups/{id}", UpdateGroup);
        api.MapDelete("/components/groups/{id}", DeleteGroup);
        api.MapGet("/components", ListComponents);
        api.MapGet("/components/{id}", GetComponent);
        api.MapPost("/components", CreateComponent);
        api.MapPut("/components/{id}", UpdateComponent);
        api.MapDelete("/components/{id}", DeleteComponent);
    }

    /// <summary>C-1: guests see enabled components only; <c>tags</c> matches any of the given slugs.</summary>
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

    public static async Task<JsonHttpResult<JsonObject>> GetComponent(string id, CachetPage page, StatusItemStore store, CancellationToken cancellationToken) =>
        CachetResults.Item(CachetPresenters.Component(await FindAsync<StatusComponent>(store, page, id, cancellationToken), page.Clock));

    public static async Task<JsonHttpResult<JsonObject>> CreateComponent(CachetPage page, HttpRequest request, StatusItemStore store,
        CancellationToken cancellationToken)
    {
        var input = await CachetInput.ReadAsync(request, cancellationToken);
        var component = new StatusComponent { CreatedAt = page.Clock.Now, UpdatedAt = page.Clock.Now };
        Apply(component, input, creating: true);
        component = await store.AddAsync(page.PageId, component, cancellationToken);
        return CachetResults.Item(CachetPresenters.Component(component, page.Clock));
    }

    /// <summary>C-4: omitted fields stay; a status change notifies subscribers unless <c>silent</c>.</summary>
    public static async Task<JsonHttpResult<JsonObject>> UpdateComponent(string id, CachetPage page, HttpRequest request, StatusItemStore store,
        StatusNotifier notifier, CancellationToken cancellationToken)
    {
        var input = await CachetInput.ReadAsync(request, cancellationToken);
        var rules = new CachetRules(input);
        var silent = rules.Bool("silent") ?? false;
        rules.ThrowIfAny();
        var before = 0;
        var updated = await UpdateAsync<StatusComponent>(store, page, id, c =>
        {
            before = c.Status;
            Apply(c, input, creating: false);
        }, cancellationToken);
        if (updated.Status != before && updated.Status != 0 && !silent)
        {
            await notifier.ComponentStatusChangedAsync(page, updated, before, cancellationToken);
        }
        return CachetResults.Item(CachetPresenters.Component(updated, page.Clock));
    }

    /// <summary>C-5: a soft delete, which takes every subscription to the component with it (spec §4 item 8).</summary>
    public static async Task<NoContent> DeleteComponent(string id, CachetPage page, StatusItemStore store, CancellationToken cancellationToken)
    {
        var component = await FindAsync<StatusComponent>(store, page, id, cancellationToken);
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
        var description = rules.String("description", max: 10_000);
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

    /// <summary>CG-1: guests see visible groups only.</summary>
    public static async Task<JsonHttpResult<JsonObject>> ListGroups(CachetPage page, HttpRequest request, StatusItemStore store, CancellationToken cancellationToken)
    {
        var input = await CachetInput.ReadAsync(request, cancellationToken);
        var components = await store.ListAsync<StatusComponent>(page.PageId, cancellationToken);
        var groups = (await store.ListAsync<StatusGroup>(page.PageId, cancellationToken)).Where(g => page.IsAuthenticated || g.Visible == 1);
        return CachetResults.List(request, input, groups.Select(g => CachetPresenters.Group(g, components, page.Clock)), GroupList);
    }

    public static async Task<JsonHttpResult<JsonObject>> GetGroup(string id, CachetPage page, StatusItemStore store, CancellationToken cancellationToken)
    {
        var group = await FindAsync<StatusGroup>(store, page, id, cancellationToken);
        return CachetResults.Item(CachetPresenters.Group(group, await store.ListAsync<StatusComponent>(page.PageId, cancellationToken), page.Clock));
    }

    public static async Task<JsonHttpResult<JsonObject>> CreateGroup(CachetPage page, HttpRequest request, StatusItemStore store, CancellationToken cancellationToken)
    {
        var input = await CachetInput.ReadAsync(request, cancellationToken);
        var group = new StatusGroup { CreatedAt = page.Clock.Now, UpdatedAt = page.Clock.Now };
        Apply(group, input, creating: true);
        group = await store.AddAsync(page.PageId, group, cancellationToken);
        return CachetResults.Item(CachetPresenters.Group(group, [], page.Clock));
    }

    /// <summary>CG-4: omitted fields stay (Cachet 2.4 resets order and visible to 0; spec §7 item 4).</summary>
    public static async Task<JsonHttpResult<JsonObject>> UpdateGroup(string id, CachetPage page, HttpRequest request, StatusItemStore store,
        CancellationToken cancellationToken)
    {
        var input = await CachetInput.ReadAsync(request, cancellationToken);
        var updated = await UpdateAsync<StatusGroup>(store, page, id, g => Apply(g, input, creating: false), cancellationToken);
        return CachetResults.Item(CachetPresenters.Group(updated, await store.ListAsync<StatusComponent>(page.PageId, cancellationToken), page.Clock));
    }

    /// <summary>CG-5: members become ungrouped, then the group goes (a hard delete).</summary>
    public static async Task<NoContent> DeleteGroup(string id, CachetPage page, StatusItemStore store, CancellationToken cancellationToken)
    {
        var group = await FindAsync<StatusGroup>(store, page, id, cancellationToken);
        foreach (var member in (await store.ListAsync<StatusComponent>(page.PageId, cancellationToken)).Where(c => c.GroupId == group.Id))
        {
            await store.MutateAsync<StatusComponent>(page.PageId, member.Id, c => c.GroupId = 0, cancellationToken);
        }
        await store.DeleteAsync(group, cancellationToken);
        return TypedResults.NoContent();
    }

    private static void Apply(StatusGroup g, CachetInput input, bool creating)
    {
        var rules = new CachetRules(input);
        var name = rules.String("name", required: creating);
        var order = rules.Int("order");
        var collapsed = rules.Int("collapsed", min: 0, max: 4, between: true);
        // visible is an int or a bool: true/false arrive as 1/0.
        var visible = rules.Int("visible", min: 0, max: 1, between: true);
        rules.ThrowIfAny();
        g.Name = name ?? g.Name;
        g.Order = order ?? g.Order;
        g.Collapsed = collapsed ?? g.Collapsed;
        g.Visible = visible ?? g.Visible;
    }

    /// <summary>Changes the item of the path's id on this page and stamps it updated, or answers Cachet's 404.</summary>
    internal static async Task<T> UpdateAsync<T>(StatusItemStore store, CachetPage page, string id, Action<T> change, CancellationToken cancellationToken)
        where T : StatusItem, IStatusKind, new() =>
        await store.MutateAsync<T>(page.PageId, CachetPage.Id(id), item =>
        {
            change(item);
            item.UpdatedAt = page.Clock.Now;
        }, cancellationToken) ?? throw CachetPage.NotFound();

    /// <summary>The item of the path's id on this page, or Cachet's 404.</summary>
    internal static async Task<T> FindAsync<T>(StatusItemStore store, CachetPage page, string id, CancellationToken cancellationToken)
        where T : StatusItem, IStatusKind, new() =>
        await store.GetAsync<T>(page.PageId, CachetPage.Id(id), cancellationToken) ?? throw CachetPage.NotFound();
}
