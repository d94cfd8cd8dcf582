using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Hosting;
using Serverless.Functions.StatusPage.Notifications;

namespace Serverless.Functions.StatusPage.Cachet;

/// <summary>Scheduled maintenance (S-1..S-5).</summary>
public static class StatusSchedulesApi
{
    private static readonly CachetResults.ListRules ScheduleList = new([], ["id", "name", "status", "scheduled_at", "completed_at", "created_at", "updated_at"]);

    public static void MapStatusSchedules(this RouteGroupBuilder api)
    {
        api.MapGet("/schedules", ListSchedules);
        api.MapGet("/schedules/{id}", GetSchedule);
        api.MapPost("/schedules", CreateSchedule);
        api.MapPut("/schedules/{id}", UpdateSchedule);
        api.MapDelete("/schedules/{id}", DeleteSchedule);
    }

    [EndpointId("S-1")]
    public static async Task<JsonHttpResult<JsonObject>> ListSchedules(CachetPage page, HttpRequest request, StatusItemStore store, CancellationToken cancellationToken)
    {
        var input = await CachetInput.ReadAsync(request, cancellationToken);
        var schedules = await store.ListAsync<StatusSchedule>(page.PageId, cancellationToken);
        return CachetResults.List(request, input, schedules.Select(s => CachetPresenters.Schedule(s, page.Clock)), ScheduleList);
    }

    [EndpointId("S-2")]
    public static async Task<JsonHttpResult<JsonObject>> GetSchedule(string id, CachetPage page, StatusItemStore store, CancellationToken cancellationToken) =>
        CachetResults.Item(CachetPresenters.Schedule(await page.FindAsync<StatusSchedule>(store, id, cancellationToken), page.Clock));

    /// <summary>S-3. Unlike Cachet 2.4 the <c>components</c> are kept: the maintenance job sets their status while it runs.</summary>
    [EndpointId("S-3")]
    public static async Task<JsonHttpResult<JsonObject>> CreateSchedule(CachetPage page, HttpRequest request, StatusItemStore store,
        StatusNotifier notifier, CancellationToken cancellationToken)
    {
        var input = await CachetInput.ReadAsync(request, cancellationToken);
        var schedule = new StatusSchedule { CreatedAt = page.Clock.Now, UpdatedAt = page.Clock.Now };
        var notify = await ApplyAsync(schedule, input, page, store, creating: true, cancellationToken);
        schedule = await store.AddAsync(page.PageId, schedule, cancellationToken);
        if (notify)
        {
            await notifier.ScheduleCreatedAsync(page, schedule, cancellationToken);
        }
        return CachetResults.Item(CachetPresenters.Schedule(schedule, page.Clock));
    }

    [EndpointId("S-4")]
    public static async Task<JsonHttpResult<JsonObject>> UpdateSchedule(string id, CachetPage page, HttpRequest request, StatusItemStore store,
        CancellationToken cancellationToken)
    {
        var input = await CachetInput.ReadAsync(request, cancellationToken);
        var schedule = await page.FindAsync<StatusSchedule>(store, id, cancellationToken);
        await ApplyAsync(schedule, input, page, store, creating: false, cancellationToken);
        schedule.UpdatedAt = page.Clock.Now;
        await store.UpdateAsync(schedule, cancellationToken);
        return CachetResults.Item(CachetPresenters.Schedule(schedule, page.Clock));
    }

    [EndpointId("S-5")]
    public static async Task<NoContent> DeleteSchedule(string id, CachetPage page, StatusItemStore store, CancellationToken cancellationToken)
    {
        var schedule = await page.FindAsync<StatusSchedule>(store, id, cancellationToken);
        schedule.DeletedAt = page.Clock.Now;
        await store.UpdateAsync(schedule, cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// <c>components</c> is a list of component ids (each then has status 2, Performance Issues, while the window runs)
    /// or an object of id → status. Ids must be components of the page.
    /// </summary>
    private static async Task<bool> ApplyAsync(StatusSchedule s, CachetInput input, CachetPage page, StatusItemStore store, bool creating,
        CancellationToken cancellationToken)
    {
        var rules = new CachetRules(input);
        var name = rules.String("name", required: creating);
        var message = rules.Message("message");
        var status = rules.Int("status", required: creating, min: 0, max: 2);
        var scheduledAt = rules.Date("scheduled_at", page.Clock, required: creating);
        var completedAt = rules.Date("completed_at", page.Clock);
        var notify = rules.Bool("notify") ?? false;
        var components = rules.Array("components");
        JsonObject? affected = null;
        if (components is not null)
        {
            var existing = (await store.ListAsync<StatusComponent>(page.PageId, cancellationToken)).Select(c => c.Id).ToHashSet();
            affected = [];
            var pairs = components is JsonArray list
                ? list.Select((v, i) => ($"components.{i}", v is JsonValue id ? CachetInput.Scalar(id) : null, (JsonNode?)2))
                : ((JsonObject)components).Select(p => ($"components.{p.Key}", (string?)p.Key, p.Value));
            foreach (var (key, id, statusNode) in pairs)
            {
                var componentStatus = statusNode is JsonValue sv && int.TryParse(CachetInput.Scalar(sv), out var st) ? st : -1;
                if (!int.TryParse(id, out var componentId) || !existing.Contains(componentId))
                {
                    rules.Fail(key, $"The selected {key} is invalid.");
                }
                else if (componentStatus is < 0 or > 4)
                {
                    rules.Fail(key, $"The {key} must be between 0 and 4.");
                }
                else
                {
                    affected[componentId.ToString(System.Globalization.CultureInfo.InvariantCulture)] = componentStatus;
                }
            }
        }
        rules.ThrowIfAny();
        s.Name = name ?? s.Name;
        s.Message = message ?? s.Message;
        s.Status = status ?? s.Status;
        s.ScheduledAt = scheduledAt ?? s.ScheduledAt;
        s.CompletedAt = completedAt ?? s.CompletedAt;
        s.Components = affected?.ToJsonString() ?? s.Components;
        return notify;
    }
}
