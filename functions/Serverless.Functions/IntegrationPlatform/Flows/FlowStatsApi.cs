using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Errors;
using Serverless.Functions.Hosting;
using Serverless.Functions.Identity;
using Serverless.Functions.IntegrationPlatform.FlowRuntime;
using Serverless.Functions.IntegrationPlatform.JsonApi;
using Serverless.Functions.Tenancy;

namespace Serverless.Functions.IntegrationPlatform.Flows;

/// <summary>Stats (ST-1, ST-2) and workspace logs (LG-1).</summary>
public static class FlowStatsApi
{
    private static readonly int[] LogLevels = [1, 10, 20, 30, 40, 50, 60];

    public static void MapFlowStatsApi(this IEndpointRouteBuilder app)
    {
        var stats = app.MapIntegrationGroup("Stats", "/v2/stats");
        stats.MapGet("/queues/{flowId}", QueueStats);
        stats.MapGet("/workspaces", WorkspaceStats);
        var logs = app.MapIntegrationGroup("Logs", "/v2/logs");
        logs.MapGet("/", WorkspaceLogs);
    }

    /// <summary>ST-1: per step, messages waiting (ready), being processed (unacked) and waiting out a rebound; plus in, out and errors.</summary>
    [EndpointId("ST-1")]
    public static async Task<JsonHttpResult<JsonObject>> QueueStats(string flowId, Caller caller, FlowParts parts, FlowCounters counters,
        CancellationToken cancellationToken)
    {
        var (flow, _) = await parts.FindAsync(flowId, caller, cancellationToken);
        var steps = (JsonNode.Parse(flow.Graph)?["nodes"] as JsonArray ?? []).Select(n => n!["id"]!.ToString()).ToList();
        var stats = await counters.ReadAsync(flow.Id, steps, cancellationToken);
        return TypedResults.Json(new JsonObject
        {
            ["data"] = new JsonObject
            {
                ["id"] = flow.Id,
                ["type"] = "flow-queue-stats",
                ["attributes"] = new JsonObject
                {
                    ["stats"] = new JsonArray([.. stats.Select(s => (JsonNode)new JsonObject
                    {
                        ["step_id"] = s.StepId,
                        ["total"] = s.Total,
                        ["ready"] = s.Ready,
                        ["unacked"] = s.Unacked,
                        ["rebounds"] = s.Rebounds,
                        ["in"] = s.In,
                        ["out"] = s.Out,
                        ["errors"] = s.Errors,
                    })]),
                },
            },
        }, AppJson.Default.JsonObject, JsonApiResults.ContentType);
    }

    /// <summary>
    /// ST-2: a contract's workspaces with their flows and the components those use. Contract members need
    /// global.stats.workspaces and must name the contract; a tenant admin must not (and sees every workspace).
    /// </summary>
    [EndpointId("ST-2")]
    public static async Task<JsonHttpResult<Document>> WorkspaceStats(HttpRequest request, Caller caller, FlowParts parts, WorkspaceStore workspaces,
        CancellationToken cancellationToken)
    {
        var contractId = request.Query["contract_id"].FirstOrDefault();
        IReadOnlyList<WorkspaceEntity> found;
        if (caller.IsTenantAdmin)
        {
            if (contractId is not null)
            {
                throw new ApiException(ApiError.InvalidParameter("contract_id", "A tenant admin's stats cover every contract: leave 'contract_id' out."));
            }
            found = await workspaces.ListOfTenantAsync(caller.TenantId, cancellationToken);
        }
        else
        {
            if (contractId is null)
            {
                throw new ApiException(ApiError.InvalidParameter("contract_id", "'contract_id' is required."));
            }
            (await parts.Access.ContractAsync(caller, contractId, cancellationToken)).Require(Permissions.GlobalStatsWorkspaces);
            found = await workspaces.OfContractAsync(caller.TenantId, contractId, cancellationToken);
        }
        var data = new List<Resource>();
        foreach (var workspace in found.OrderBy(w => w.Id, StringComparer.Ordinal))
        {
            var flows = await parts.Flows.OfWorkspaceAsync(caller.TenantId, workspace.Id, cancellationToken);
            data.Add(new Resource(workspace.Id, "workspace-stats", new JsonObject
            {
                ["name"] = workspace.Name,
                ["type"] = workspace.Type,
                ["flows"] = new JsonArray([.. flows.OrderBy(f => f.Id, StringComparer.Ordinal).Select(f => (JsonNode)new JsonObject
                {
                    ["id"] = f.Id,
                    ["name"] = f.Name,
                    ["status"] = f.Status,
                    ["type"] = f.Type,
                    ["created_at"] = FlowParts.Iso(f.Created),
                    ["updated_at"] = FlowParts.Iso(f.Updated),
                    ["components"] = new JsonArray([.. (JsonNode.Parse(f.Graph)?["nodes"] as JsonArray ?? []).Select(n => (JsonNode)new JsonObject
                    {
                        ["name"] = FlowCommand.Parse(n?["command"]?.ToString())?.Repo,
                        ["component_id"] = n?["component_id"]?.ToString(),
                        ["version"] = FlowCommand.Parse(n?["command"]?.ToString())?.Version ?? "latest",
                    })]),
                })]),
            }));
        }
        return JsonApiResults.Ok(new Document(data) { Links = new CollectionLinks(request.Path + request.QueryString) });
    }

    /// <summary>LG-1: newest first, not JSON:API: <c>{total, hits}</c>. Needs workspaces.logs.read_all in the workspace.</summary>
    [EndpointId("LG-1")]
    public static async Task<JsonHttpResult<JsonObject>> WorkspaceLogs(HttpRequest request, Caller caller, FlowParts parts, FlowLogStore logs,
        CancellationToken cancellationToken)
    {
        var workspaceId = request.Query["workspace_id"].FirstOrDefault()
            ?? throw new ApiException(ApiError.InvalidParameter("workspace_id", "'workspace_id' is required."));
        var workspace = await FlowsApi.ReadableAsync(parts, caller, workspaceId, cancellationToken);
        workspace.Require(Permissions.WorkspacesLogsReadAll);
        var now = parts.Time.GetUtcNow();
        var from = Time(request, "from") ?? now - FlowLogStore.Retention;
        var to = Time(request, "to") ?? now;
        var levels = request.Query["levels[]"].Concat(request.Query["levels"]).Select(l =>
            int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out var level) && LogLevels.Contains(level)
                ? level
                : throw new ApiException(ApiError.InvalidParameter("levels[]", $"'levels[]' must be among {string.Join(", ", LogLevels)} (bunyan levels), not '{l}'."))).ToList();
        var flowIds = request.Query["flow_ids[]"].Concat(request.Query["flow_ids"]).Select(f => f!).ToList();
        var offset = Whole(request, "offset", 0, 0);
        var limit = Math.Min(Whole(request, "limit", 100, 1), 1000);
        var (total, hits) = await logs.QueryAsync(new FlowLogQuery(workspace.Workspace.Id, from, to, flowIds, levels.Where(l => l != 1).ToList(),
            request.Query["search"].FirstOrDefault(), offset, limit), cancellationToken);
        return TypedResults.Json(new JsonObject
        {
            ["total"] = total,
            ["hits"] = new JsonArray([.. hits.Select(h => (JsonNode)new JsonObject
            {
                ["id"] = h.Id,
                ["workspace_id"] = h.WorkspaceId,
                ["flow_id"] = h.FlowId,
                ["user_id"] = h.UserId,
                ["component_id"] = h.ComponentId,
                ["container_id"] = h.ContainerId,
                ["step_id"] = h.StepId,
                ["exec_id"] = h.ExecId,
                ["method"] = h.Method,
                ["api_username"] = h.ApiUsername,
                ["component_name"] = h.ComponentName,
                ["timestamp"] = FlowParts.Iso(h.Timestamp),
                ["level"] = h.Level,
                ["message"] = h.Message,
            })]),
        }, AppJson.Default.JsonObject, JsonApiResults.ContentType);
    }

    private static DateTimeOffset? Time(HttpRequest request, string name) =>
        request.Query[name].FirstOrDefault() is not { } text
            ? null
            : DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
                ? at
                : throw new ApiException(ApiError.InvalidParameter(name, $"'{name}' must be an ISO 8601 time."));

    private static int Whole(HttpRequest request, string name, int fallback, int min) =>
        request.Query[name].FirstOrDefault() is not { } text
            ? fallback
            : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min
                ? value
                : throw new ApiException(ApiError.InvalidParameter(name, $"'{name}' must be a whole number of at least {min}."));
}
