using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Errors;
using Serverless.Functions.Hosting;
using Serverless.Functions.Identity;
using Serverless.Functions.IntegrationPlatform.FlowRuntime;
using Serverless.Functions.IntegrationPlatform.JsonApi;
using Serverless.Functions.Operations;
using Serverless.Functions.Storage;
using Serverless.Functions.Tenancy;

namespace Serverless.Functions.IntegrationPlatform.Flows;

/// <summary>
/// Flows (FL-1..8). Members of a flow's workspace read it; changes need workspaces.flow.edit, start and stop
/// workspaces.flow.toggleStatus, each in a contract that is not suspended. Every change of content makes a version.
/// </summary>
public static class FlowsApi
{
    public const string Type = "flow";
    private static readonly string[] FlowTypes = ["ordinary", "long_running"];
    private static readonly string[] Sorts = ["created_at", "updated_at", "name"];

    public static RouteGroupBuilder MapFlowsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapIntegrationGroup("Flows", "/v2/flows");
        group.MapGet("/", ListFlows);
        group.MapGet("/{id}", GetFlow);
        group.MapPost("/", CreateFlow);
        group.MapPatch("/{id}", UpdateFlow);
        group.MapPost("/{id}/start", StartFlow);
        group.MapPost("/{id}/stop", StopFlow);
        group.MapDelete("/{id}", DeleteFlow);
        group.MapPost("/{id}/copy", CopyFlow);
        group.MapFlowDraftsApi();
        group.MapFlowSnapshotsApi();
        return group;
    }

    public sealed record FlowInput(string? Name, string? Description, string? Type, string? DefaultMapperType, string? Cron, JsonNode? Graph,
        JsonNode? NodesConfig, bool? StatsEnabled);

    public sealed record FlowCopyInput(string? DestFlowId, string? TopicId, string? Name);

    /// <summary>FL-1: a workspace's flows, filtered, searched, sorted and paged.</summary>
    [EndpointId("FL-1")]
    public static async Task<JsonHttpResult<Document>> ListFlows(HttpRequest request, Caller caller, FlowParts parts, CancellationToken cancellationToken)
    {
        var workspaceId = request.Query["workspace_id"].FirstOrDefault()
            ?? throw new ApiException(ApiError.InvalidParameter("workspace_id", "'workspace_id' is required."));
        var workspace = await ReadableAsync(parts, caller, workspaceId, cancellationToken);
        var paging = Paging.From(request, 50);
        IEnumerable<FlowEntity> found = await parts.Flows.OfWorkspaceAsync(caller.TenantId, workspace.Workspace.Id, cancellationToken);
        string? Filter(string name, params string[] allowed)
        {
            var value = request.Query[$"filter[{name}]"].FirstOrDefault();
            return value is not null && allowed.Length > 0 && !allowed.Contains(value)
                ? throw new ApiException(ApiError.InvalidParameter($"filter[{name}]", $"'filter[{name}]' must be one of: {string.Join(", ", allowed)}."))
                : value;
        }
        if (Filter("has_draft", "true", "false") is { } hasDraft)
        {
            found = found.Where(f => f.HasDraft == (hasDraft == "true"));
        }
        if (Filter("status", FlowStatus.Active, FlowStatus.Inactive) is { } status)
        {
            found = found.Where(f => f.Status == status);
        }
        if (Filter("type", FlowTypes) is { } type)
        {
            found = found.Where(f => f.Type == type);
        }
        if (Filter("user") is { } user)
        {
            found = found.Where(f => f.UserId == user);
        }
        if (request.Query["search"].FirstOrDefault()?.Trim() is { Length: > 0 } search)
        {
            found = found.Where(f => f.Name.Contains(search, StringComparison.OrdinalIgnoreCase)
                || (f.Description?.Contains(search, StringComparison.OrdinalIgnoreCase) ?? false));
        }
        var sort = request.Query["sort"].FirstOrDefault();
        var key = sort?.TrimStart('-');
        if (key is not null && !Sorts.Contains(key))
        {
            throw new ApiException(ApiError.InvalidParameter("sort", $"'sort' must be one of {string.Join(", ", Sorts)}, optionally prefixed with '-'."));
        }
        Func<FlowEntity, IComparable> by = key switch
        {
            "created_at" => f => f.Created,
            "updated_at" => f => f.Updated,
            "name" => f => f.Name,
            _ => f => f.Id,
        };
        var ordered = sort?.StartsWith('-') == true ? found.OrderByDescending(by).ThenBy(f => f.Id, StringComparer.Ordinal) : found.OrderBy(by).ThenBy(f => f.Id, StringComparer.Ordinal);
        return JsonApiResults.Ok(paging.ToDocument(request, ordered.ToList(), f => Resource(f, parts)));
    }

    /// <summary>FL-2.</summary>
    [EndpointId("FL-2")]
    public static async Task<JsonHttpResult<Document>> GetFlow(string id, Caller caller, FlowParts parts, HttpResponse response, CancellationToken cancellationToken)
    {
        var (flow, _) = await parts.FindAsync(id, caller, cancellationToken);
        EntityTags.Set(response, flow.ETag);
        return JsonApiResults.Ok(Document.Of(Resource(flow, parts)));
    }

    /// <summary>FL-3: the graph is checked whole (components, functions, edges, one trigger, mappers) before anything is written.</summary>
    [EndpointId("FL-3")]
    public static async Task<JsonHttpResult<Document>> CreateFlow(HttpRequest request, Caller caller, FlowParts parts,
        CancellationToken cancellationToken)
    {
        var input = await JsonApiBody.ReadAsync<FlowInput>(request, Type, cancellationToken);
        var workspaceId = JsonApiBody.RelationshipId(input.Relationships, "workspace", "workspace", required: true)!;
        var workspace = (await parts.Access.WorkspaceAsync(caller, workspaceId, cancellationToken)).Require(Permissions.WorkspacesFlowEdit).RequireWritable();
        var a = input.Attributes;
        var rules = new AttributeRules();
        var name = rules.Required(a.Name, "name");
        var description = rules.MaxLength(a.Description, "description", 2000);
        rules.Check(a.Type is not null, "type", "'type' is required: ordinary or long_running.");
        rules.OneOf(a.Type, "type", FlowTypes);
        rules.Check(a.DefaultMapperType == "jsonata", "default_mapper_type", "'default_mapper_type' is required and must be 'jsonata' (handlebars is deprecated).");
        rules.Check(a.Graph is not null, "graph", "'graph' is required: {\"nodes\": [...], \"edges\": [...]}.");
        rules.ThrowIfAny();
        var graph = FlowGraph.Parse(a.Graph, a.NodesConfig, parts.Catalog, parts.Jsonata, strict: true);
        FlowGraph.ParseCron(a.Cron);
        var now = parts.Time.GetUtcNow();
        var flow = new FlowEntity
        {
            PartitionKey = caller.TenantId,
            RowKey = Ids.New(parts.Time),
            WorkspaceId = workspace.Workspace.Id,
            ContractId = workspace.Contract.Id,
            UserId = caller.UserId,
            Name = name,
            Description = description,
            Type = a.Type!,
            Cron = string.IsNullOrWhiteSpace(a.Cron) ? null : a.Cron,
            Graph = graph.Json.ToJsonString(),
            NodesConfig = graph.NodesConfig.ToJsonString(),
            StatsEnabled = a.StatsEnabled ?? StatsDefault(workspace),
            Created = now,
            Updated = now,
        };
        flow.LatestVersion = await parts.AddVersionAsync(flow.Id, caller.UserId, flow.Name, flow.Description, flow.Cron, graph.Json, graph.NodesConfig, cancellationToken);
        await parts.Flows.CreateAsync(flow, cancellationToken);
        return JsonApiResults.Created(request.HttpContext.Response, Document.Of(Resource(flow, parts)), $"/v2/flows/{flow.Id}");
    }

    /// <summary>
    /// FL-4: each change is a new version, which becomes latest_version; a running flow keeps its version until restarted.
    /// What the body leaves out is taken from the flow as it is when the write goes in, never from an earlier read, so
    /// racing PATCHes of different fields all land; with <c>If-Match</c>, only over the version it names (412 otherwise).
    /// </summary>
    [EndpointId("FL-4")]
    public static async Task<JsonHttpResult<Document>> UpdateFlow(string id, HttpRequest request, Caller caller, FlowParts parts,
        CancellationToken cancellationToken)
    {
        var (flow, _) = await parts.FindAsync(id, caller, cancellationToken, Permissions.WorkspacesFlowEdit);
        var ifMatch = EntityTags.IfMatchOf(request);
        var input = await JsonApiBody.ReadAsync<FlowInput>(request, Type, cancellationToken);
        if (input.Id is null)
        {
            throw new ApiException(ApiError.InvalidField("/data/id", "'data.id' is required and must be the flow's id."));
        }
        JsonApiBody.CheckId(input.Id, id);
        var a = input.Attributes;
        var rules = new AttributeRules();
        var name = a.Name is null ? null : rules.Required(a.Name, "name");
        var description = rules.MaxLength(a.Description, "description", 2000);
        rules.OneOf(a.Type, "type", FlowTypes);
        rules.Check(a.DefaultMapperType is null or "jsonata", "default_mapper_type", "'default_mapper_type' must be 'jsonata' (handlebars is deprecated).");
        rules.Check(a.Type is null || a.Type == flow.Type || !flow.IsActive, "type", "Stop the flow before switching it between ordinary and long_running.");
        rules.ThrowIfAny();
        FlowGraph.ParseCron(a.Cron);
        var updated = await parts.Flows.MutateAsync(caller.TenantId, flow.Id, async f =>
        {
            ifMatch?.Check(f.ETag);
            if (a.Type is not null && a.Type != f.Type && f.IsActive)
            {
                throw new ApiException(ApiError.InvalidField("/data/attributes/type", "Stop the flow before switching it between ordinary and long_running."));
            }
            var graph = FlowGraph.Parse(a.Graph ?? JsonNode.Parse(f.Graph), a.NodesConfig ?? (a.Graph is null ? JsonNode.Parse(f.NodesConfig) : null),
                parts.Catalog, parts.Jsonata, strict: true);
            f.Name = name ?? f.Name;
            f.Description = a.Description is null ? f.Description : description;
            f.Cron = a.Cron is null ? f.Cron : a.Cron.Length == 0 ? null : a.Cron;
            // The version first: a crash before the row leaves a version nothing names, never a flow naming no version.
            f.LatestVersion = await parts.AddVersionAsync(f.Id, caller.UserId, f.Name, f.Description, f.Cron, graph.Json, graph.NodesConfig, cancellationToken);
            f.Type = a.Type ?? f.Type;
            f.Graph = graph.Json.ToJsonString();
            f.NodesConfig = graph.NodesConfig.ToJsonString();
            f.StatsEnabled = a.StatsEnabled ?? f.StatsEnabled;
            f.Updated = parts.Time.GetUtcNow();
            return true;
        }, cancellationToken) ?? throw FlowParts.NotFound(id);
        EntityTags.Set(request.HttpContext.Response, updated.ETag);
        return JsonApiResults.Ok(Document.Of(Resource(updated, parts)));
    }

    /// <summary>FL-5: status is active at once, on the latest version; current_status follows when the start operation has run.</summary>
    [EndpointId("FL-5")]
    public static async Task<JsonHttpResult<Document>> StartFlow(string id, HttpContext context, Caller caller, FlowParts parts, FlowLifecycle lifecycle,
        OperationsEngine operations, CancellationToken cancellationToken)
    {
        var (flow, _) = await parts.FindAsync(id, caller, cancellationToken, Permissions.WorkspacesFlowToggleStatus);
        if (JsonNode.Parse(flow.Graph)?["nodes"] is JsonArray { Count: 0 })
        {
            throw new ApiException(ApiError.Conflict("/data/attributes/graph", "The flow has no steps; add them (PATCH the flow) before starting it."));
        }
        var started = await lifecycle.RequestStartAsync(caller.TenantId, flow.Id, cancellationToken) ?? throw FlowParts.NotFound(id);
        await operations.StartAsync(FlowRuntime.StartFlow.KindName, caller, flow.Id, cancellationToken: cancellationToken);
        var document = Document.Of(Resource(started, parts));
        return TypedResults.Json(document, JsonApiJson.Options, JsonApiResults.ContentType, StatusCodes.Status202Accepted);
    }

    /// <summary>FL-6: from the answer on, the flow's messages wait (parked) for its next start; none is dropped.</summary>
    [EndpointId("FL-6")]
    public static async Task<JsonHttpResult<Document>> StopFlow(string id, Caller caller, FlowParts parts, FlowLifecycle lifecycle, OperationsEngine operations,
        CancellationToken cancellationToken)
    {
        var (flow, _) = await parts.FindAsync(id, caller, cancellationToken, Permissions.WorkspacesFlowToggleStatus);
        await lifecycle.StopAsync(caller.TenantId, flow.Id, completely: false, cancellationToken);
        await operations.StartAsync(FlowRuntime.StopFlow.KindName, caller, flow.Id, cancellationToken: cancellationToken);
        return TypedResults.Json(new Document(new JsonObject()), JsonApiJson.Options, JsonApiResults.ContentType, StatusCodes.Status202Accepted);
    }

    /// <summary>FL-7: needs workspaces.flow.edit; stops the flow and deletes it with its versions, draft, snapshots and records.</summary>
    [EndpointId("FL-7")]
    public static async Task<NoContent> DeleteFlow(string id, Caller caller, FlowParts parts, FlowLifecycle lifecycle, CancellationToken cancellationToken)
    {
        var (flow, _) = await parts.FindAsync(id, caller, cancellationToken, Permissions.WorkspacesFlowEdit);
        await parts.Drafts.DeleteAsync(caller.TenantId, flow.Id, cancellationToken);
        await lifecycle.DeleteAsync(flow, cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// FL-8: copies into the draft of an existing flow (<c>dest_flow_id</c>) or of a new, empty flow in another workspace
    /// (<c>dest_workspace</c>); exactly one of them. The caller reads the source and edits flows at the destination.
    /// </summary>
    [EndpointId("FL-8")]
    public static async Task<JsonHttpResult<Document>> CopyFlow(string id, HttpRequest request, Caller caller, FlowParts parts,
        CancellationToken cancellationToken)
    {
        var (source, _) = await parts.FindAsync(id, caller, cancellationToken);
        var input = await JsonApiBody.ReadAsync<FlowCopyInput>(request, "flow-copy", cancellationToken);
        var destWorkspaceId = JsonApiBody.RelationshipId(input.Relationships, "dest_workspace", "workspace", required: false);
        var destFlowId = input.Attributes.DestFlowId;
        if ((destWorkspaceId is null) == (destFlowId is null))
        {
            throw new ApiException(ApiError.InvalidField("/data/attributes/dest_flow_id",
                "Give exactly one of 'attributes.dest_flow_id' (copy into that flow's draft) and 'relationships.dest_workspace' (copy into a new flow)."));
        }
        if (input.Attributes.TopicId is not null)
        {
            throw new ApiException(ApiError.InvalidField("/data/attributes/topic_id", "'topic_id' is allowed only for flows with a Pub/Sub step, and this flow has none."));
        }
        var rules = new AttributeRules();
        var name = rules.MaxLength(input.Attributes.Name, "name") ?? source.Name;
        rules.ThrowIfAny();
        FlowEntity destination;
        var now = parts.Time.GetUtcNow();
        if (destFlowId is not null)
        {
            destination = (await parts.FindAsync(destFlowId, caller, cancellationToken, Permissions.WorkspacesFlowEdit)).Flow;
        }
        else
        {
            var workspace = (await parts.Access.WorkspaceAsync(caller, destWorkspaceId!, cancellationToken)).Require(Permissions.WorkspacesFlowEdit).RequireWritable();
            var empty = new JsonObject { ["nodes"] = new JsonArray(), ["edges"] = new JsonArray() };
            destination = new FlowEntity
            {
                PartitionKey = caller.TenantId,
                RowKey = Ids.New(parts.Time),
                WorkspaceId = workspace.Workspace.Id,
                ContractId = workspace.Contract.Id,
                UserId = caller.UserId,
                Name = name,
                Description = source.Description,
                Type = source.Type,
                Graph = empty.ToJsonString(),
                StatsEnabled = StatsDefault(workspace),
                Created = now,
                Updated = now,
            };
            destination.LatestVersion = await parts.AddVersionAsync(destination.Id, caller.UserId, name, source.Description, null, empty, [], cancellationToken);
            await parts.Flows.CreateAsync(destination, cancellationToken);
        }
        await parts.Drafts.PutAsync(caller.TenantId, destination.Id, _ => new FlowDraftEntity
        {
            PartitionKey = caller.TenantId,
            RowKey = destination.Id,
            DraftId = Ids.New(parts.Time),
            UserId = caller.UserId,
            Name = name,
            Description = source.Description,
            Cron = source.Cron,
            Graph = source.Graph,
            NodesConfig = source.NodesConfig,
            StatsEnabled = source.StatsEnabled,
            Created = now,
            Updated = now,
        }, cancellationToken);
        destination = await parts.Flows.MutateAsync(caller.TenantId, destination.Id, f =>
        {
            f.HasDraft = true;
            return true;
        }, cancellationToken) ?? destination;
        return JsonApiResults.Created(request.HttpContext.Response, Document.Of(Resource(destination, parts)), $"/v2/flows/{destination.Id}");
    }

    /// <summary>
    /// The Flow Stats Toggle: workspace, then contract; the first explicit false wins, else true. The tenant's default is
    /// not consulted: no endpoint sets it, and its column cannot tell "unset" from false.
    /// </summary>
    private static bool StatsDefault(WorkspaceAccess workspace) =>
        workspace.Workspace.FlowStatsEnabledDefault != false && workspace.Contract.FlowStatsEnabledDefault != false;

    /// <summary>A workspace whose flows and logs the caller may read; for anyone else it does not exist.</summary>
    internal static async Task<WorkspaceAccess> ReadableAsync(FlowParts parts, Caller caller, string workspaceId, CancellationToken cancellationToken) =>
        await parts.Access.ContentsReaderAsync(caller, workspaceId, cancellationToken)
            ?? throw new ApiException(ApiError.NotFound("workspace", workspaceId, "workspace_id"));

    internal static Resource Resource(FlowEntity flow, FlowParts parts)
    {
        var attributes = new JsonObject
        {
            ["name"] = flow.Name,
            ["description"] = flow.Description,
            ["type"] = flow.Type,
            ["status"] = flow.Status,
            ["current_status"] = flow.CurrentStatus,
            ["default_mapper_type"] = flow.DefaultMapperType,
            ["cron"] = flow.Cron,
            ["graph"] = JsonNode.Parse(flow.Graph),
            ["nodes_config"] = JsonNode.Parse(flow.NodesConfig),
            ["stats_enabled"] = flow.StatsEnabled,
            ["api_version"] = "2.0",
            ["created_at"] = FlowParts.Iso(flow.Created),
            ["updated_at"] = FlowParts.Iso(flow.Updated),
            ["last_modified"] = FlowParts.Iso(flow.Updated),
        };
        if (flow.LastStartTime is { } started)
        {
            attributes["last_start_time"] = FlowParts.Iso(started);
        }
        if (flow.IsActive && flow.Cron is { } cron && FlowLifecycle.NextRun(cron, parts.Time.GetUtcNow()) is { } due)
        {
            attributes["due_execution"] = FlowParts.Iso(due);
        }
        var relationships = new Dictionary<string, Relationship>
        {
            ["user"] = FlowParts.Link(flow.UserId, "user", $"/v2/users/{flow.UserId}"),
            ["workspace"] = FlowParts.Link(flow.WorkspaceId, "workspace", $"/v2/workspaces/{flow.WorkspaceId}"),
            ["versions"] = new() { Links = new RelationshipLinks { Related = $"/v2/flows/{flow.Id}/versions" } },
            ["latest_version"] = new()
            {
                Data = new ResourceIdentifier(flow.LatestVersion, FlowDraftsApi.VersionType),
                Links = new RelationshipLinks { Self = $"/v2/flows/{flow.Id}/versions/{flow.LatestVersion}", Related = $"/v2/flows/{flow.Id}/versions/{flow.LatestVersion}" },
            },
        };
        if (flow.HasDraft)
        {
            relationships["draft"] = new() { Links = new RelationshipLinks { Related = $"/v2/flows/{flow.Id}/draft" } };
        }
        return new Resource(flow.Id, Type, attributes)
        {
            Links = new ResourceLinks($"/v2/flows/{flow.Id}"),
            Relationships = relationships,
        };
    }
}
