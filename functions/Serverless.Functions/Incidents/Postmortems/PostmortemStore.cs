using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;
using Serverless.Functions.Storage;

namespace Serverless.Functions.Incidents.Postmortems;

// Postmortems: PK = tenantId, RK = incidentId → Id, Title, Body (markdown), Status, FollowUps (JSON), Attachments (JSON),
// OwnerId (a team), CreatedBy, Created, Updated: at most one postmortem per incident; the organization's are one
// partition, which the list by team reads.

public sealed record FollowUp([property: JsonPropertyName("task")] string Task, [property: JsonPropertyName("is_done")] bool IsDone);

public sealed class PostmortemEntity : TableRow
{
    public string TenantId => PartitionKey;
    public string IncidentId => RowKey;
    public string Id { get; set; } = "";
    public string Title { get; set; } = "";
    public string Body { get; set; } = "";
    public string Status { get; set; } = "in_progress";
    public string FollowUps { get; set; } = "[]";
    public string Attachments { get; set; } = "[]";
    public string? OwnerId { get; set; }
    public string CreatedBy { get; set; } = "";
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Updated { get; set; }

    public List<FollowUp> FollowUpList() => JsonSerializer.Deserialize(FollowUps, AppJson.Default.ListFollowUp) ?? [];

    public List<string> AttachmentList() => JsonSerializer.Deserialize(Attachments, AppJson.Default.ListString) ?? [];
}

public sealed class PostmortemStore(StorageAccount storage)
{
    public static readonly IReadOnlyList<string> Statuses = ["in_progress", "under_review", "published"];

    private readonly TableClient table = storage.Table(StorageLayout.Tables.Postmortems);

    public async Task<PostmortemEntity?> GetAsync(string tenantId, string incidentId, CancellationToken cancellationToken = default)
    {
        var found = await table.GetEntityIfExistsAsync<PostmortemEntity>(tenantId, incidentId, cancellationToken: cancellationToken);
        return found.HasValue ? found.Value : null;
    }

    public Task<IReadOnlyList<PostmortemEntity>> ListAsync(string tenantId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default) =>
        table.ListAsync<PostmortemEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {tenantId} and Created ge {from} and Created le {to}"), cancellationToken);

    /// <summary>Adds the incident's postmortem; false when it already has one.</summary>
    public async Task<bool> TryAddAsync(PostmortemEntity postmortem, CancellationToken cancellationToken = default)
    {
        try
        {
            await table.AddEntityAsync(EntitySize.EnsureFits(postmortem), cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    public async Task<PostmortemEntity> UpdateAsync(PostmortemEntity postmortem, CancellationToken cancellationToken = default)
    {
        var response = await table.UpdateEntityAsync(EntitySize.EnsureFits(postmortem), postmortem.ETag, TableUpdateMode.Replace, cancellationToken);
        postmortem.ETag = response.Headers.ETag ?? default(ETag);
        return postmortem;
    }

    public Task DeleteAsync(PostmortemEntity postmortem, CancellationToken cancellationToken = default) =>
        table.DeleteEntityAsync(postmortem.PartitionKey, postmortem.RowKey, postmortem.ETag, cancellationToken);
}
