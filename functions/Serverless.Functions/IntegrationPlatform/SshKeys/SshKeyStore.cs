using Azure.Data.Tables;
using Serverless.Functions.Storage;

namespace Serverless.Functions.IntegrationPlatform.SshKeys;

// SshKeys: PK = userId, RK = keyId → the public key, its title and fingerprint. Keys belong to a user, so a user's keys
// are one partition, and nobody else's key can be reached through it.
public sealed class SshKeyEntity : TableRow
{
    public string Id => RowKey;
    public string UserId => PartitionKey;
    public string Key { get; set; } = "";
    public string Title { get; set; } = "";
    public string Fingerprint { get; set; } = "";
    public DateTimeOffset Created { get; set; }
}

public sealed class SshKeyStore(StorageAccount storage)
{
    private readonly TableClient table = storage.Table(StorageLayout.Tables.SshKeys);

    public Task<IReadOnlyList<SshKeyEntity>> OfUserAsync(string userId, CancellationToken cancellationToken = default) =>
        table.ListAsync<SshKeyEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {userId}"), cancellationToken);

    public Task AddAsync(SshKeyEntity key, CancellationToken cancellationToken = default) => table.AddEntityAsync(key, cancellationToken);

    /// <summary>
    /// Whether the user had the key. Looked up first: Azurite answers a delete of a missing entity with success, so the
    /// delete's own status cannot tell.
    /// </summary>
    public async Task<bool> DeleteAsync(string userId, string id, CancellationToken cancellationToken = default)
    {
        var found = await table.GetEntityIfExistsAsync<SshKeyEntity>(userId, id, cancellationToken: cancellationToken);
        if (!found.HasValue)
        {
            return false;
        }
        await table.DeleteIfExistsAsync(userId, id, cancellationToken);
        return true;
    }
}
