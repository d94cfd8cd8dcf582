using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Hosting;

namespace Serverless.Functions.StatusPage.Cachet;

/// <summary>Component groups (CG-1..CG-5).</summary>
public static class StatusGroupsApi
{
    private static readonly CachetResults.ListRules GroupList = new(["id", "name", "collapsed", "visible"], ["id", "name", "order", "collapsed", "visible"]);

    public static void MapStatusGroups(this RouteGroupBuilder api)
    {
        api.MapGet("/components/groups", ListGroups);
        api.MapGet("/components/groups/{id}", GetGroup);
        api.MapPost("/components/groups", CreateGroup);
        api.MapPut("/components/groups/{id}", UpdateGroup);
        api.MapDelete("/components/groups/{id}", DeleteGroup);
    }

    /// <summary>CG-1: guests see visible groups only.</summary>
    [EndpointId("CG-1")]
    public static async Task<JsonHttpResult<JsonObject>> ListGroups(CachetPage page, HttpRequest request, StatusItemStore store, CancellationToken cancellationToken)
    {
        var input = await CachetInput.ReadAsync(request, cancellationToken);
        var components = await store.ListAsync<StatusComponent>(page.PageId, cancellationToken);
        var groups = (await store.ListAsync<StatusGroup>(page.PageId, cancellationToken)).Where(g => page.IsAuthenticated || g.Visibility == Visibility.Public);
        return CachetResults.List(request, input, groups.Select(g => CachetPresenters.Group(g, components, page.Clock)), GroupList);
    }

    [EndpointId("CG-2")]
    public static async Task<JsonHttpResult<JsonObject>> GetGroup(string id, CachetPage page, StatusItemStore store, CancellationToken cancellationToken)
    {
        var group = await page.FindAsync<StatusGroup>(store, id, cancellationToken);
        return CachetResults.Item(CachetPresenters.Group(group, await store.ListAsync<StatusComponent>(page.PageId, cancellationToken), page.Clock));
    }

    [EndpointId("CG-3")]
    public static async Task<JsonHttpResult<JsonObject>> CreateGroup(CachetPage page, HttpRequest request, StatusItemStore store, CancellationToken cancellationToken)
    {
        var input = await CachetInput.ReadAsync(request, cancellationToken);
        var group = new StatusGroup { CreatedAt = page.Clock.Now, UpdatedAt = page.Clock.Now };
        Apply(group, input, creating: true);
        group = await store.AddAsync(page.PageId, group, cancellationToken);
        return CachetResults.Item(CachetPresenters.Group(group, [], page.Clock));
    }

    /// <summary>CG-4: omitted fields stay (Cachet 2.4 resets order and visible to 0).</summary>
    [EndpointId("CG-4")]
    public static async Task<JsonHttpResult<JsonObject>> UpdateGroup(string id, CachetPage page, HttpRequest request, StatusItemStore store,
        CancellationToken cancellationToken)
    {
        var input = await CachetInput.ReadAsync(request, cancellationToken);
        var updated = await page.UpdateAsync<StatusGroup>(store, id, g => Apply(g, input, creating: false), cancellationToken);
        return CachetResults.Item(CachetPresenters.Group(updated, await store.ListAsync<StatusComponent>(page.PageId, cancellationToken), page.Clock));
    }

    /// <summary>CG-5: members become ungrouped, then the group goes (a hard delete).</summary>
    [EndpointId("CG-5")]
    public static async Task<NoContent> DeleteGroup(string id, CachetPage page, StatusItemStore store, CancellationToken cancellationToken)
    {
        var group = await page.FindAsync<StatusGroup>(store, id, cancellationToken);
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
}
