using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Errors;
using Serverless.Functions.Hosting;
using Serverless.Functions.Identity;
using Serverless.Functions.IntegrationPlatform.JsonApi;
using Serverless.Functions.Storage;

namespace Serverless.Functions.IntegrationPlatform.Flows;

/// <summary>
/// A flow's draft (FD-1..3) and its versions (FV-1..2), mapped on the flows' group. A draft may be half-built: its graph
/// is checked for shape and components, not for a trigger or valid mappers; versions are the immutable history.
/// </summary>
public static class FlowDraftsApi
{
    public const string DraftType = "flow-draft";
    public const string VersionType = "flow-version";

    public static void MapFlowDraftsApi(this RouteGroupBuilder group)
    {
        group.MapGet("/{id}/draft", GetDraft);
        group.MapPut("/{id}/draft", PutDraft);
        group.MapDelete("/{id}/draft", DeleteDraft);
        group.MapGet("/{id}/versions", ListVersions);
        group.MapGet("/{id}/versions/{hash}", GetVersion);
    }

    public sealed record DraftInput(string? Name, string? Description, string? Cron, JsonNode? Graph, JsonNode? NodesConfig, bool? StatsEnabled);

    /// <summary>FD-1: 404 when the flow has no draft.</summary>
    [EndpointId("FD-1")]
    public static async Task<JsonHttpResult<Document>> GetDraft(string id, Caller caller, FlowParts parts, HttpResponse response, CancellationToken cancellationToken)
    {
        var (flow, _) = await parts.FindAsync(id, caller, cancellationToken);
        var draft = await parts.Drafts.GetAsync(caller.TenantId, flow.Id, cancellationToken) ?? throw NoDraft(id);
        EntityTags.Set(response, draft.ETag);
        return JsonApiResults.Ok(Document.Of(DraftResource(draft)));
    }

    /// <summary>
    /// FD-2: creates or replaces the draft (200 either way); needs workspaces.flow.edit. With <c>If-Match</c>, only over
    /// the version it names (412 otherwise); without it, over whatever draft is there when the write goes in.
    /// </summary>
    [EndpointId("FD-2")]
    public static async Task<JsonHttpResult<Document>> PutDraft(string id, HttpRequest request, Caller caller, FlowParts parts, CancellationToken cancellationToken)
    {
        var (flow, _) = await parts.FindAsync(id, caller, cancellationToken, Permissions.WorkspacesFlowEdit);
        var ifMatch = EntityTags.IfMatchOf(request);
        var input = await JsonApiBody.ReadAsync<DraftInput>(request, DraftType, cancellationToken);
        var a = input.Attributes;
        var rules = new AttributeRules();
        var name = rules.MaxLength(a.Name, "name");
        var description = rules.MaxLength(a.Description, "description", 2000);
        rules.ThrowIfAny();
        var graph = FlowGraph.Parse(a.Graph ?? new JsonObject(), a.NodesConfig, parts.Catalog, parts.Jsonata, strict: false);
        FlowGraph.ParseCron(a.Cron);
        var now = parts.Time.GetUtcNow();
        var draft = await parts.Drafts.PutAsync(caller.TenantId, flow.Id, existing =>
        {
            ifMatch?.Check(existing?.ETag);
            return new FlowDraftEntity
            {
                PartitionKey = caller.TenantId,
                RowKey = flow.Id,
                DraftId = existing?.DraftId ?? Ids.New(parts.Time),
                UserId = caller.UserId,
                Name = name,
                Description = description,
                Cron = a.Cron,
                Graph = graph.Json.ToJsonString(),
                NodesConfig = graph.NodesConfig.ToJsonString(),
                StatsEnabled = a.StatsEnabled,
                Created = existing?.Created ?? now,
                Updated = now,
            };
        }, cancellationToken);
        await SetHasDraftAsync(parts, caller.TenantId, flow.Id, true, cancellationToken);
        EntityTags.Set(request.HttpContext.Response, draft.ETag);
        return JsonApiResults.Ok(Document.Of(DraftResource(draft)));
    }

    /// <summary>FD-3: 204, and 404 when there was no draft.</summary>
    [EndpointId("FD-3")]
    public static async Task<NoContent> DeleteDraft(string id, Caller caller, FlowParts parts, CancellationToken cancellationToken)
    {
        var (flow, _) = await parts.FindAsync(id, caller, cancellationToken, Permissions.WorkspacesFlowEdit);
        _ = await parts.Drafts.GetAsync(caller.TenantId, flow.Id, cancellationToken) ?? throw NoDraft(id);
        await parts.Drafts.DeleteAsync(caller.TenantId, flow.Id, cancellationToken);
        await SetHasDraftAsync(parts, caller.TenantId, flow.Id, false, cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>FV-1: oldest first, paged (page[size] 50 by default).</summary>
    [EndpointId("FV-1")]
    public static async Task<JsonHttpResult<Document>> ListVersions(string id, HttpRequest request, Caller caller, FlowParts parts, CancellationToken cancellationToken)
    {
        var (flow, _) = await parts.FindAsync(id, caller, cancellationToken);
        var paging = Paging.From(request, 50);
        var versions = (await parts.Versions.OfFlowAsync(flow.Id, cancellationToken)).OrderBy(v => v.Created).ThenBy(v => v.Hash, StringComparer.Ordinal).ToList();
        return JsonApiResults.Ok(paging.ToDocument(request, versions, VersionResource));
    }

    /// <summary>FV-2.</summary>
    [EndpointId("FV-2")]
    public static async Task<JsonHttpResult<Document>> GetVersion(string id, string hash, Caller caller, FlowParts parts, CancellationToken cancellationToken)
    {
        var (flow, _) = await parts.FindAsync(id, caller, cancellationToken);
        var version = await parts.Versions.GetAsync(flow.Id, hash, cancellationToken)
            ?? throw new ApiException(ApiError.NotFound("flow version", hash, "VERSION_HASH"));
        return JsonApiResults.Ok(Document.Of(VersionResource(version)));
    }

    private static ApiException NoDraft(string id) =>
        new(ApiError.ForStatus(StatusCodes.Status404NotFound, $"Flow '{id}' has no draft.") with { Parameter = "FLOW_ID" });

    private static Task SetHasDraftAsync(FlowParts parts, string tenantId, string flowId, bool hasDraft, CancellationToken cancellationToken) =>
        parts.Flows.MutateAsync(tenantId, flowId, f =>
        {
            var changed = f.HasDraft != hasDraft;
            f.HasDraft = hasDraft;
            return changed;
        }, cancellationToken);

    private static Resource DraftResource(FlowDraftEntity draft) => new(draft.DraftId, DraftType, new JsonObject
    {
        ["name"] = draft.Name,
        ["description"] = draft.Description,
        ["cron"] = draft.Cron,
        ["graph"] = JsonNode.Parse(draft.Graph),
        ["nodes_config"] = JsonNode.Parse(draft.NodesConfig),
        ["stats_enabled"] = draft.StatsEnabled,
        ["created_at"] = FlowParts.Iso(draft.Created),
        ["updated_at"] = FlowParts.Iso(draft.Updated),
    })
    {
        Links = new ResourceLinks($"/v2/flows/{draft.FlowId}/draft"),
        Relationships = new Dictionary<string, Relationship>
        {
            ["user"] = FlowParts.Link(draft.UserId, "user", $"/v2/users/{draft.UserId}"),
            ["flow"] = FlowParts.Link(draft.FlowId, FlowsApi.Type, $"/v2/flows/{draft.FlowId}"),
        },
    };

    private static Resource VersionResource(FlowVersionEntity version) => new(version.Hash, VersionType, new JsonObject
    {
        ["name"] = version.Name,
        ["description"] = version.Description,
        ["cron"] = version.Cron,
        ["graph"] = JsonNode.Parse(version.Graph),
        ["nodes_config"] = JsonNode.Parse(version.NodesConfig),
        ["created_at"] = FlowParts.Iso(version.Created),
    })
    {
        Links = new ResourceLinks($"/v2/flows/{version.FlowId}/versions/{version.Hash}"),
        Relationships = new Dictionary<string, Relationship>
        {
            ["user"] = FlowParts.Link(version.UserId, "user", $"/v2/users/{version.UserId}"),
            ["flow"] = FlowParts.Link(version.FlowId, FlowsApi.Type, $"/v2/flows/{version.FlowId}"),
        },
    };
}
