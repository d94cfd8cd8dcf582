using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Hosting;
using Serverless.Functions.StatusPage.Notifications;
using Serverless.Functions.StatusPage.Uptime;

namespace Serverless.Functions.StatusPage.Cachet;

/// <summary>Incidents (I-1..I-5); their updates and the templates have Api classes of their own.</summary>
public static class StatusIncidentsApi
{
    private static readonly CachetResults.ListRules IncidentList = new(["id", "user_id", "component_id", "name", "status", "visible", "stickied"],
        ["id", "user_id", "name", "status", "visible", "stickied", "message", "occurred_at"]);

    public static void MapStatusIncidents(this RouteGroupBuilder api)
    {
        api.MapGet("/incidents", ListIncidents);
        api.MapGet("/incidents/{id}", GetIncident);
        api.MapPost("/incidents", CreateIncident);
        api.MapPut("/incidents/{id}", UpdateIncident);
        api.MapDelete("/incidents/{id}", DeleteIncident);
    }

    /// <summary>I-1: guests see public incidents only.</summary>
    [EndpointId("I-1")]
    public static async Task<JsonHttpResult<JsonObject>> ListIncidents(CachetPage page, HttpRequest request, StatusItemStore store, CancellationToken cancellationToken)
    {
        var input = await CachetInput.ReadAsync(request, cancellationToken);
        var updates = (await store.ListAsync<StatusIncidentUpdate>(page.PageId, cancellationToken)).ToLookup(u => u.IncidentId);
        var incidents = (await store.ListAsync<StatusIncident>(page.PageId, cancellationToken)).Where(i => page.IsAuthenticated || i.Visibility == Visibility.Public);
        return CachetResults.List(request, input, incidents.Select(i => CachetPresenters.Incident(i, [.. updates[i.Id]], page)), IncidentList);
    }

    [EndpointId("I-2")]
    public static async Task<JsonHttpResult<JsonObject>> GetIncident(string id, CachetPage page, StatusItemStore store, CancellationToken cancellationToken)
    {
        var incident = await page.FindAsync<StatusIncident>(store, id, cancellationToken);
        return CachetResults.Item(CachetPresenters.Incident(incident, await store.UpdatesOfAsync(page.PageId, incident.Id, cancellationToken), page));
    }

    /// <summary>I-3: sets the named component's status silently, renders a template when one is named, and notifies when asked.</summary>
    [EndpointId("I-3")]
    public static async Task<JsonHttpResult<JsonObject>> CreateIncident(CachetPage page, HttpRequest request, StatusItemStore store,
        StatusNotifier notifier, CancellationToken cancellationToken)
    {
        var input = await CachetInput.ReadAsync(request, cancellationToken);
        var incident = new StatusIncident { CreatedAt = page.Clock.Now, UpdatedAt = page.Clock.Now, OccurredAt = page.Clock.Now, UserId = page.User!.UserId };
        var (componentStatus, notify) = await ApplyAsync(incident, input, page, store, creating: true, cancellationToken);
        incident.WorstComponentStatus = Math.Max(incident.WorstComponentStatus, componentStatus ?? 0);
        incident.FirstStatus = incident.Status;
        incident = await store.AddAsync(page.PageId, incident, cancellationToken);
        await SetComponentStatusAsync(store, page, incident.ComponentId, componentStatus, cancellationToken, StatusCause.Incident(incident.Id, page.User?.UserId));
        if (notify ?? true)
        {
            await notifier.IncidentCreatedAsync(page, incident, cancellationToken);
        }
        return CachetResults.Item(CachetPresenters.Incident(incident, [], page));
    }

    /// <summary>I-4: omitted fields stay (Cachet 2.4 resets visible and stickied).</summary>
    [EndpointId("I-4")]
    public static async Task<JsonHttpResult<JsonObject>> UpdateIncident(string id, CachetPage page, HttpRequest request, StatusItemStore store,
        CancellationToken cancellationToken)
    {
        var input = await CachetInput.ReadAsync(request, cancellationToken);
        var incident = await page.FindAsync<StatusIncident>(store, id, cancellationToken);
        var (componentStatus, _) = await ApplyAsync(incident, input, page, store, creating: false, cancellationToken);
        incident.WorstComponentStatus = Math.Max(incident.WorstComponentStatus, componentStatus ?? 0);
        incident.UpdatedAt = page.Clock.Now;
        await store.UpdateAsync(incident, cancellationToken);
        await SetComponentStatusAsync(store, page, incident.ComponentId, componentStatus, cancellationToken, StatusCause.Incident(incident.Id, page.User?.UserId));
        return CachetResults.Item(CachetPresenters.Incident(incident, await store.UpdatesOfAsync(page.PageId, incident.Id, cancellationToken), page));
    }

    /// <summary>I-5: a soft delete; its updates become unreachable with it.</summary>
    [EndpointId("I-5")]
    public static async Task<NoContent> DeleteIncident(string id, CachetPage page, StatusItemStore store, CancellationToken cancellationToken)
    {
        var incident = await page.FindAsync<StatusIncident>(store, id, cancellationToken);
        incident.DeletedAt = page.Clock.Now;
        await store.UpdateAsync(incident, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<(int? ComponentStatus, bool? Notify)> ApplyAsync(StatusIncident incident, CachetInput input, CachetPage page,
        StatusItemStore store, bool creating, CancellationToken cancellationToken)
    {
        var rules = new CachetRules(input);
        var name = rules.String("name", required: creating);
        var status = rules.Int("status", required: creating, min: 0, max: 4);
        var visible = rules.Bool("visible");
        var stickied = rules.Bool("stickied");
        var notify = rules.Bool("notify");
        var componentId = rules.Int("component_id", min: 0);
        var componentStatus = rules.Int("component_status", min: 0, max: 4);
        rules.RequiredWith("component_id", "component_status");
        if (creating)
        {
            rules.RequiredWith("component_status", "component_id");
        }
        var occurredAt = rules.Date("occurred_at", page.Clock);
        var templateSlug = rules.String("template");
        var vars = rules.Array("vars");
        var meta = creating ? rules.Array("meta") : null; // Cachet's PUT does not take meta
        var template = templateSlug is null ? null
            : (await store.ListAsync<StatusTemplate>(page.PageId, cancellationToken)).FirstOrDefault(t => t.Slug == templateSlug);
        var message = template is null ? rules.Message("message", required: creating) : null;
        rules.ThrowIfAny();

        incident.Name = name ?? incident.Name;
        incident.Status = status ?? incident.Status;
        incident.Visibility = visible is { } v ? (v ? Visibility.Public : Visibility.SignedIn) : incident.Visibility;
        incident.Stickied = stickied ?? incident.Stickied;
        incident.ComponentId = componentId ?? incident.ComponentId;
        incident.OccurredAt = occurredAt ?? incident.OccurredAt;
        if (template is not null)
        {
            var component = componentId is > 0 ? await store.GetAsync<StatusComponent>(page.PageId, componentId.Value, cancellationToken) : null;
            var context = vars as JsonObject is { } given ? (JsonObject)given.DeepClone() : [];
            context["incident"] = new JsonObject
            {
                ["name"] = name, ["status"] = status, ["message"] = input.Text("message"), ["visible"] = visible, ["notify"] = notify,
                ["stickied"] = stickied, ["occurred_at"] = input.Text("occurred_at"),
                ["component"] = component is null ? null : CachetPresenters.Component(component, page.Clock), ["component_status"] = componentStatus,
            };
            incident.Message = TemplateRenderer.Render(template.Template, context);
        }
        else
        {
            incident.Message = message ?? incident.Message;
        }
        if (meta is JsonObject fields)
        {
            var stored = JsonText.Parse(incident.Meta) as JsonObject ?? [];
            foreach (var (key, value) in fields)
            {
                if (IsEmpty(value))
                {
                    stored.Remove(key);
                }
                else
                {
                    stored[key] = value?.DeepClone();
                }
            }
            incident.Meta = stored.ToJsonString();
        }
        return (componentStatus, notify);
    }

    private static bool IsEmpty(JsonNode? value) => value switch
    {
        null => true,
        JsonValue v => string.IsNullOrEmpty(CachetInput.Scalar(v)),
        JsonArray a => a.All(IsEmpty),
        JsonObject o => o.Count == 0 || o.All(p => IsEmpty(p.Value)),
        _ => false,
    };

    /// <summary>
    /// An incident sets its component's status silently; a component that does not exist is left be. The change goes
    /// into the component's uptime history for <paramref name="cause"/> (the API's caller when none is given).
    /// </summary>
    internal static async Task SetComponentStatusAsync(StatusItemStore store, CachetPage page, int componentId, int? status, CancellationToken cancellationToken,
        StatusCause? cause = null)
    {
        if (componentId > 0 && status is { } value)
        {
            await store.MutateAsync<StatusComponent>(page.PageId, componentId, c =>
            {
                c.Status = value;
                c.UpdatedAt = page.Clock.Now;
            }, cause ?? StatusCause.Api(page.User?.UserId), cancellationToken);
        }
    }
}
