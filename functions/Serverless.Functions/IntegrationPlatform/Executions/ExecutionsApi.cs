using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Errors;
using Serverless.Functions.Hosting;
using Serverless.Functions.Identity;
using Serverless.Functions.IntegrationPlatform.JsonApi;
using Serverless.Functions.Operations;

namespace Serverless.Functions.IntegrationPlatform.Executions;

/// <summary>
/// Scheduled Executions, poll and result (SE-4 and SE-5), serving every
/// operation of the engine: poll answers 200 while it runs and 303 to the result once it is done; a result asked for
/// too early is a 409. An operation is visible to the user who started it and to the tenant's admins; to anyone
/// else it does not exist.
/// </summary>
public static class ExecutionsApi
{
    public const string Type = "execution-result";
    public const string PendingStatus = "Pending request, waiting other process";

    public static RouteGroupBuilder MapExecutionsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapIntegrationGroup("Exec", "/v2/exec");
        group.MapGet("/poll/{id}", Poll);
        group.MapGet("/result/{id}", Result);
        return group;
    }

    public sealed record ExecutionResult(JsonNode Result, string Status);

    public static string PollPath(string id) => $"/v2/exec/poll/{id}";

    public static string ResultPath(string id) => $"/v2/exec/result/{id}";

    /// <summary>The 202 answer of every operation: an absolute Location to poll (seed), Retry-After, and the pending result.</summary>
    public static JsonHttpResult<Document> Accepted(HttpContext context, OperationEntity operation)
    {
        context.Response.Headers.Location = PublicUrls.Of(context.Request).Absolute(context.Request, PollPath(operation.Id));
        context.Response.Headers.RetryAfter = "1";
        return TypedResults.Json(Document.Of(ToResource(operation)), JsonApiJson.Options, JsonApiResults.ContentType, StatusCodes.Status202Accepted);
    }

    /// <remarks>200 with the pending result, or 303 with an empty document: both JSON, told apart by status.</remarks>
    [EndpointId("SE-4")]
    public static async Task<JsonHttpResult<Document>> Poll(
        string id, Caller caller, OperationStore operations, HttpResponse response, CancellationToken cancellationToken)
    {
        var operation = await FindAsync(id, caller, operations, cancellationToken);
        if (!OperationStatus.IsFinished(operation.Status))
        {
            response.Headers.RetryAfter = "1";
            return JsonApiResults.Ok(Document.Of(ToResource(operation)));
        }
        response.Headers.Location = ResultPath(operation.Id);
        return TypedResults.Json(new Document(EmptyMeta.Instance), JsonApiJson.Options, JsonApiResults.ContentType, StatusCodes.Status303SeeOther);
    }

    [EndpointId("SE-5")]
    public static async Task<JsonHttpResult<Document>> Result(string id, Caller caller, OperationStore operations, CancellationToken cancellationToken)
    {
        var operation = await FindAsync(id, caller, operations, cancellationToken);
        return OperationStatus.IsFinished(operation.Status)
            ? JsonApiResults.Ok(Document.Of(ToResource(operation)))
            : throw new ApiException(ApiError.ForStatus(StatusCodes.Status409Conflict, "The result is not ready yet; poll until it redirects here.") with { Code = "result_not_ready" });
    }

    private static async Task<OperationEntity> FindAsync(string id, Caller caller, OperationStore operations, CancellationToken cancellationToken)
    {
        var operation = Ids.IsValid(id) ? await operations.GetAsync(id, cancellationToken) : null;
        return operation is not null && operation.TenantId == caller.TenantId && (operation.CreatedBy == caller.UserId || caller.IsTenantAdmin)
            ? operation
            : throw new ApiException(ApiError.NotFound("execution", id, "EXECUTION_ID"));
    }

    private static Resource ToResource(OperationEntity operation)
    {
        var (result, status) = operation.Status switch
        {
            OperationStatus.Succeeded => (JsonNode.Parse(operation.Result ?? "{}")!, "Done"),
            OperationStatus.Failed => (new JsonObject { ["error"] = new JsonObject { ["message"] = operation.Error } }, $"Failed: {operation.Error}"),
            OperationStatus.Running => (new JsonObject(), "Running"),
            _ => (new JsonObject(), PendingStatus),
        };
        return new Resource(operation.Id, Type, new ExecutionResult(result, status)) { Links = new ResourceLinks(ResultPath(operation.Id)) };
    }
}
