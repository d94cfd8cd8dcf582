using Serverless.Functions.Identity;
using Serverless.Functions.StatusPage.Cachet;
using Serverless.Functions.StatusPage.Notifications;

namespace Serverless.Functions.StatusPage;

/// <summary>
/// Status-page incidents that another surface keeps in step with one of its own records (an incident's status-page
/// messages): the first publication opens a Cachet incident on the page, each later one adds an incident update to it,
/// and subscribers are mailed as if the page's API had been called.
/// </summary>
public sealed class LinkedIncidents(StatusPageStore pages, StatusItemStore items, StatusNotifier notifier, TimeProvider time)
{
    /// <summary>The tenant's page with this id, or its first page (the default one first) when no id is given.</summary>
    public async Task<StatusPageEntity?> PageOfAsync(string tenantId, string? pageId, CancellationToken cancellationToken = default)
    {
        var owned = await pages.OfTenantAsync(tenantId, cancellationToken);
        return pageId is null
            ? owned.OrderBy(p => p.Slug == StatusPageStore.DefaultSlug ? 0 : 1).ThenBy(p => p.Created).FirstOrDefault()
            : owned.FirstOrDefault(p => p.PageId == pageId);
    }

    /// <summary>
    /// Opens (when <paramref name="linkedIncidentId"/> is null or no longer on the page) or updates the page's incident
    /// and answers its id. <paramref name="status"/> is Cachet's 1-4.
    /// </summary>
    public async Task<int> PublishAsync(StatusPageEntity page, Caller user, HttpRequest request, int? linkedIncidentId, string name, string message,
        IncidentStatus status, CancellationToken cancellationToken = default)
    {
        var cachet = CachetPage.For(page, user, time, request);
        var now = cachet.Clock.Now;
        var existing = linkedIncidentId is { } id ? await items.GetAsync<StatusIncident>(page.PageId, id, cancellationToken) : null;
        if (existing is null)
        {
            var incident = await items.AddAsync(page.PageId, new StatusIncident
            {
                Name = name, Message = message, IncidentStatus = status, Visibility = Visibility.Public, OccurredAt = now, UserId = user.UserId,
                CreatedAt = now, UpdatedAt = now,
            }, cancellationToken);
            await notifier.IncidentCreatedAsync(cachet, incident, cancellationToken);
            return incident.Id;
        }
        var update = await items.AddAsync(page.PageId, new StatusIncidentUpdate
        {
            IncidentId = existing.Id, Status = (int)status, Message = message, UserId = user.UserId, CreatedAt = now, UpdatedAt = now,
        }, cancellationToken);
        var updated = await items.MutateAsync<StatusIncident>(page.PageId, existing.Id, i =>
        {
            i.Status = update.Status;
            i.UpdatedAt = now;
        }, cancellationToken);
        if (updated is { Visibility: Visibility.Public })
        {
            await notifier.IncidentUpdatedAsync(cachet, updated, update, cancellationToken);
        }
        return existing.Id;
    }
}
