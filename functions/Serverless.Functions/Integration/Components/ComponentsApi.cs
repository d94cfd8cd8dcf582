using System.Security.Claims;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Errors;
using Serverless.Functions.Identity;
using Serverless.Functions.Integration.JsonApi;
using Serverless.Functions.Runtime.Components;
using Serverless.Functions.Storage;
using Serverless.Functions.Tenancy;

namespace Serverless.Functions.Integration.Components;

/// <summary>
/// Components (seed 002, "Components"; spec §3.4): the catalog reads (CO-1..CO-7), environment variables (CO-12,
/// CO-13), and the scheduled executions that run a component's methods (SE-1..SE-3, in ComponentsApi.Executions.cs).
/// Every component here is a built-in with global access, so it is available to every contract and workspace and
/// no whitelist restricts it; contracts' own component repositories (CO-8..CO-11) are not built yet.
/// </summary>
public static partial class ComponentsApi
{
    public const string Type = "component";
    public const string GlobalAccess = "global";

    public static void MapComponentsApi(this IEndpointRouteBuilder app)
    {
        var components = app.MapIntegrationGroup("Components", "/v2/components");
        components.MapGet("/", ListForContract);
        components.MapGet("/all", ListAll);
        components.MapGet("/{id}", GetComponent);
        components.MapGet("/{id}/versions", ListVersions);
        components.MapGet("/{id}/versions/{revision}/descriptor", GetDescriptor);
        components.MapGet("/{id}/env", GetEnv);
        components.MapPut("/{id}/env", PutEnv);
        components.MapPost("/{id}/versions/{revision}/verify-credential", VerifyCredential);
        components.MapPost("/{id}/versions/{revision}/dynamic-metadata", DynamicMetadata);
        components.MapPost("/{id}/versions/{revision}/select-model", SelectModel);

        // CO-2 and CO-5 are under the singular /v2/workspace, as the seed writes them.
        var workspace = app.MapIntegrationGroup("WorkspaceComponents", "/v2/workspace");
        workspace.MapGet("/{workspaceId}/components", ListForWorkspace);
        workspace.MapGet("/{workspaceId}/components/{id}", GetForWorkspace);
    }

    public sealed record ComponentAttributes(string Name, string TeamName, string Access)
    {
        [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
        public IReadOnlyList<string>? WhitelistedContractIds { get; init; }
    }

    public sealed record VersionAttributes(long Date, int VersionNumber);

    public sealed record EnvAttributes(IReadOnlyDictionary<string, string> Vars);

    public sealed record EnvInput(Dictionary<string, JsonNode?>? Vars);

    /// <summary>All built-ins carry this build date: their revision changes with their descriptor, not with time.</summary>
    private static readonly long VersionDate = new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    /// <summary>CO-1: the components available to a contract; <c>filter[access]</c> private, public or all.</summary>
    public static async Task<JsonHttpResult<Document>> ListForContract(HttpRequest request, ClaimsPrincipal principal, AccessControl access,
        ComponentCatalog catalog, CancellationToken cancellationToken)
    {
        var contractId = request.Query["contract_id"].FirstOrDefault()
            ?? throw new ApiException(ApiError.InvalidParameter("contract_id", "'contract_id' is required."));
        await access.ContractAsync(Caller.From(principal), contractId, cancellationToken);
        var filter = request.Query["filter[access]"].FirstOrDefault() ?? "all";
        if (filter is not ("private" or "public" or "all"))
        {
            throw new ApiException(ApiError.InvalidParameter("filter[access]", "'filter[access]' is private, public or all."));
        }
        // Built-ins are shared, never a contract's own.
        return Collection(request, filter == "private" ? [] : catalog.All, whitelist: false);
    }

    /// <summary>CO-3: every component, for holders of tenants.component.list_all.</summary>
    public static JsonHttpResult<Document> ListAll(HttpRequest request, ClaimsPrincipal principal, ComponentCatalog catalog)
    {
        if (!Caller.From(principal).HasTenantPermission(Permissions.TenantsComponentListAll))
        {
            throw new ApiException(ApiError.Forbidden($"Listing all components needs the {Permissions.TenantsComponentListAll} permission."));
        }
        return Collection(request, catalog.All, whitelist: false);
    }

    /// <summary>CO-4.</summary>
    public static JsonHttpResult<Document> GetComponent(string id, ComponentCatalog catalog) =>
        JsonApiResults.Ok(Document.Of(Resource(Find(catalog, id), whitelist: false)) with { Included = Included(Find(catalog, id)) });

    /// <summary>CO-2: as CO-1, for a workspace the caller is a member of, with each component's whitelist.</summary>
    public static async Task<JsonHttpResult<Document>> ListForWorkspace(string workspaceId, HttpRequest request, ClaimsPrincipal principal,
        AccessControl access, ComponentCatalog catalog, CancellationToken cancellationToken)
    {
        await RequireWorkspaceMemberAsync(access, principal, workspaceId, cancellationToken);
        return Collection(request, catalog.All, whitelist: true);
    }

    /// <summary>CO-5.</summary>
    public static async Task<JsonHttpResult<Document>> GetForWorkspace(string workspaceId, string id, ClaimsPrincipal principal, AccessControl access,
        ComponentCatalog catalog, CancellationToken cancellationToken)
    {
        await RequireWorkspaceMemberAsync(access, principal, workspaceId, cancellationToken);
        var component = Find(catalog, id);
        return JsonApiResults.Ok(Document.Of(Resource(component, whitelist: true)) with { Included = Included(component) });
    }

    /// <summary>CO-6: one version per built-in, its current revision.</summary>
    public static JsonHttpResult<Document> ListVersions(string id, ComponentCatalog catalog)
    {
        var component = Find(catalog, id);
        return JsonApiResults.Ok(new Document(new[] { Version(component) }) { Links = new CollectionLinks($"/v2/components/{component.Id}/versions") });
    }

    /// <summary>CO-7: the descriptor of a revision, or of <c>latest</c>.</summary>
    public static JsonHttpResult<Document> GetDescriptor(string id, string revision, ComponentCatalog catalog) =>
        JsonApiResults.Ok(Document.Of(DescriptorResource(FindRevision(catalog, id, revision))));

    /// <summary>CO-12: the tenant's environment variables for the component.</summary>
    public static async Task<JsonHttpResult<Document>> GetEnv(string id, ClaimsPrincipal principal, ComponentCatalog catalog, ComponentEnvStore env,
        CancellationToken cancellationToken)
    {
        var component = Find(catalog, id);
        var vars = await env.GetAsync(Caller.From(principal).TenantId, component.Id, cancellationToken);
        return JsonApiResults.Ok(Document.Of(EnvResource(component, vars)));
    }

    /// <summary>
    /// CO-13: replaces the variables. A built-in serves the whole tenant, so its variables are the tenant's, and the
    /// seed names no permission for this write: only a tenant admin may make it (docs/decisions/0007-components.md).
    /// </summary>
    public static async Task<JsonHttpResult<Document>> PutEnv(string id, HttpRequest request, ClaimsPrincipal principal, ComponentCatalog catalog,
        ComponentEnvStore env, CancellationToken cancellationToken)
    {
        var caller = Caller.From(principal);
        var component = Find(catalog, id);
        if (!caller.IsTenantAdmin)
        {
            throw new ApiException(ApiError.Forbidden("Only a tenant admin can set a built-in component's environment variables."));
        }
        var input = await JsonApiBody.ReadAsync<EnvInput>(request, "component-env", cancellationToken);
        JsonApiBody.CheckId(input.Id, component.Id);
        var vars = input.Attributes.Vars ?? throw new ApiException(ApiError.InvalidField("/data/attributes/vars", "'vars' is required: an object of names to values."));
        var rules = new AttributeRules();
        var values = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in vars)
        {
            rules.Check(EnvName().IsMatch(name), $"vars/{name}", $"'{name}' is not a variable name: letters, digits and _, not starting with a digit.");
            rules.Check(value is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String, $"vars/{name}", $"'{name}' must be a string.");
            values[name] = value is JsonValue s && s.TryGetValue<string>(out var text) ? text : "";
        }
        rules.ThrowIfAny();
        await env.SetAsync(caller.TenantId, component.Id, values, cancellationToken);
        return JsonApiResults.Ok(Document.Of(EnvResource(component, values)));
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvName();

    private static async Task RequireWorkspaceMemberAsync(AccessControl access, ClaimsPrincipal principal, string workspaceId, CancellationToken cancellationToken)
    {
        if (!(await access.WorkspaceAsync(Caller.From(principal), workspaceId, cancellationToken)).IsMember)
        {
            throw new ApiException(ApiError.Forbidden("Only members of the workspace see its components."));
        }
    }

    internal static BuiltInComponent Find(ComponentCatalog catalog, string id) =>
        catalog.Find(id) ?? throw new ApiException(ApiError.NotFound(Type, id, "COMPONENT_ID"));

    /// <summary>A revision of the component: its current one, or <c>latest</c>.</summary>
    internal static BuiltInComponent FindRevision(ComponentCatalog catalog, string id, string revision)
    {
        var component = Find(catalog, id);
        return revision == "latest" || revision == component.Revision
            ? component
            : throw new ApiException(ApiError.NotFound("version", revision, "GIT_REVISION"));
    }

    private static JsonHttpResult<Document> Collection(HttpRequest request, IReadOnlyList<BuiltInComponent> components, bool whitelist) =>
        JsonApiResults.Ok(new Document(components.Select(c => Resource(c, whitelist)).ToList())
        {
            Included = components.SelectMany(Included).ToList(),
            Links = new CollectionLinks(request.Path + request.QueryString),
        });

    private static Resource Resource(BuiltInComponent component, bool whitelist) =>
        new(component.Id, Type, new ComponentAttributes(component.RepoName, BuiltInComponent.Team, GlobalAccess)
        {
            WhitelistedContractIds = whitelist ? [] : null,
        })
        {
            Links = new ResourceLinks($"/v2/components/{component.Id}"),
            Relationships = new Dictionary<string, Relationship>
            {
                ["versions"] = new() { Links = new RelationshipLinks { Related = $"/v2/components/{component.Id}/versions" } },
                ["latest_version"] = new()
                {
                    Data = new ResourceIdentifier(component.Revision, "version"),
                    Links = new RelationshipLinks { Self = $"/v2/components/{component.Id}/versions/latest" },
                },
            },
        };

    /// <summary>Component responses always include the latest version and its descriptor (spec §1.3).</summary>
    private static IReadOnlyList<Resource> Included(BuiltInComponent component) => [Version(component), DescriptorResource(component)];

    private static Resource Version(BuiltInComponent component) =>
        new(component.Revision, "version", new VersionAttributes(VersionDate, 1))
        {
            Links = new ResourceLinks($"/v2/versions/{component.Revision}"),
            Relationships = new Dictionary<string, Relationship>
            {
                ["descriptor"] = new()
                {
                    Data = new ResourceIdentifier(component.Revision, "descriptor"),
                    Links = new RelationshipLinks { Self = $"/v2/components/{component.Id}/versions/{component.Revision}/descriptor" },
                },
                ["component"] = new() { Data = new ResourceIdentifier(component.Id, Type), Links = new RelationshipLinks { Self = $"/v2/components/{component.Id}" } },
            },
        };

    /// <summary>The descriptor's own keys, plus those the platform adds (seed, CO-7).</summary>
    private static Resource DescriptorResource(BuiltInComponent component)
    {
        var attributes = (JsonObject)component.Descriptor.DeepClone();
        attributes["repo_name"] = component.RepoName;
        attributes["team_name"] = BuiltInComponent.Team;
        attributes["short_revision"] = component.Revision[..7];
        attributes["is_latest"] = true;
        attributes["language"] = "csharp";
        return new Resource(component.Revision, "descriptor", attributes)
        {
            Links = new ResourceLinks($"/v2/descriptors/{component.Revision}"),
            Relationships = new Dictionary<string, Relationship>
            {
                ["version"] = new()
                {
                    Data = new ResourceIdentifier(component.Revision, "version"),
                    Links = new RelationshipLinks { Self = $"/v2/components/{component.Id}/versions/{component.Revision}" },
                },
            },
        };
    }

    private static Resource EnvResource(BuiltInComponent component, IReadOnlyDictionary<string, string> vars) =>
        new(component.Id, "component-env", new EnvAttributes(vars)) { Links = new ResourceLinks($"/v2/component-envs/{component.Id}") };
}

// ComponentEnv: PK = tenantId, RK = componentId → Vars, the JSON object of the tenant's variables for the component.
public sealed class ComponentEnvEntity : TableRow
{
    public string Vars { get; set; } = "{}";
}

public sealed class ComponentEnvStore(StorageAccount storage)
{
    private readonly TableClient table = storage.Table(StorageLayout.Tables.ComponentEnv);

    public async Task<IReadOnlyDictionary<string, string>> GetAsync(string tenantId, string componentId, CancellationToken cancellationToken = default)
    {
        var found = await table.GetEntityIfExistsAsync<ComponentEnvEntity>(tenantId, componentId, cancellationToken: cancellationToken);
        return found.HasValue
            ? System.Text.Json.JsonSerializer.Deserialize<SortedDictionary<string, string>>(found.Value!.Vars) ?? []
            : new SortedDictionary<string, string>();
    }

    /// <summary>A full replacement (CO-13), so a plain upsert: the last PUT wins.</summary>
    public Task SetAsync(string tenantId, string componentId, IReadOnlyDictionary<string, string> vars, CancellationToken cancellationToken = default) =>
        table.UpsertEntityAsync(new ComponentEnvEntity { PartitionKey = tenantId, RowKey = componentId, Vars = System.Text.Json.JsonSerializer.Serialize(vars) },
            TableUpdateMode.Replace, cancellationToken);
}
