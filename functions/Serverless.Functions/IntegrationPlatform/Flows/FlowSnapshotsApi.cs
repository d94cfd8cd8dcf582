using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Errors;
using Serverless.Functions.Hosting;
using Serverless.Functions.Identity;
using Serverless.Functions.IntegrationPlatform.JsonApi;

namespace Serverless.Functions.IntegrationPlatform.Flows;

/// <summary>
/// Snapshots (SN-1..5), mapped on the flows' group: members read them; changes need workspaces.flow.edit and a flow
/// that is not running (409 otherwise), name a step of the flow, and hold at most 5 KB of JSON.
/// </summary>
public static class FlowSnapshotsApi
{
    public const string Type = "snapshot";

    public static void MapFlowSnapshotsApi(this RouteGroupBuilder group)
    {
        group.MapGet("/{id}/snapshots", ListSnapshots);
        group.MapGet("/{id}/snapshots/{stepId}", GetSnapshot);
        group.MapPatch("/{id}/snapshots/{stepId}", EditSnapshot);
        group.MapPost("/{id}/snapshots", CreateSnapshot);
        group.MapDelete("/{id}/snapshots/{stepId}", DeleteSnapshot);
    }

    /// <summary><c>snapshot</c> is kept as raw JSON, so JSON <c>null</c> and absence differ.</summary>
    public sealed record SnapshotInput(JsonElement? Snapshot);

    /// <summary>SN-1.</summary>
    [EndpointId("SN-1")]
    public static async Task<JsonHttpResult<Document>> ListSnapshots(string id, Caller caller, FlowParts parts, CancellationToken cancellationToken)
    {
        var (flow, _) = await parts.FindAsync(id, caller, cancellationToken);
        var snapshots = await parts.Snapshots.OfFlowAsync(flow.Id, cancellationToken);
        return JsonApiResults.Ok(new Document(snapshots.OrderBy(s => s.StepId, StringComparer.Ordinal).Select(Resource).ToList()));
    }

    /// <summary>SN-2.</summary>
    [EndpointId("SN-2")]
    public static async Task<JsonHttpResult<Document>> GetSnapshot(string id, string stepId, Caller caller, FlowParts parts, CancellationToken cancellationToken)
    {
        var (flow, _) = await parts.FindAsync(id, caller, cancellationToken);
        var snapshot = await parts.Snapshots.FindAsync(flow.Id, stepId, cancellationToken) ?? throw NoSnapshot(stepId);
        return JsonApiResults.Ok(Document.Of(Resource(snapshot)));
    }

    /// <summary>SN-3: only an existing snapshot of a step of a stopped flow.</summary>
    [EndpointId("SN-3")]
    public static async Task<JsonHttpResult<Document>> EditSnapshot(string id, string stepId, HttpRequest request, Caller caller, FlowParts parts,
        CancellationToken cancellationToken)
    {
        var (flow, value) = await ReadAsync(id, stepId, request, caller, parts, cancellationToken);
        if (!await parts.Snapshots.WriteAsync(flow.Id, stepId, value, parts.Time.GetUtcNow(), mustExist: true, cancellationToken))
        {
            throw NoSnapshot(stepId);
        }
        return JsonApiResults.Ok(Document.Of(Resource((await parts.Snapshots.FindAsync(flow.Id, stepId, cancellationToken))!)));
    }

    /// <summary>SN-4: 201; 409 when the step has one already.</summary>
    [EndpointId("SN-4")]
    public static async Task<JsonHttpResult<Document>> CreateSnapshot(string id, HttpRequest request, Caller caller, FlowParts parts,
        CancellationToken cancellationToken)
    {
        var (flow, value, stepId) = await ReadWithIdAsync(id, request, caller, parts, cancellationToken);
        if (!await parts.Snapshots.WriteAsync(flow.Id, stepId, value, parts.Time.GetUtcNow(), mustExist: false, cancellationToken))
        {
            throw new ApiException(ApiError.Conflict("/data/id", $"Step '{stepId}' has a snapshot already; PATCH it instead."));
        }
        var created = (await parts.Snapshots.FindAsync(flow.Id, stepId, cancellationToken))!;
        return JsonApiResults.Created(request.HttpContext.Response, Document.Of(Resource(created)), $"/v2/flows/{flow.Id}/snapshots/{stepId}");
    }

    /// <summary>SN-5: 204; 404 when there is none.</summary>
    [EndpointId("SN-5")]
    public static async Task<NoContent> DeleteSnapshot(string id, string stepId, Caller caller, FlowParts parts, CancellationToken cancellationToken)
    {
        var (flow, _) = await parts.FindAsync(id, caller, cancellationToken, Permissions.WorkspacesFlowEdit);
        EnsureStopped(flow);
        _ = await parts.Snapshots.FindAsync(flow.Id, stepId, cancellationToken) ?? throw NoSnapshot(stepId);
        await parts.Snapshots.DeleteAsync(flow.Id, stepId, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<(FlowEntity Flow, JsonNode? Value, string StepId)> ReadWithIdAsync(string id, HttpRequest request, Caller caller, FlowParts parts,
        CancellationToken cancellationToken)
    {
        var (flow, _) = await parts.FindAsync(id, caller, cancellationToken, Permissions.WorkspacesFlowEdit);
        var input = await JsonApiBody.ReadAsync<SnapshotInput>(request, Type, cancellationToken);
        var stepId = input.Id ?? throw new ApiException(ApiError.InvalidField("/data/id", "'data.id' is required: the step id the snapshot is for."));
        return (flow, Check(flow, stepId, input.Attributes), stepId);
    }

    private static async Task<(FlowEntity Flow, JsonNode? Value)> ReadAsync(string id, string stepId, HttpRequest request, Caller caller, FlowParts parts,
        CancellationToken cancellationToken)
    {
        var (flow, _) = await parts.FindAsync(id, caller, cancellationToken, Permissions.WorkspacesFlowEdit);
        var input = await JsonApiBody.ReadAsync<SnapshotInput>(request, Type, cancellationToken);
        if (input.Id is not null)
        {
            JsonApiBody.CheckId(input.Id, stepId);
        }
        return (flow, Check(flow, stepId, input.Attributes));
    }

    private static JsonNode? Check(FlowEntity flow, string stepId, SnapshotInput attributes)
    {
        EnsureStopped(flow);
        if (JsonNode.Parse(flow.Graph)?["nodes"] is not JsonArray nodes || nodes.All(n => n?["id"]?.ToString() != stepId))
        {
            throw new ApiException(ApiError.InvalidField("/data/id", $"The flow has no step '{stepId}'."));
        }
        if (attributes.Snapshot is not { } element)
        {
            throw new ApiException(ApiError.InvalidField("/data/attributes/snapshot", "'attributes.snapshot' is required (any JSON value)."));
        }
        var value = JsonNode.Parse(element.GetRawText());
        return FlowSnapshotStore.Fits(value)
            ? value
            : throw new ApiException(ApiError.InvalidField("/data/attributes/snapshot", $"A snapshot holds at most {FlowSnapshotStore.MaxBytes} bytes of JSON."));
    }

    private static void EnsureStopped(FlowEntity flow)
    {
        if (flow.IsActive || flow.CurrentStatus == FlowStatus.Active)
        {
            throw new ApiException(ApiError.Conflict("/data", "Snapshots are runtime data: stop the flow before changing them."));
        }
    }

    private static ApiException NoSnapshot(string stepId) =>
        new(ApiError.ForStatus(StatusCodes.Status404NotFound, $"Step '{stepId}' has no snapshot.") with { Parameter = "STEP_ID" });

    private static Resource Resource(FlowSnapshotEntity snapshot) =>
        new(snapshot.StepId, Type, new JsonObject { ["snapshot"] = JsonNode.Parse(snapshot.Snapshot) })
        {
            Links = new ResourceLinks($"/v2/flows/{snapshot.PartitionKey}/snapshots/{snapshot.StepId}"),
        };
}
