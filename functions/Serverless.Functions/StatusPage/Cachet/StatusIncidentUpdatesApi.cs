using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Hosting;
using Serverless.Functions.StatusPage.Notifications;
using Serverless.Functions.StatusPage.Uptime;

namespace Serverless.Functions.StatusPage.Cachet;

/// <summary>Incident updates (IU-1..IU-5).</summary>
public static class StatusIncidentUpdatesApi
{
    private static readonly CachetResults.ListRules UpdateList = new([], ["id", "status", "user_id"], NewestFirst: true);

    public static void MapStatusIncidentUpdates(this RouteGroupBuilder api)
    {
        api.MapGet("/incidents/{id}/updates", ListUpdates);
        api.MapGet("/incidents/{id}/updates/{updateId}", GetUpdate);
        api.MapPost("/incidents/{id}/updates", CreateUpdate);
        api.MapPut("/incidents/{id}/updates/{updateId}", EditUpdate);
        api.MapDelete("/incidents/{id}/updates/{updateId}", DeleteUpdate);
    }

    /// <summary>IU-1: newest first.</summary>
    [EndpointId("IU-1")]
    public static async Task<JsonHttpResult<JsonObject>> ListUpdates(string id, CachetPage page, HttpRequest request, StatusItemStore store,
        CancellationToken cancellationToken)
    {
        var input = await CachetInput.ReadAsync(request, cancellationToken);
        var incident = await page.FindAsync<StatusIncident>(store, id, cancellationToken);
        var updates = await store.UpdatesOfAsync(page.PageId, incident.Id, cancellationToken);
        return CachetResults.List(request, input, updates.Select(u => CachetPresenters.Update(u, page)), UpdateList);
    }

    /// <summary>IU-2: as in Cachet, any update of the page answers under any of its incidents.</summary>
    [EndpointId("IU-2")]
    public static async Task<JsonHttpResult<JsonObject>> GetUpdate(string id, string updateId, CachetPage page, StatusItemStore store,
        CancellationToken cancellationToken)
    {
        await page.FindAsync<StatusIncident>(store, id, cancellationToken);
        return CachetResults.Item(CachetPresenters.Update(await page.FindAsync<StatusIncidentUpdate>(store, updateId, cancellationToken), page));
    }

    /// <summary>IU-3: the incident takes the update's status; a component named with a status takes that status, silently.</summary>
    [EndpointId("IU-3")]
    public static async Task<JsonHttpResult<JsonObject>> CreateUpdate(string id, CachetPage page, HttpRequest request, StatusItemStore store,
        StatusNotifier notifier, CancellationToken cancellationToken)
    {
        var input = await CachetInput.ReadAsync(request, cancellationToken);
        var incident = await page.FindAsync<StatusIncident>(store, id, cancellationToken);
        var rules = new CachetRules(input);
        var status = rules.Int("status", required: true, min: 1, max: 4);
        var message = rules.Message("message", required: true);
        var componentId = rules.Int("component_id", min: 0);
        var componentStatus = rules.Int("component_status", min: 0, max: 4);
        rules.RequiredWith("component_id", "component_status");
        rules.RequiredWith("component_status", "component_id");
        rules.ThrowIfAny();
        var update = await store.AddAsync(page.PageId, new StatusIncidentUpdate
        {
            IncidentId = incident.Id, Status = status!.Value, Message = message!, UserId = page.User!.UserId, CreatedAt = page.Clock.Now, UpdatedAt = page.Clock.Now,
        }, cancellationToken);
        var updated = await store.MutateAsync<StatusIncident>(page.PageId, incident.Id, i =>
        {
            i.Status = update.Status;
            i.UpdatedAt = page.Clock.Now;
            i.WorstComponentStatus = Math.Max(i.WorstComponentStatus, componentStatus ?? 0);
        }, cancellationToken);
        await StatusIncidentsApi.SetComponentStatusAsync(store, page, componentId ?? 0, componentStatus, cancellationToken,
            StatusCause.Incident(incident.Id, page.User?.UserId));
        if (updated is { Visibility: Visibility.Public })
        {
            await notifier.IncidentUpdatedAsync(page, updated, update, cancellationToken);
        }
        return CachetResults.Item(CachetPresenters.Update(update, page));
    }

    /// <summary>IU-4: status and message may change; the editor becomes the update's user. The incident is not re-synced.</summary>
    [EndpointId("IU-4")]
    public static async Task<JsonHttpResult<JsonObject>> EditUpdate(string id, string updateId, CachetPage page, HttpRequest request, StatusItemStore store,
        CancellationToken cancellationToken)
    {
        var input = await CachetInput.ReadAsync(request, cancellationToken);
        await page.FindAsync<StatusIncident>(store, id, cancellationToken);
        var rules = new CachetRules(input);
        var status = rules.Int("status", min: 1, max: 4);
        var message = rules.Message("message");
        rules.ThrowIfAny();
        var update = await page.UpdateAsync<StatusIncidentUpdate>(store, updateId, u =>
        {
            u.Status = status ?? u.Status;
            u.Message = message ?? u.Message;
            u.UserId = page.User!.UserId;
        }, cancellationToken);
        return CachetResults.Item(CachetPresenters.Update(update, page));
    }

    [EndpointId("IU-5")]
    public static async Task<NoContent> DeleteUpdate(string id, string updateId, CachetPage page, StatusItemStore store, CancellationToken cancellationToken)
    {
        await page.FindAsync<StatusIncident>(store, id, cancellationToken);
        await store.DeleteAsync(await page.FindAsync<StatusIncidentUpdate>(store, updateId, cancellationToken), cancellationToken);
        return TypedResults.NoContent();
    }
}
