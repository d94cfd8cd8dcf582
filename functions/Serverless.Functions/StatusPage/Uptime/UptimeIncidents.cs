namespace Serverless.Functions.StatusPage.Uptime;

/// <summary>The incidents of a component by the UTC day they occurred on, for the cells of its bar.</summary>
public static class UptimeIncidents
{
    public static async Task<ILookup<DateOnly, StatusIncident>> OfAsync(StatusItemStore store, string pageId, int componentId, bool authenticated,
        CancellationToken cancellationToken = default) =>
        Of(await store.ListAsync<StatusIncident>(pageId, cancellationToken), componentId, authenticated);

    public static ILookup<DateOnly, StatusIncident> Of(IEnumerable<StatusIncident> incidents, int componentId, bool authenticated) =>
        incidents.Where(i => i.ComponentId == componentId && (authenticated || i.Visibility == Visibility.Public))
            .OrderBy(i => i.OccurredAt).ToLookup(i => DateOnly.FromDateTime(i.OccurredAt.UtcDateTime));
}
