using System.Text.Json;
using Azure.Data.Tables;
using Serverless.Functions.Identity;
using Serverless.Functions.Storage;

namespace Serverless.Functions.Tenancy;

// Contracts:  PK = tenantId, RK = contractId  → the contract. Every lookup starts from the caller's tenant, so another
//                                               tenant's contract is simply not found.
// Workspaces: PK = tenantId, RK = workspaceId → the workspace, with its ContractId; a contract's workspaces are the
//                                               tenant partition filtered by ContractId.
// Members are in MembershipStore. A scope being deleted keeps its row, marked "deleting", until the operation that
// deletes its contents removes it last; it is invisible from the moment it is marked.

public static class ScopeStatus
{
    public const string Active = "active";
    public const string Suspending = "suspending";
    public const string Suspended = "suspended";
    public const string Deleting = "deleting";
}

public sealed class ContractEntity : TableRow
{
    public string TenantId => PartitionKey;
    public string Id => RowKey;
    public string Name { get; set; } = "";
    public string? SupportUserId { get; set; }

    /// <summary>JSON array of <see cref="RoleRef"/>, as listed; the Owner roles are added when read.</summary>
    public string AvailableRoles { get; set; } = "[]";

    public bool? FlowStatsEnabledDefault { get; set; }
    public string Status { get; set; } = ScopeStatus.Active;

    /// <summary>The suspension or deletion operation under way, if any.</summary>
    public string? OperationId { get; set; }

    public DateTimeOffset Created { get; set; }

    public IReadOnlyList<RoleRef> AvailableRoleList() =>
        RoleCatalog.Available(JsonSerializer.Deserialize(AvailableRoles, AppJson.Default.ListRoleRef) ?? []);
}

public sealed class WorkspaceEntity : TableRow, IRevisioned
{
    public const string Full = "full";
    public const string Limited = "limited";

    public string TenantId => PartitionKey;
    public string Id => RowKey;
    public string ContractId { get; set; } = "";
    public string Name { get; set; } = "";
    public string Type { get; set; } = Full;
    public bool? FlowStatsEnabledDefault { get; set; }
    public string Status { get; set; } = ScopeStatus.Active;
    public string? OperationId { get; set; }
    public DateTimeOffset Created { get; set; }
    public long Revision { get; set; }
}

/// <summary>A small store over one tenant-partitioned table; the two scopes share its shape.</summary>
public abstract class TenantScopedStore<T>(TableClient table) where T : class, ITableEntity
{
    public async Task<T?> GetAsync(string tenantId, string id, CancellationToken cancellationToken = default)
    {
        if (!Ids.IsValid(id))
        {
            return null;
        }
        var found = await table.GetEntityIfExistsAsync<T>(tenantId, id, cancellationToken: cancellationToken);
        return found.HasValue ? found.Value : null;
    }

    public async Task AddAsync(T entity, CancellationToken cancellationToken = default)
    {
        await table.AddEntityAsync(EntitySize.EnsureFits(entity), cancellationToken);
        Changed(entity.PartitionKey, entity.RowKey);
    }

    /// <summary>Replaces the row if nobody changed it since it was read (412 otherwise); updates the entity's ETag.</summary>
    private async Task UpdateAsync(T entity, CancellationToken cancellationToken)
    {
        if (entity is IRevisioned revisioned)
        {
            revisioned.Revision++;
        }
        var response = await table.UpdateEntityAsync(EntitySize.EnsureFits(entity), entity.ETag, TableUpdateMode.Replace, cancellationToken);
        entity.ETag = response.Headers.ETag ?? entity.ETag;
        Changed(entity.PartitionKey, entity.RowKey);
    }

    /// <summary>Called after this process added, replaced or deleted a row: a store that keeps copies forgets that one.</summary>
    protected virtual void Changed(string tenantId, string id)
    {
    }

    /// <summary>
    /// Reads the row, lets <paramref name="change"/> edit it (returning false to leave it), and writes it with its ETag.
    /// A concurrent write (412) means: read again and re-apply, so a command like "unsuspend" is never lost to a race
    /// with the worker. Returns the row as written, or as found when unchanged; null when there is none.
    /// </summary>
    public Task<T?> MutateAsync(string tenantId, string id, Func<T, bool> change, CancellationToken cancellationToken = default) =>
        MutateAsync(tenantId, id, entity => Task.FromResult(change(entity)), cancellationToken);

    /// <summary>As <see cref="MutateAsync(string, string, Func{T, bool}, CancellationToken)"/>, for a change that has storage work of its own to do first.</summary>
    public Task<T?> MutateAsync(string tenantId, string id, Func<T, Task<bool>> change, CancellationToken cancellationToken = default) =>
        OptimisticConcurrency.RetryAsync(async () =>
        {
            var entity = await GetAsync(tenantId, id, cancellationToken);
            if (entity is not null && await change(entity))
            {
                await UpdateAsync(entity, cancellationToken);
            }
            return entity;
        });

    public async Task DeleteAsync(string tenantId, string id, CancellationToken cancellationToken = default)
    {
        await table.DeleteIfExistsAsync(tenantId, id, cancellationToken);
        Changed(tenantId, id);
    }

    protected Task<IReadOnlyList<T>> QueryAsync(string filter, CancellationToken cancellationToken) => table.ListAsync<T>(filter, cancellationToken);
}

public sealed class ContractStore(StorageAccount storage) : TenantScopedStore<ContractEntity>(storage.Table(StorageLayout.Tables.Contracts));

public sealed class WorkspaceStore(StorageAccount storage) : TenantScopedStore<WorkspaceEntity>(storage.Table(StorageLayout.Tables.Workspaces))
{
    public Task<IReadOnlyList<WorkspaceEntity>> ListOfTenantAsync(string tenantId, CancellationToken cancellationToken = default) =>
        QueryAsync(TableClient.CreateQueryFilter($"PartitionKey eq {tenantId}"), cancellationToken);

    public Task<IReadOnlyList<WorkspaceEntity>> OfContractAsync(string tenantId, string contractId, CancellationToken cancellationToken = default) =>
        QueryAsync(TableClient.CreateQueryFilter($"PartitionKey eq {tenantId} and ContractId eq {contractId}"), cancellationToken);
}

/// <summary>
/// What other parts of the product do when a scope changes: flows stop when a contract is suspended or deleted, a
/// workspace's contents go with it, and a removed member's flows and credentials pass to whoever removed them.
/// The flow and credential issues register implementations; until then there is nothing to stop, delete or move.
/// </summary>
public interface ITenancyHooks
{
    Task StopContractFlowsAsync(string tenantId, string contractId, CancellationToken cancellationToken);

    Task DeleteWorkspaceContentsAsync(string tenantId, string workspaceId, CancellationToken cancellationToken);

    Task TransferOwnershipAsync(string tenantId, string workspaceId, string fromUserId, string toUserId, CancellationToken cancellationToken);
}
