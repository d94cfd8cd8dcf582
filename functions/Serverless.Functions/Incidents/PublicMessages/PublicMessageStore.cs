using System.Text.Json;
using Azure.Data.Tables;
using Serverless.Functions.Storage;

namespace Serverless.Functions.Incidents.PublicMessages;

// PublicMessages: PK = incidentId, RK = messageId → TenantId, StatusPageId, StatusIncidentId (the Cachet incident the
// message opened or updated on that page, 0 when it was not public), UserId, Message, Status, IsPublic, Attachments
// (JSON), Created: an incident's status-page messages, oldest first. The latest message's StatusIncidentId for a page is
// the incident the next message on that page updates.

public sealed class PublicMessageEntity : TableRow
{
    public string IncidentId => PartitionKey;
    public string Id => RowKey;
    public string TenantId { get; set; } = "";
    public string StatusPageId { get; set; } = "";
    public int StatusIncidentId { get; set; }
    public string UserId { get; set; } = "";
    public string Message { get; set; } = "";
    public string Status { get; set; } = "";
    public bool IsPublic { get; set; }
    public string Attachments { get; set; } = "[]";
    public DateTimeOffset Created { get; set; }

    public List<string> AttachmentList() => JsonSerializer.Deserialize(Attachments, AppJson.Default.ListString) ?? [];
}

public sealed class PublicMessageStore(StorageAccount storage)
{
    private readonly TableClient table = storage.Table(StorageLayout.Tables.PublicMessages);

    public async Task<IReadOnlyList<PublicMessageEntity>> ListAsync(string tenantId, string incidentId, CancellationToken cancellationToken = default) =>
        (await table.ListAsync<PublicMessageEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {incidentId} and TenantId eq {tenantId}"), cancellationToken))
            .OrderBy(m => m.Created).ThenBy(m => m.RowKey, StringComparer.Ordinal).ToList();

    public async Task<PublicMessageEntity> AddAsync(PublicMessageEntity message, CancellationToken cancellationToken = default)
    {
        await table.AddEntityAsync(EntitySize.EnsureFits(message), cancellationToken);
        return message;
    }
}
