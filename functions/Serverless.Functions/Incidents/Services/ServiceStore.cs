using Azure;
using Azure.Data.Tables;
using Serverless.Functions.Identity;
using Serverless.Functions.Storage;

namespace Serverless.Functions.Incidents.Services;

// IncidentServices: PK = tenantId,            RK = serviceId → Name, Description, EscalationPolicyId, OwnerId, SealedApiKey
//                                                             (the ingestion key, sealed), ApiKeyHash, Created, Updated.
//                   PK = "k:" + SHA-256(key) hex, RK = ""   → TenantId, ServiceId: alert ingestion finds the service by
//                                                             the key in its URL.
// The service row is written before its key row and deleted before it, so a key row left behind finds no service.

public sealed class ServiceEntity : TableRow
{
    public string TenantId => PartitionKey;
    public string Id => RowKey;
    public string Name { get; set; } = "";
    public string Description { get; set; } = "";
    public string? EscalationPolicyId { get; set; }
    public string? OwnerId { get; set; }
    public string SealedApiKey { get; set; } = "";
    public string ApiKeyHash { get; set; } = "";
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Updated { get; set; }
}

public sealed class ServiceKeyEntity : TableRow
{
    public string TenantId { get; set; } = "";
    public string ServiceId { get; set; } = "";
}

public sealed class ServiceStore(StorageAccount storage, SecretBox secrets, TimeProvider time)
{
    private const string KeyPurpose = "incident-service-key";

    private readonly TableClient table = storage.Table(StorageLayout.Tables.IncidentServices);

    private static string KeyRow(string hash) => "k:" + hash;

    public string ApiKeyOf(ServiceEntity service) => secrets.Open(service.SealedApiKey, KeyPurpose);

    public async Task<ServiceEntity?> GetAsync(string tenantId, string serviceId, CancellationToken cancellationToken = default)
    {
        if (!Ids.IsValid(serviceId))
        {
            return null;
        }
        var found = await table.GetEntityIfExistsAsync<ServiceEntity>(tenantId, serviceId, cancellationToken: cancellationToken);
        return found.HasValue ? found.Value : null;
    }

    public Task<IReadOnlyList<ServiceEntity>> ListAsync(string tenantId, CancellationToken cancellationToken = default) =>
        table.ListAsync<ServiceEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {tenantId}"), cancellationToken);

    /// <summary>The service whose ingestion key is <paramref name="apiKey"/>, or null.</summary>
    public async Task<ServiceEntity?> FindByKeyAsync(string apiKey, CancellationToken cancellationToken = default)
    {
        if (apiKey.Length is 0 or > 200)
        {
            return null;
        }
        var hash = ApiKeys.Hash(apiKey);
        var row = await table.GetEntityIfExistsAsync<ServiceKeyEntity>(KeyRow(hash), "", cancellationToken: cancellationToken);
        var service = row.HasValue ? await GetAsync(row.Value!.TenantId, row.Value.ServiceId, cancellationToken) : null;
        return service is not null && service.ApiKeyHash == hash ? service : null;
    }

    public async Task<ServiceEntity> AddAsync(ServiceEntity service, CancellationToken cancellationToken = default)
    {
        // 32 hex digits, like Squadcast's keys; a URL path segment needs nothing escaped.
        var key = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        service.SealedApiKey = secrets.Seal(key, KeyPurpose);
        service.ApiKeyHash = ApiKeys.Hash(key);
        service.Created = service.Updated = time.GetUtcNow();
        await table.AddEntityAsync(EntitySize.EnsureFits(service), cancellationToken);
        await table.AddEntityAsync(new ServiceKeyEntity { PartitionKey = KeyRow(service.ApiKeyHash), TenantId = service.TenantId, ServiceId = service.Id },
            cancellationToken);
        return service;
    }

    public async Task<ServiceEntity> UpdateAsync(ServiceEntity service, CancellationToken cancellationToken = default)
    {
        service.Updated = time.GetUtcNow();
        var response = await table.UpdateEntityAsync(EntitySize.EnsureFits(service), service.ETag, TableUpdateMode.Replace, cancellationToken);
        service.ETag = response.Headers.ETag ?? default;
        return service;
    }

    public async Task DeleteAsync(ServiceEntity service, CancellationToken cancellationToken = default)
    {
        await table.DeleteEntityAsync(service.PartitionKey, service.RowKey, ETag.All, cancellationToken);
        await table.DeleteIfExistsAsync(KeyRow(service.ApiKeyHash), "", cancellationToken);
    }
}
