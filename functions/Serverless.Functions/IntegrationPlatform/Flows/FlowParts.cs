using System.Globalization;
using System.Text.Json.Nodes;
using Serverless.Functions.Errors;
using Serverless.Functions.Identity;
using Serverless.Functions.IntegrationPlatform.JsonApi;
using Serverless.Functions.Runtime.Components;
using Serverless.Functions.Runtime.Scripting;
using Serverless.Functions.Tenancy;

namespace Serverless.Functions.IntegrationPlatform.Flows;

/// <summary>What the flow handlers share: the stores, access control, the catalog and the clock, and the flow's one read rule.</summary>
public sealed class FlowParts(FlowStore flows, FlowVersionStore versions, FlowDraftStore drafts, FlowSnapshotStore snapshots, AccessControl access,
    ComponentCatalog catalog, Jsonata jsonata, TimeProvider time)
{
    public FlowStore Flows => flows;
    public FlowVersionStore Versions => versions;
    public FlowDraftStore Drafts => drafts;
    public FlowSnapshotStore Snapshots => snapshots;
    public AccessControl Access => access;
    public ComponentCatalog Catalog => catalog;
    public Jsonata Jsonata => jsonata;
    public TimeProvider Time => time;

    /// <summary>
    /// FL-2's rule for every flow route: members of the flow's workspace (and tenant admins) see it; anyone else gets
    /// the 404 a flow that does not exist gets. With permissions given, the caller needs one of them and a writable contract.
    /// </summary>
    public async Task<(FlowEntity Flow, WorkspaceAccess Workspace)> FindAsync(string id, Caller caller, CancellationToken cancellationToken,
        params string[] permissions)
    {
        var flow = await flows.GetAsync(caller.TenantId, id, cancellationToken) ?? throw NotFound(id);
        var workspace = await access.ContentsReaderAsync(caller, flow.WorkspaceId, cancellationToken) ?? throw NotFound(id);
        return (flow, permissions.Length == 0 ? workspace : workspace.Require(permissions).RequireWritable());
    }

    public static ApiException NotFound(string id) => new(ApiError.NotFound("flow", id, "FLOW_ID"));

    public static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static Relationship Link(string id, string type, string self) =>
        new() { Data = new ResourceIdentifier(id, type), Links = new RelationshipLinks { Self = self } };

    /// <summary>Writes a version and makes it the flow's latest: the hash of its content, so unchanged content is the same version.</summary>
    public async Task<string> AddVersionAsync(string flowId, string userId, string name, string? description, string? cron, JsonObject graph,
        JsonObject nodesConfig, CancellationToken cancellationToken)
    {
        var hash = FlowGraph.VersionHash(name, description, cron, graph, nodesConfig);
        await versions.AddAsync(new FlowVersionEntity
        {
            PartitionKey = flowId,
            RowKey = hash,
            UserId = userId,
            Name = name,
            Description = description,
            Cron = cron,
            Graph = graph.ToJsonString(),
            NodesConfig = nodesConfig.ToJsonString(),
            Created = time.GetUtcNow(),
        }, cancellationToken);
        return hash;
    }
}
