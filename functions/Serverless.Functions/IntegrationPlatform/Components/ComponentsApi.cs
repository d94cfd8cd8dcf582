using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Errors;
using Serverless.Functions.Hosting;
using Serverless.Functions.Identity;
using Serverless.Functions.IntegrationPlatform.Executions;
using Serverless.Functions.IntegrationPlatform.JsonApi;
using Serverless.Functions.IntegrationPlatform.Teams;
using Serverless.Functions.Runtime.Components;
using Serverless.Functions.Tenancy;

namespace Serverless.Functions.IntegrationPlatform.Components;

/// <summary>
/// Components: the catalog reads (CO-1..CO-7), environment variables (CO-12,
/// CO-13), contracts' own repositories (CO-8..CO-11, in ComponentsApi.Repositories.cs), and the scheduled executions
/// that run a component's methods (SE-1..SE-3, in ComponentsApi.Executions.cs). Built-ins have global access: every
/// contract and workspace may use them and no whitelist restricts them. The tenant-level whitelist feature flag has no
/// setting yet, so workspaces see their contract's own repositories and shared ones.
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
        // Repositories (CO-8..CO-11) and scheduled executions (SE-1..SE-3) are paths of this function too.
        components.MapComponentRepositoriesApi();
        components.MapScheduledExecutionsApi();

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
    [EndpointId("CO-1")]
    public static async Task<JsonHttpResult<Document>> ListForContract(HttpRequest request, Caller caller, AccessControl access,
        ComponentCatalog catalog, ComponentRepoStore repos, CancellationToken cancellationToken)
    {
        var contractId = request.Query["contract_id"].FirstOrDefault()
            ?? throw new ApiException(ApiError.InvalidParameter("contract_id", "'contract_id' is required."));
        var contract = (await access.ContractAsync(caller, contractId, cancellationToken)).Contract;
        var filter = request.Query["filter[access]"].FirstOrDefault() ?? "all";
        if (filter is not ("private" or "public" or "all"))
        {
            throw new ApiException(ApiError.InvalidParameter("filter[access]", "'filter[access]' is private, public or all."));
        }
        // private: the contract's own repositories; public: what other contracts share (built-ins, tenant-access repositories).
        var available = (await repos.OfTenantAsync(contract.TenantId, cancellationToken)).Where(r => r.AvailableTo(contract.Id)).ToList();
        var own = available.Where(r => r.ContractId == contract.Id).ToList();
        var shared = available.Where(r => r.ContractId != contract.Id).ToList();
        return filter switch
        {
            "private" => Collection(request, [], own, whitelist: false),
            "public" => Collection(request, catalog.All, shared, whitelist: false),
            _ => Collection(request, catalog.All, available, whitelist: false),
        };
    }

    /// <summary>CO-3: every component, for holders of tenants.component.list_all.</summary>
    [EndpointId("CO-3")]
    public static async Task<JsonHttpResult<Document>> ListAll(HttpRequest request, Caller caller, ComponentCatalog catalog, ComponentRepoStore repos,
        CancellationToken cancellationToken)
    {
        if (!caller.HasTenantPermission(Permissions.TenantsComponentListAll))
        {
            throw new ApiException(ApiError.Forbidden($"Listing all components needs the {Permissions.TenantsComponentListAll} permission."));
        }
        var contractId = request.Query["contract_id"].FirstOrDefault();
        var all = (await repos.OfTenantAsync(caller.TenantId, cancellationToken)).Where(r => contractId is null || r.ContractId == contractId).ToList();
        return Collection(request, catalog.All, all, whitelist: false);
    }

    /// <summary>CO-4: a built-in, or a repository the caller can use.</summary>
    [EndpointId("CO-4")]
    public static async Task<JsonHttpResult<Document>> GetComponent(string id, Caller caller, ComponentCatalog catalog, ComponentRepoStore repos,
        MembershipStore memberships, CancellationToken cancellationToken)
    {
        if (catalog.Find(id) is { } component)
        {
            return JsonApiResults.Ok(Document.Of(Resource(component, whitelist: false)) with { Included = Included(component) });
        }
        var repo = await ComponentRepositoriesApi.FindRepositoryAsync(id, caller, repos, memberships, cancellationToken);
        return JsonApiResults.Ok(Document.Of(ComponentRepositoriesApi.RepositoryResource(repo, whitelist: false)));
    }

    /// <summary>CO-2: as CO-1, for a workspace the caller is a member of, with each component's whitelist.</summary>
    [EndpointId("CO-2")]
    public static async Task<JsonHttpResult<Document>> ListForWorkspace(string workspaceId, HttpRequest request, Caller caller,
        AccessControl access, ComponentCatalog catalog, ComponentRepoStore repos, CancellationToken cancellationToken)
    {
        var workspace = await RequireWorkspaceMemberAsync(access, caller, workspaceId, cancellationToken);
        var available = (await repos.OfTenantAsync(workspace.TenantId, cancellationToken)).Where(r => r.AvailableTo(workspace.ContractId)).ToList();
        return Collection(request, catalog.All, available, whitelist: true);
    }

    /// <summary>CO-5.</summary>
    [EndpointId("CO-5")]
    public static async Task<JsonHttpResult<Document>> GetForWorkspace(string workspaceId, string id, Caller caller, AccessControl access,
        ComponentCatalog catalog, ComponentRepoStore repos, CancellationToken cancellationToken)
    {
        var workspace = await RequireWorkspaceMemberAsync(access, caller, workspaceId, cancellationToken);
        if (catalog.Find(id) is { } component)
        {
            return JsonApiResults.Ok(Document.Of(Resource(component, whitelist: true)) with { Included = Included(component) });
        }
        var repo = await repos.GetAsync(workspace.TenantId, id, cancellationToken);
        return repo is not null && repo.AvailableTo(workspace.ContractId)
            ? JsonApiResults.Ok(Document.Of(ComponentRepositoriesApi.RepositoryResource(repo, whitelist: true)))
            : throw new ApiException(ApiError.NotFound(Type, id, "COMPONENT_ID"));
    }

    /// <summary>CO-6: one version per built-in, its current revision.</summary>
    /// <remarks>A repository has no versions: nothing here builds its code.</remarks>
    [EndpointId("CO-6")]
    public static async Task<JsonHttpResult<Document>> ListVersions(string id, Caller caller, ComponentCatalog catalog, ComponentRepoStore repos,
        MembershipStore memberships, CancellationToken cancellationToken)
    {
        List<Resource> versions = [];
        if (catalog.Find(id) is { } component)
        {
            versions = [Version(component)];
        }
        else
        {
            await ComponentRepositoriesApi.FindRepositoryAsync(id, caller, repos, memberships, cancellationToken);
        }
        return JsonApiResults.Ok(new Document(versions) { Links = new CollectionLinks($"/v2/components/{id}/versions") });
    }

    /// <summary>CO-7: the descriptor of a revision, or of <c>latest</c>.</summary>
    [EndpointId("CO-7")]
    public static async Task<JsonHttpResult<Document>> GetDescriptor(string id, string revision, Caller caller, ComponentCatalog catalog,
        ComponentRepoStore repos, MembershipStore memberships, CancellationToken cancellationToken)
    {
        if (catalog.Find(id) is null)
        {
            await ComponentRepositoriesApi.FindRepositoryAsync(id, caller, repos, memberships, cancellationToken);
            throw new ApiException(ApiError.NotFound("version", revision, "GIT_REVISION"));
        }
        return JsonApiResults.Ok(Document.Of(DescriptorResource(FindRevision(catalog, id, revision))));
    }

    /// <summary>CO-12: the tenant's environment variables for the component.</summary>
    [EndpointId("CO-12")]
    public static async Task<JsonHttpResult<Document>> GetEnv(string id, Caller caller, ComponentCatalog catalog, ComponentRepoStore repos,
        MembershipStore memberships, ComponentEnvStore env, CancellationToken cancellationToken)
    {
        var componentId = catalog.Find(id)?.Id ?? (await ComponentRepositoriesApi.FindRepositoryAsync(id, caller, repos, memberships, cancellationToken)).Id;
        return JsonApiResults.Ok(Document.Of(EnvResource(componentId, await env.GetAsync(caller.TenantId, componentId, cancellationToken))));
    }

    /// <summary>
    /// CO-13: replaces the variables. A built-in serves the whole tenant, so its variables are the tenant's, and the
    /// seed names no permission for this write: only a tenant admin may make it (docs/decisions/0007-components.md).
    /// </summary>
    [EndpointId("CO-13")]
    public static async Task<JsonHttpResult<Document>> PutEnv(string id, HttpRequest request, Caller caller, ComponentCatalog catalog,
        ComponentRepoStore repos, MembershipStore memberships, TeamStore teams, ComponentEnvStore env, CancellationToken cancellationToken)
    {
        string componentId;
        if (catalog.Find(id) is { } builtIn)
        {
            componentId = builtIn.Id;
            if (!caller.IsTenantAdmin)
            {
                throw new ApiException(ApiError.Forbidden("Only a tenant admin can set a built-in component's environment variables."));
            }
        }
        else
        {
            var repo = await ComponentRepositoriesApi.FindRepositoryAsync(id, caller, repos, memberships, cancellationToken);
            await ComponentRepositoriesApi.RequireTeamMemberAsync(repo, caller, teams, cancellationToken);
            componentId = repo.Id;
        }
        var input = await JsonApiBody.ReadAsync<EnvInput>(request, "component-env", cancellationToken);
        JsonApiBody.CheckId(input.Id, componentId);
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
        await env.SetAsync(caller.TenantId, componentId, values, cancellationToken);
        return JsonApiResults.Ok(Document.Of(EnvResource(componentId, values)));
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvName();

    private static async Task<WorkspaceEntity> RequireWorkspaceMemberAsync(AccessControl access, Caller caller, string workspaceId,
        CancellationToken cancellationToken)
    {
        var workspace = await access.WorkspaceAsync(caller, workspaceId, cancellationToken);
        return workspace.IsMember ? workspace.Workspace : throw new ApiException(ApiError.Forbidden("Only members of the workspace see its components."));
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

    private static JsonHttpResult<Document> Collection(HttpRequest request, IReadOnlyList<BuiltInComponent> components,
        IReadOnlyList<ComponentRepoEntity> repositories, bool whitelist) =>
        JsonApiResults.Ok(new Document(components.Select(c => Resource(c, whitelist))
            .Concat(repositories.OrderBy(r => r.Id, StringComparer.Ordinal).Select(r => ComponentRepositoriesApi.RepositoryResource(r, whitelist))).ToList())
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

    /// <summary>Component responses always include the latest version and its descriptor.</summary>
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

    private static Resource EnvResource(string componentId, IReadOnlyDictionary<string, string> vars) =>
        new(componentId, "component-env", new EnvAttributes(vars)) { Links = new ResourceLinks($"/v2/component-envs/{componentId}") };
}
