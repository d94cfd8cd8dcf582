using Azure;
using Azure.Data.Tables;
using Serverless.Functions.Identity;
using Serverless.Functions.Storage;

namespace Serverless.Functions.Incidents.Access;

// RefreshTokens: PK = tenantId,              RK = tokenId → UserId, Role, Name, TokenHash, Created, LastRefresh: the
//                                                         organization's further refresh tokens, listed oldest first.
//                PK = "h:" + SHA-256(token) hex, RK = "" → TenantId, TokenId: finds a token from itself at the exchange.
// The token row is written before its index row and deleted before it, so an index row left behind by a crash finds
// no token and grants nothing. A user's own API key is also a refresh token; it lives in Identity, not here.

public sealed class RefreshTokenEntity : TableRow
{
    public string TenantId => PartitionKey;
    public string Id => RowKey;
    public string UserId { get; set; } = "";
    public string Role { get; set; } = IncidentRoles.User;
    public string Name { get; set; } = "";
    public string TokenHash { get; set; } = "";
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset? LastRefresh { get; set; }
}

public sealed class RefreshTokenIndexEntity : TableRow
{
    public string TenantId { get; set; } = "";
    public string TokenId { get; set; } = "";
}

public sealed class RefreshTokenStore(StorageAccount storage, TimeProvider time)
{
    private readonly TableClient table = storage.Table(StorageLayout.Tables.RefreshTokens);

    private static string IndexKey(string hash) => "h:" + hash;

    /// <summary>Creates a token and answers it with its plaintext, which is shown once and stored only hashed.</summary>
    public async Task<(RefreshTokenEntity Entity, string Token)> CreateAsync(string tenantId, string userId, string role, string name,
        CancellationToken cancellationToken = default)
    {
        var token = ApiKeys.New();
        var entity = new RefreshTokenEntity
        {
            PartitionKey = tenantId, RowKey = Ids.New(time), UserId = userId, Role = role, Name = name, TokenHash = ApiKeys.Hash(token),
            Created = time.GetUtcNow(),
        };
        await table.AddEntityAsync(EntitySize.EnsureFits(entity), cancellationToken);
        await table.AddEntityAsync(new RefreshTokenIndexEntity { PartitionKey = IndexKey(entity.TokenHash), TenantId = tenantId, TokenId = entity.Id },
            cancellationToken);
        return (entity, token);
    }

    public async Task<RefreshTokenEntity?> GetAsync(string tenantId, string tokenId, CancellationToken cancellationToken = default)
    {
        if (!Ids.IsValid(tokenId))
        {
            return null;
        }
        var found = await table.GetEntityIfExistsAsync<RefreshTokenEntity>(tenantId, tokenId, cancellationToken: cancellationToken);
        return found.HasValue ? found.Value : null;
    }

    /// <summary>The token whose plaintext is <paramref name="token"/>, or null.</summary>
    public async Task<RefreshTokenEntity?> FindAsync(string token, CancellationToken cancellationToken = default)
    {
        var hash = ApiKeys.Hash(token);
        var index = await table.GetEntityIfExistsAsync<RefreshTokenIndexEntity>(IndexKey(hash), "", cancellationToken: cancellationToken);
        if (!index.HasValue)
        {
            return null;
        }
        var entity = await GetAsync(index.Value!.TenantId, index.Value.TokenId, cancellationToken);
        return entity is not null && entity.TokenHash == hash ? entity : null;
    }

    /// <summary>The organization's tokens, or one user's.</summary>
    public Task<IReadOnlyList<RefreshTokenEntity>> ListAsync(string tenantId, string? userId, CancellationToken cancellationToken = default) =>
        table.ListAsync<RefreshTokenEntity>(userId is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {tenantId}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {tenantId} and UserId eq {userId}"), cancellationToken);

    public async Task DeleteAsync(RefreshTokenEntity entity, CancellationToken cancellationToken = default)
    {
        await table.DeleteIfExistsAsync(entity.PartitionKey, entity.RowKey, cancellationToken);
        await table.DeleteIfExistsAsync(IndexKey(entity.TokenHash), "", cancellationToken);
    }

    /// <summary>Records the exchange; merge with ETag *, since only this field changes and the newest time wins.</summary>
    public async Task TouchAsync(RefreshTokenEntity entity, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        await table.UpdateEntityAsync(new TableEntity(entity.PartitionKey, entity.RowKey) { [nameof(RefreshTokenEntity.LastRefresh)] = now },
            ETag.All, TableUpdateMode.Merge, cancellationToken);
        entity.LastRefresh = now;
    }
}
