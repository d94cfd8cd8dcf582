using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using Serverless.Functions.Identity;
using Serverless.Functions.Storage;
using Serverless.Functions.Tenancy;

namespace Serverless.Functions.IntegrationPlatform.Flows;

// Flows:         PK = tenantId, RK = flowId → the flow as its API shows it, with the graph and nodes_config as JSON, the
//                latest version's hash, and the version it runs (RunningVersion) while active.
// FlowIds:       PK = flowId, RK = "" → TenantId: /hook/{flowId} names no tenant, so webhooks find the flow here.
//                The runtime reuses a flow row it read for up to FlowStore.RunCacheLifetime (docs/decisions/0029).
// FlowVersions:  PK = flowId, RK = version hash → an immutable copy of name, description, cron, graph, nodes_config.
// FlowDrafts:    PK = tenantId, RK = flowId → the flow's one draft.
// FlowSnapshots: PK = flowId, RK = stepId → the step's snapshot (JSON, at most 5 KB).
// FlowSchedules: PK = "schedule", RK = flowId → TenantId and Cron of each active polling flow: the minute job's list.

public static class FlowStatus
{
    public const string Active = "active";
    public const string Inactive = "inactive";
}

public sealed class FlowEntity : TableRow, IRevisioned
{
    public string TenantId => PartitionKey;
    public string Id => RowKey;
    public string WorkspaceId { get; set; } = "";
    public string ContractId { get; set; } = "";
    public string UserId { get; set; } = "";
    public string Name { get; set; } = "";
    public string? Description { get; set; }
    public string Type { get; set; } = "ordinary";
    public string Status { get; set; } = FlowStatus.Inactive;
    public string CurrentStatus { get; set; } = FlowStatus.Inactive;
    public string DefaultMapperType { get; set; } = "jsonata";
    public string? Cron { get; set; }
    public string Graph { get; set; } = "{\"nodes\":[],\"edges\":[]}";
    public string NodesConfig { get; set; } = "{}";
    public bool StatsEnabled { get; set; } = true;
    public string LatestVersion { get; set; } = "";
    public string? RunningVersion { get; set; }
    public DateTimeOffset? LastStartTime { get; set; }
    public DateTimeOffset? DueExecution { get; set; }
    public bool HasDraft { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Updated { get; set; }
    public long Revision { get; set; }

    public bool IsActive => Status == FlowStatus.Active;
}

public sealed class FlowVersionEntity : TableRow
{
    public string FlowId => PartitionKey;
    public string Hash => RowKey;
    public string UserId { get; set; } = "";
    public string Name { get; set; } = "";
    public string? Description { get; set; }
    public string? Cron { get; set; }
    public string Graph { get; set; } = "";
    public string NodesConfig { get; set; } = "{}";
    public DateTimeOffset Created { get; set; }
}

public sealed class FlowDraftEntity : TableRow, IRevisioned
{
    public string FlowId => RowKey;
    public string DraftId { get; set; } = "";
    public string UserId { get; set; } = "";
    public string? Name { get; set; }
    public string? Description { get; set; }
    public string? Cron { get; set; }
    public string Graph { get; set; } = "{\"nodes\":[],\"edges\":[]}";
    public string NodesConfig { get; set; } = "{}";
    public bool? StatsEnabled { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Updated { get; set; }
    public long Revision { get; set; }
}

public sealed class FlowSnapshotEntity : TableRow
{
    public string StepId => RowKey;
    public string Snapshot { get; set; } = "null";
    public DateTimeOffset Updated { get; set; }
}

public sealed class FlowScheduleEntity : TableRow
{
    public const string Partition = "schedule";
    public string FlowId => RowKey;
    public string TenantId { get; set; } = "";
    public string Cron { get; set; } = "";
}

public sealed class FlowIdEntity : TableRow
{
    public string TenantId { get; set; } = "";
}

public sealed class FlowStore(StorageAccount storage, TimeProvider time) : TenantScopedStore<FlowEntity>(storage.Table(StorageLayout.Tables.Flows))
{
    /// <summary>
    /// How long the runtime reuses a flow row it read (webhooks and step messages): a change made in this process is
    /// seen at once, one made by another instance within this time. A stop's operation waits it out before the flow
    /// reads <c>current_status: inactive</c> (docs/decisions/0029).
    /// </summary>
    public static readonly TimeSpan RunCacheLifetime = TimeSpan.FromSeconds(2);

    private const int MaxCached = 10_000;
    private readonly TableClient ids = storage.Table(StorageLayout.Tables.FlowIds);
    private readonly ConcurrentDictionary<string, Reading> recent = new();
    private long changes;

    /// <summary>
    /// The flow a message or a webhook request runs on: a row read at most <see cref="RunCacheLifetime"/> ago, or read
    /// now, once for all who ask at the same time. <paramref name="tenantId"/> null finds it whatever its tenant (a
    /// webhook). The row is shared: read it only.
    /// </summary>
    public async Task<FlowEntity?> GetForRunAsync(string? tenantId, string flowId, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        if (recent.Count >= MaxCached)
        {
            recent.Clear();
        }
        var reading = recent.AddOrUpdate(flowId,
            _ => new Reading(tenantId, flowId, now, this),
            (_, old) => old.Until > now && !old.Row.Value.IsFaulted ? old : new Reading(tenantId, flowId, now, this));
        var flow = await reading.Row.Value.WaitAsync(cancellationToken);
        if (flow is null || Interlocked.Read(ref changes) != reading.Changes)
        {
            // Nothing to keep, or a write of this process raced the read, so the copy may be older than the write.
            recent.TryRemove(new KeyValuePair<string, Reading>(flowId, reading));
        }
        return flow is not null && (tenantId is null || flow.TenantId == tenantId) ? flow : null;
    }

    /// <summary>One read of a flow row, shared by every caller until <see cref="Until"/>.</summary>
    private sealed class Reading(string? tenantId, string flowId, DateTimeOffset started, FlowStore store)
    {
        public long Changes { get; } = Interlocked.Read(ref store.changes);

        public DateTimeOffset Until { get; } = started + RunCacheLifetime;

        public Lazy<Task<FlowEntity?>> Row { get; } = new(() =>
            tenantId is null ? store.FindAnyTenantAsync(flowId, CancellationToken.None) : store.GetAsync(tenantId, flowId, CancellationToken.None));
    }

    protected override void Changed(string tenantId, string id)
    {
        Interlocked.Increment(ref changes);
        recent.TryRemove(id, out _);
    }

    /// <summary>The index row first: a crash between the two leaves an index row naming nothing, which lookups ignore.</summary>
    public async Task CreateAsync(FlowEntity flow, CancellationToken cancellationToken = default)
    {
        await ids.UpsertEntityAsync(new FlowIdEntity { PartitionKey = flow.Id, RowKey = "", TenantId = flow.TenantId }, TableUpdateMode.Replace, cancellationToken);
        await AddAsync(flow, cancellationToken);
    }

    /// <summary>The flow behind a webhook URL, whatever its tenant; null when there is none.</summary>
    public async Task<FlowEntity?> FindAnyTenantAsync(string flowId, CancellationToken cancellationToken = default)
    {
        if (!Ids.IsValid(flowId))
        {
            return null;
        }
        var index = await ids.GetEntityIfExistsAsync<FlowIdEntity>(flowId, "", cancellationToken: cancellationToken);
        return index.HasValue ? await GetAsync(index.Value!.TenantId, flowId, cancellationToken) : null;
    }

    public async Task RemoveAsync(FlowEntity flow, CancellationToken cancellationToken = default)
    {
        await DeleteAsync(flow.TenantId, flow.Id, cancellationToken);
        await ids.DeleteIfExistsAsync(flow.Id, "", cancellationToken);
        Changed(flow.TenantId, flow.Id);
    }

    public Task<IReadOnlyList<FlowEntity>> OfWorkspaceAsync(string tenantId, string workspaceId, CancellationToken cancellationToken = default) =>
        QueryAsync(TableClient.CreateQueryFilter($"PartitionKey eq {tenantId} and WorkspaceId eq {workspaceId}"), cancellationToken);

    public Task<IReadOnlyList<FlowEntity>> OfContractAsync(string tenantId, string contractId, CancellationToken cancellationToken = default) =>
        QueryAsync(TableClient.CreateQueryFilter($"PartitionKey eq {tenantId} and ContractId eq {contractId}"), cancellationToken);
}

public sealed class FlowVersionStore(StorageAccount storage)
{
    private readonly TableClient table = storage.Table(StorageLayout.Tables.FlowVersions);

    /// <summary>Versions are content hashes: writing one that exists changes nothing, so a retried write is harmless.</summary>
    public async Task AddAsync(FlowVersionEntity version, CancellationToken cancellationToken = default)
    {
        try
        {
            await table.AddEntityAsync(EntitySize.EnsureFits(version), cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
        }
    }

    public async Task<FlowVersionEntity?> GetAsync(string flowId, string hash, CancellationToken cancellationToken = default)
    {
        if (!Ids.IsValid(flowId) || hash.Length != 40 || !hash.All(char.IsAsciiHexDigitLower))
        {
            return null;
        }
        var found = await table.GetEntityIfExistsAsync<FlowVersionEntity>(flowId, hash, cancellationToken: cancellationToken);
        return found.HasValue ? found.Value : null;
    }

    public Task<IReadOnlyList<FlowVersionEntity>> OfFlowAsync(string flowId, CancellationToken cancellationToken = default) =>
        table.ListAsync<FlowVersionEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {flowId}"), cancellationToken);

    public async Task DeleteAllAsync(string flowId, CancellationToken cancellationToken = default)
    {
        foreach (var version in await OfFlowAsync(flowId, cancellationToken))
        {
            await table.DeleteIfExistsAsync(flowId, version.Hash, cancellationToken);
        }
    }
}

public sealed class FlowDraftStore(StorageAccount storage) : TenantScopedStore<FlowDraftEntity>(storage.Table(StorageLayout.Tables.FlowDrafts))
{
    private readonly TableClient table = storage.Table(StorageLayout.Tables.FlowDrafts);

    /// <summary>
    /// Creates or replaces the flow's draft with what <paramref name="make"/> builds from the one there (null: none), and
    /// writes it only over that one: a racing writer that got there first (412, or 409 on a create) means reading again
    /// and building again, so the draft keeps one id and every write takes its own revision.
    /// </summary>
    public Task<FlowDraftEntity> PutAsync(string tenantId, string flowId, Func<FlowDraftEntity?, FlowDraftEntity> make,
        CancellationToken cancellationToken = default) =>
        OptimisticConcurrency.RetryAsync(async () =>
        {
            var existing = await GetAsync(tenantId, flowId, cancellationToken);
            var draft = EntitySize.EnsureFits(make(existing));
            draft.Revision = (existing?.Revision ?? 0) + 1;
            var response = existing is null
                ? await table.AddEntityAsync(draft, cancellationToken)
                : await table.UpdateEntityAsync(draft, existing.ETag, TableUpdateMode.Replace, cancellationToken);
            draft.ETag = response.Headers.ETag ?? default;
            return draft;
        });
}

public sealed class FlowSnapshotStore(StorageAccount storage)
{
    /// <summary>component-model §4.6: a snapshot holds at most 5 KB of JSON.</summary>
    public const int MaxBytes = 5 * 1024;

    private readonly TableClient table = storage.Table(StorageLayout.Tables.FlowSnapshots);

    public async Task<JsonNode?> GetAsync(string flowId, string stepId, CancellationToken cancellationToken = default)
    {
        var found = await FindAsync(flowId, stepId, cancellationToken);
        return found is null ? null : JsonNode.Parse(found.Snapshot);
    }

    public async Task<FlowSnapshotEntity?> FindAsync(string flowId, string stepId, CancellationToken cancellationToken = default)
    {
        var found = await table.GetEntityIfExistsAsync<FlowSnapshotEntity>(flowId, stepId, cancellationToken: cancellationToken);
        return found.HasValue ? found.Value : null;
    }

    public Task<IReadOnlyList<FlowSnapshotEntity>> OfFlowAsync(string flowId, CancellationToken cancellationToken = default) =>
        table.ListAsync<FlowSnapshotEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {flowId}"), cancellationToken);

    /// <summary>Adds (create) or replaces; <paramref name="mustExist"/> true = only if present, false = only if absent, null = either.</summary>
    public async Task<bool> WriteAsync(string flowId, string stepId, JsonNode? snapshot, DateTimeOffset now, bool? mustExist, CancellationToken cancellationToken = default)
    {
        var entity = new FlowSnapshotEntity { PartitionKey = flowId, RowKey = stepId, Snapshot = snapshot?.ToJsonString() ?? "null", Updated = now };
        try
        {
            switch (mustExist)
            {
                case true:
                    await table.UpdateEntityAsync(entity, ETag.All, TableUpdateMode.Replace, cancellationToken);
                    break;
                case false:
                    await table.AddEntityAsync(entity, cancellationToken);
                    break;
                default:
                    await table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
                    break;
            }
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 409)
        {
            return false;
        }
    }

    public Task DeleteAsync(string flowId, string stepId, CancellationToken cancellationToken = default) => table.DeleteIfExistsAsync(flowId, stepId, cancellationToken);

    public async Task DeleteAllAsync(string flowId, CancellationToken cancellationToken = default)
    {
        foreach (var snapshot in await OfFlowAsync(flowId, cancellationToken))
        {
            await table.DeleteIfExistsAsync(flowId, snapshot.StepId, cancellationToken);
        }
    }

    public static bool Fits(JsonNode? snapshot) => System.Text.Encoding.UTF8.GetByteCount(snapshot?.ToJsonString() ?? "null") <= MaxBytes;
}

public sealed class FlowScheduleStore(StorageAccount storage)
{
    private readonly TableClient table = storage.Table(StorageLayout.Tables.FlowSchedules);

    public Task SetAsync(string tenantId, string flowId, string cron, CancellationToken cancellationToken = default) =>
        table.UpsertEntityAsync(new FlowScheduleEntity { PartitionKey = FlowScheduleEntity.Partition, RowKey = flowId, TenantId = tenantId, Cron = cron },
            TableUpdateMode.Replace, cancellationToken);

    public Task RemoveAsync(string flowId, CancellationToken cancellationToken = default) =>
        table.DeleteIfExistsAsync(FlowScheduleEntity.Partition, flowId, cancellationToken);

    public Task<IReadOnlyList<FlowScheduleEntity>> AllAsync(CancellationToken cancellationToken = default) =>
        table.ListAsync<FlowScheduleEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {FlowScheduleEntity.Partition}"), cancellationToken);
}
