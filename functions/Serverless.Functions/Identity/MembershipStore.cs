using System.Runtime.Serialization;
using System.Text.Json;
using Azure.Data.Tables;
using Serverless.Functions.Storage;

namespace Serverless.Functions.Identity;

// Memberships: one table, three kinds of row.
//   PK = "c:{contractId}",  RK = userId               → the user's contract roles; a contract's members are one partition.
//   PK = "w:{workspaceId}", RK = userId               → the user's workspace roles; a workspace's members are one partition.
//   PK = "u:{userId}",      RK = "c:{id}" or "w:{id}" → index: the user's contracts and workspaces, for listing them.
// The scope rows decide access; the index rows only serve lists. A scope row is written before its index row and
// deleted after it, so a crash between the two can leave a member missing from their own list, never a listed scope
// they cannot open.

public sealed class MembershipEntity : TableRow
{
    /// <summary>JSON array of role names.</summary>
    public string Roles { get; set; } = "[]";

    /// <summary>On workspace rows and their index rows: the workspace's contract.</summary>
    public string? ContractId { get; set; }

    public string UserId => RowKey;

    [IgnoreDataMember]
    public IReadOnlyList<string> RoleList => JsonSerializer.Deserialize(Roles, AppJson.Default.ListString) ?? [];
}

public enum ScopeKind
{
    Contract,
    Workspace,
}

public sealed class MembershipStore(StorageAccount storage)
{
    private readonly TableClient table = storage.Table(StorageLayout.Tables.Memberships);

    public static string ScopeKey(ScopeKind kind, string id) => (kind == ScopeKind.Contract ? "c:" : "w:") + id;

    private static string UserKey(string userId) => "u:" + userId;

    public async Task<MembershipEntity?> GetAsync(ScopeKind kind, string scopeId, string userId, CancellationToken cancellationToken = default)
    {
        // The ids come from paths and bodies; one that is no id names no membership, and must not reach storage as a key.
        if (!Ids.IsValid(scopeId) || !Ids.IsValid(userId))
        {
            return null;
        }
        var found = await table.GetEntityIfExistsAsync<MembershipEntity>(ScopeKey(kind, scopeId), userId, cancellationToken: cancellationToken);
        return found.HasValue ? found.Value : null;
    }

    public Task<IReadOnlyList<MembershipEntity>> MembersAsync(ScopeKind kind, string scopeId, CancellationToken cancellationToken = default) =>
        table.ListAsync<MembershipEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {ScopeKey(kind, scopeId)}"), cancellationToken);

    /// <summary>The ids of the scopes of this kind the user belongs to (from the index rows).</summary>
    public async Task<IReadOnlyList<MembershipEntity>> ScopesOfAsync(string userId, ScopeKind kind, CancellationToken cancellationToken = default)
    {
        var prefix = ScopeKey(kind, "");
        // "c:" .. "c;" is every RowKey that starts with "c:" (';' follows ':' in ASCII).
        var end = prefix[..^1] + ";";
        return await table.ListAsync<MembershipEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {UserKey(userId)} and RowKey ge {prefix} and RowKey lt {end}"), cancellationToken);
    }

    public async Task<MembershipEntity> SetAsync(ScopeKind kind, string scopeId, string userId, IReadOnlyList<string> roles,
        string? contractId = null, CancellationToken cancellationToken = default)
    {
        var row = ScopeRow(kind, scopeId, userId, roles, contractId);
        await table.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken);
        await WriteIndexAsync(row, cancellationToken);
        return row;
    }

    public async Task RemoveAsync(ScopeKind kind, string scopeId, string userId, CancellationToken cancellationToken = default)
    {
        await table.DeleteIfExistsAsync(UserKey(userId), ScopeKey(kind, scopeId), cancellationToken);
        await table.DeleteIfExistsAsync(ScopeKey(kind, scopeId), userId, cancellationToken);
    }

    /// <summary>
    /// Sets the member's roles unless that takes the owner role from the scope's last Owner; then it writes nothing and
    /// answers null.
    /// </summary>
    public async Task<MembershipEntity?> SetKeepingAnOwnerAsync(ScopeKind kind, string scopeId, string userId, IReadOnlyList<string> roles,
        string? contractId = null, CancellationToken cancellationToken = default)
    {
        var row = ScopeRow(kind, scopeId, userId, roles, contractId);
        if (!await WriteKeepingAnOwnerAsync(kind, scopeId, userId, row, cancellationToken))
        {
            return null;
        }
        await WriteIndexAsync(row, cancellationToken);
        return row;
    }

    private static MembershipEntity ScopeRow(ScopeKind kind, string scopeId, string userId, IReadOnlyList<string> roles, string? contractId) => new()
    {
        PartitionKey = ScopeKey(kind, scopeId),
        RowKey = userId,
        Roles = JsonSerializer.Serialize(roles, AppJson.Default.IEnumerableString),
        ContractId = contractId,
    };

    /// <summary>The index row that lists the scope among the user's, written after the scope row it mirrors.</summary>
    private Task WriteIndexAsync(MembershipEntity scopeRow, CancellationToken cancellationToken) =>
        table.UpsertEntityAsync(new MembershipEntity { PartitionKey = UserKey(scopeRow.UserId), RowKey = scopeRow.PartitionKey, Roles = scopeRow.Roles, ContractId = scopeRow.ContractId },
            TableUpdateMode.Replace, cancellationToken);

    /// <summary>Removes the member unless they are the scope's last Owner; then it removes nothing and answers false.</summary>
    public async Task<bool> RemoveKeepingAnOwnerAsync(ScopeKind kind, string scopeId, string userId, CancellationToken cancellationToken = default)
    {
        var index = await table.GetEntityIfExistsAsync<MembershipEntity>(UserKey(userId), ScopeKey(kind, scopeId), cancellationToken: cancellationToken);
        await table.DeleteIfExistsAsync(UserKey(userId), ScopeKey(kind, scopeId), cancellationToken);
        var kept = await WriteKeepingAnOwnerAsync(kind, scopeId, userId, null, cancellationToken);
        if (!kept && index.HasValue)
        {
            // The index row went first, as removals go; the member stays, so their scope goes back into their list.
            var restored = index.Value!;
            restored.ETag = default;
            await table.UpsertEntityAsync(restored, TableUpdateMode.Replace, cancellationToken);
        }
        return kept;
    }

    /// <summary>
    /// Writes (or, for a null <paramref name="row"/>, deletes) one member's scope row. When that takes the owner role
    /// from someone, the same transaction rewrites every other Owner's row under the ETag it was read with: of two
    /// concurrent changes that would each leave the other as the last Owner, the second then fails (412), reads again,
    /// finds one Owner left and gives up. Without the touch both could read two Owners and both commit.
    /// </summary>
    private Task<bool> WriteKeepingAnOwnerAsync(ScopeKind kind, string scopeId, string userId, MembershipEntity? row,
        CancellationToken cancellationToken) =>
        OptimisticConcurrency.RetryAsync(async () =>
        {
            var members = await MembersAsync(kind, scopeId, cancellationToken);
            var before = members.FirstOrDefault(m => m.UserId == userId);
            var actions = new List<TableTransactionAction>();
            if (row is not null)
            {
                actions.Add(before is null ? new(TableTransactionActionType.Add, row) : new(TableTransactionActionType.UpdateReplace, row, before.ETag));
            }
            else if (before is not null)
            {
                actions.Add(new(TableTransactionActionType.Delete, before, before.ETag));
            }
            else
            {
                return true;
            }
            if (before?.RoleList.Contains(RoleCatalog.Owner) == true && row?.RoleList.Contains(RoleCatalog.Owner) != true)
            {
                var otherOwners = members.Where(m => m.UserId != userId && m.RoleList.Contains(RoleCatalog.Owner)).ToList();
                if (otherOwners.Count == 0)
                {
                    return false;
                }
                actions.AddRange(otherOwners.Select(o => new TableTransactionAction(TableTransactionActionType.UpdateMerge, o, o.ETag)));
            }
            await table.SubmitTransactionAsync(actions, cancellationToken);
            return true;
        });

    /// <summary>Removes every member of a scope; used when the scope itself is deleted.</summary>
    public async Task RemoveAllAsync(ScopeKind kind, string scopeId, CancellationToken cancellationToken = default)
    {
        foreach (var member in await MembersAsync(kind, scopeId, cancellationToken))
        {
            await RemoveAsync(kind, scopeId, member.UserId, cancellationToken);
        }
    }

}
