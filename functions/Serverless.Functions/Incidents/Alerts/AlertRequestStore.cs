using System.Text.RegularExpressions;
using Azure.Data.Tables;
using Serverless.Functions.Storage;

namespace Serverless.Functions.Incidents.Alerts;

// AlertRequests: PK = tenantId, RK = requestId (32 hex) → Status, IncidentIds, EventId, Created: what each alert became,
// for POST /v3/requests/status.

public sealed class AlertRequestEntity : TableRow
{
    public string TenantId => PartitionKey;
    public string Id => RowKey;

    /// <summary><c>created</c>, <c>deduplicated</c>, <c>resolved</c> or <c>discarded</c>.</summary>
    public string Status { get; set; } = "";

    /// <summary>The incident it created or deduplicated onto; for a resolve, the first it resolved.</summary>
    public string IncidentId { get; set; } = "";

    public string EventId { get; set; } = "";
    public DateTimeOffset Created { get; set; }
}

public sealed partial class AlertRequestStore(StorageAccount storage, TimeProvider time)
{
    private readonly TableClient table = storage.Table(StorageLayout.Tables.AlertRequests);

    public static string NewId() => Guid.NewGuid().ToString("N");

    public async Task<AlertRequestEntity> AddAsync(string tenantId, string requestId, string status, string incidentId, string eventId,
        CancellationToken cancellationToken = default)
    {
        var entity = new AlertRequestEntity
        {
            PartitionKey = tenantId, RowKey = requestId, Status = status, IncidentId = incidentId, EventId = eventId, Created = time.GetUtcNow(),
        };
        await table.AddEntityAsync(EntitySize.EnsureFits(entity), cancellationToken);
        return entity;
    }

    public async Task<AlertRequestEntity?> GetAsync(string tenantId, string requestId, CancellationToken cancellationToken = default)
    {
        if (!RequestId().IsMatch(requestId))
        {
            return null;
        }
        var found = await table.GetEntityIfExistsAsync<AlertRequestEntity>(tenantId, requestId, cancellationToken: cancellationToken);
        return found.HasValue ? found.Value : null;
    }

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex RequestId();
}
