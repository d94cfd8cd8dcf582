namespace Serverless.Functions.StatusPage;

/// <summary>The system status banner (G-3), shared by the API and the HTML page.</summary>
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
        var visible = groups.ToDictionary(g => g.Id, g => g.Visibility == Visibility.Public);
        // Guests do not count components of groups only signed-in users see.
        var counted = components.Where(c => c.Enabled && (authenticated || c.GroupId == 0 || visible.GetValueOrDefault(c.GroupId, true))).ToList();
        var plural = counted.Count > 1;
        if (counted.Count > 0 && counted.Count(c => c.ComponentStatus == ComponentStatus.MajorOutage) * 100.0 / counted.Count >= MajorOutageRate)
        {
            return new("danger", plural ? "Some systems are experiencing major issues" : "The system is experiencing major issues");
        }
        if (counted.All(c => c.ComponentStatus == ComponentStatus.Operational) && !await anyUnresolved())
        {
            return new("success", plural ? "All systems are operational" : "System operational");
        }
        return new("info", plural ? "Some systems are experiencing issues" : "The system is experiencing issues");
    }

    /// <summary>Whether any incident, visible or not, is still open by its newest update (or its own status).</summary>
    public static bool AnyUnresolved(IEnumerable<StatusIncident> incidents, ILookup<int, StatusIncidentUpdate> updates) =>
        incidents.Any(i => i.IncidentStatus != IncidentStatus.Fixed && (updates[i.Id].MaxBy(u => u.Id)?.IncidentStatus ?? i.IncidentStatus) != IncidentStatus.Fixed);
}
