using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Errors;
using Serverless.Functions.Hosting;
using Serverless.Functions.Identity;
using Serverless.Functions.IntegrationPlatform.Components;
using Serverless.Functions.IntegrationPlatform.JsonApi;
using Serverless.Functions.Runtime.Components;
using Serverless.Functions.Tenancy;

namespace Serverless.Functions.IntegrationPlatform.DataSamples;

/// <summary>
/// Data samples (DS-1..DS-4): sample messages of a component's trigger or action,
/// kept per workspace. Members of the workspace read them; creating and changing need workspaces.flow.edit. DS-2,
/// known only from an example, answers a list.
/// </summary>
public static class DataSamplesApi
{
    public const string Type = "data-sample";

    public static RouteGroupBuilder MapDataSamplesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapIntegrationGroup("DataSamples", "/v2/data-samples");
        group.MapGet("/{id}", GetSample);
        group.MapGet("/", GetSamples);
        group.MapPost("/", CreateSample);
        group.MapPatch("/{id}", UpdateSample);
        return group;
    }

    public sealed record SampleAttributes(string Method, JsonNode? Result);

    public sealed record SampleInput(string? Method, JsonNode? Result);

    /// <summary>DS-1.</summary>
    [EndpointId("DS-1")]
    public static async Task<JsonHttpResult<Document>> GetSample(string id, Caller caller, AccessControl access, DataSampleStore samples,
        CancellationToken cancellationToken)
    {
        var sample = await FindAsync(id, caller, access, samples, null, cancellationToken);
        return JsonApiResults.Ok(Document.Of(await ResourceAsync(sample, samples, cancellationToken)));
    }

    /// <summary>DS-2: <c>filter[id]=a,b</c>; samples the caller may not read, or that do not exist, are left out.</summary>
    [EndpointId("DS-2")]
    public static async Task<JsonHttpResult<Document>> GetSamples(HttpRequest request, Caller caller, AccessControl access,
        DataSampleStore samples, CancellationToken cancellationToken)
    {
        var ids = (request.Query["filter[id]"].FirstOrDefault() ?? throw new ApiException(ApiError.InvalidParameter("filter[id]", "'filter[id]' is required: ids separated by commas.")))
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToList();
        if (ids.Count is 0 or > 100)
        {
            throw new ApiException(ApiError.InvalidParameter("filter[id]", "'filter[id]' takes 1 to 100 ids."));
        }
        var found = new List<Resource>();
        foreach (var id in ids)
        {
            try
            {
                found.Add(await ResourceAsync(await FindAsync(id, caller, access, samples, null, cancellationToken), samples, cancellationToken));
            }
            catch (ApiException ex) when (ex.Status == StatusCodes.Status404NotFound)
            {
            }
        }
        return JsonApiResults.Ok(new Document(found));
    }

    /// <summary>DS-3.</summary>
    [EndpointId("DS-3")]
    public static async Task<JsonHttpResult<Document>> CreateSample(HttpRequest request, Caller caller, AccessControl access,
        DataSampleStore samples, ComponentCatalog catalog, TimeProvider time, CancellationToken cancellationToken)
    {
        var input = await JsonApiBody.ReadAsync<SampleInput>(request, Type, cancellationToken);
        var componentId = JsonApiBody.RelationshipId(input.Relationships, "component", ComponentsApi.Type, required: true)!;
        var revision = JsonApiBody.RelationshipId(input.Relationships, "component_version", "version", required: true)!;
        var workspaceId = JsonApiBody.RelationshipId(input.Relationships, "workspace", "workspace", required: true)!;
        var component = catalog.Find(componentId)
            ?? throw new ApiException(ApiError.InvalidField("/data/relationships/component", $"No component with id '{componentId}' exists."));
        if (revision != "latest" && revision != component.Revision)
        {
            throw new ApiException(ApiError.InvalidField("/data/relationships/component_version", $"{component.RepoName} has no version '{revision}'."));
        }
        var rules = new AttributeRules();
        var method = rules.Required(input.Attributes.Method, "method");
        rules.Check(method.Length == 0 || component.HasFunction(method), "method", $"'{method}' is not a trigger or action of {component.RepoName}.");
        rules.Check(input.Attributes.Result is not null, "result", "'result' is required: the sample message.");
        rules.ThrowIfAny();
        var workspace = (await access.WorkspaceAsync(caller, workspaceId, cancellationToken)).Require(Permissions.WorkspacesFlowEdit).RequireWritable().Workspace;
        var sample = new DataSampleEntity
        {
            PartitionKey = caller.TenantId,
            RowKey = Ids.New(time),
            WorkspaceId = workspace.Id,
            ComponentId = component.Id,
            Revision = component.Revision,
            UserId = caller.UserId,
            Method = method,
            Created = time.GetUtcNow(),
        };
        await samples.AddAsync(sample, input.Attributes.Result!, cancellationToken);
        return JsonApiResults.Created(request.HttpContext.Response, Document.Of(await ResourceAsync(sample, samples, cancellationToken)), $"/v2/data-samples/{sample.Id}");
    }

    /// <summary>DS-4: the result, and the method as the seed's example sends it.</summary>
    [EndpointId("DS-4")]
    public static async Task<JsonHttpResult<Document>> UpdateSample(string id, HttpRequest request, Caller caller, AccessControl access,
        DataSampleStore samples, ComponentCatalog catalog, CancellationToken cancellationToken)
    {
        var sample = await FindAsync(id, caller, access, samples, Permissions.WorkspacesFlowEdit, cancellationToken);
        var input = await JsonApiBody.ReadAsync<SampleInput>(request, Type, cancellationToken);
        JsonApiBody.CheckId(input.Id, id);
        var component = catalog.Find(sample.ComponentId)!;
        var rules = new AttributeRules();
        rules.Check(input.Attributes.Method is null || component.HasFunction(input.Attributes.Method), "method",
            $"'{input.Attributes.Method}' is not a trigger or action of {component.RepoName}.");
        rules.ThrowIfAny();
        var updated = await samples.UpdateAsync(sample, input.Attributes.Method, input.Attributes.Result, cancellationToken)
            ?? throw new ApiException(ApiError.NotFound(Type, id, "DATASAMPLE_ID"));
        return JsonApiResults.Ok(Document.Of(await ResourceAsync(updated, samples, cancellationToken)));
    }

    /// <summary>The sample, for a member of its workspace (holding <paramref name="permission"/> to change it); otherwise not found.</summary>
    private static async Task<DataSampleEntity> FindAsync(string id, Caller caller, AccessControl access, DataSampleStore samples, string? permission,
        CancellationToken cancellationToken)
    {
        var sample = await samples.GetAsync(caller.TenantId, id, cancellationToken) ?? throw new ApiException(ApiError.NotFound(Type, id, "DATASAMPLE_ID"));
        WorkspaceAccess workspace;
        try
        {
            workspace = await access.WorkspaceAsync(caller, sample.WorkspaceId, cancellationToken);
        }
        catch (ApiException)
        {
            throw new ApiException(ApiError.NotFound(Type, id, "DATASAMPLE_ID"));
        }
        if (!workspace.IsMember)
        {
            throw new ApiException(ApiError.NotFound(Type, id, "DATASAMPLE_ID"));
        }
        if (permission is not null)
        {
            workspace.Require(permission).RequireWritable();
        }
        return sample;
    }

    private static async Task<Resource> ResourceAsync(DataSampleEntity sample, DataSampleStore samples, CancellationToken cancellationToken) =>
        new(sample.Id, Type, new SampleAttributes(sample.Method, await samples.ResultAsync(sample, cancellationToken)))
        {
            Links = new ResourceLinks($"/v2/data-samples/{sample.Id}"),
            Relationships = new Dictionary<string, Relationship>
            {
                ["component"] = new() { Data = new ResourceIdentifier(sample.ComponentId, ComponentsApi.Type), Links = new RelationshipLinks { Self = $"/v2/components/{sample.ComponentId}" } },
                ["component_version"] = new()
                {
                    Data = new ResourceIdentifier(sample.Revision, "version"),
                    Links = new RelationshipLinks { Self = $"/v2/components/{sample.ComponentId}/versions/{sample.Revision}" },
                },
                ["workspace"] = new() { Data = new ResourceIdentifier(sample.WorkspaceId, "workspace"), Links = new RelationshipLinks { Self = $"/v2/workspaces/{sample.WorkspaceId}" } },
                ["user"] = new() { Data = new ResourceIdentifier(sample.UserId, "user"), Links = new RelationshipLinks { Self = $"/v2/users/{sample.UserId}" } },
            },
        };
}
