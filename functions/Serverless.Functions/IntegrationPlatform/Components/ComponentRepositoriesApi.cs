using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Errors;
using Serverless.Functions.Hosting;
using Serverless.Functions.Identity;
using Serverless.Functions.IntegrationPlatform.JsonApi;
using Serverless.Functions.IntegrationPlatform.Teams;
using Serverless.Functions.Runtime.Components;
using Serverless.Functions.Tenancy;

namespace Serverless.Functions.IntegrationPlatform.Components;

/// <summary>
/// A contract's own component repositories (CO-8..CO-11). Nothing here builds repository code, so a repository has
/// no versions: it is listed and shared like any component, and its descriptor and executions are not found.
/// Built-ins cannot be changed or deleted.
/// </summary>
public static partial class ComponentRepositoriesApi
{
    /// <summary>Mapped by <see cref="ComponentsApi"/> onto its own group: a repository is a component.</summary>
    public static RouteGroupBuilder MapComponentRepositoriesApi(this RouteGroupBuilder components)
    {
        components.MapPost("/", CreateRepository);
        components.MapPatch("/{id}", UpdateAccess);
        components.MapDelete("/{id}", DeleteComponent);
        components.MapDelete("/{id}/versions/{versionId}", DeleteVersion);
        return components;
    }

    public sealed record RepositoryInput(string? Name, string? Icon, string? Access, List<string>? WhitelistedContractIds);

    /// <summary>CO-8: needs contracts.repository.edit in the team's contract.</summary>
    [EndpointId("CO-8")]
    public static async Task<JsonHttpResult<Document>> CreateRepository(HttpRequest request, Caller caller, AccessControl access,
        TeamStore teams, ComponentRepoStore repos, ComponentCatalog catalog, TimeProvider time, CancellationToken cancellationToken)
    {
        var input = await JsonApiBody.ReadAsync<RepositoryInput>(request, ComponentsApi.Type, cancellationToken);
        var rules = new AttributeRules();
        var name = rules.Required(input.Attributes.Name, "name", 100);
        rules.Check(name.Length == 0 || RepoName().IsMatch(name), "name", "'name' may hold lowercase letters, digits, '-' and '_'.");
        rules.Check(input.Attributes.Icon is null || IsBase64(input.Attributes.Icon), "icon", "'icon' must be base64.");
        rules.ThrowIfAny();
        var teamId = JsonApiBody.RelationshipId(input.Relationships, "team", TeamsApi.Type, required: true)!;
        var team = await teams.GetAsync(caller.TenantId, teamId, cancellationToken)
            ?? throw new ApiException(ApiError.InvalidField("/data/relationships/team", $"No team with id '{teamId}' exists; create one with POST /v2/teams."));
        var contractId = JsonApiBody.RelationshipId(input.Relationships, "contract", "contract", required: false) ?? team.ContractId;
        if (contractId != team.ContractId)
        {
            throw new ApiException(ApiError.InvalidField("/data/relationships/contract", "The repository's contract must be its team's."));
        }
        (await access.ContractAsync(caller, contractId, cancellationToken)).Require(Permissions.ContractsRepositoryEdit).RequireWritable();
        if (catalog.Find(name) is not null || (await repos.OfTenantAsync(caller.TenantId, cancellationToken)).Any(r => r.Name == name && r.TeamId == team.Id))
        {
            throw new ApiException(ApiError.Conflict("/data/attributes/name", $"The team already has a component named '{name}'."));
        }
        var repo = new ComponentRepoEntity
        {
            PartitionKey = caller.TenantId,
            RowKey = Ids.New(time),
            Name = name,
            TeamId = team.Id,
            TeamName = team.Name,
            ContractId = contractId,
            Icon = input.Attributes.Icon,
            Created = time.GetUtcNow(),
        };
        await repos.AddAsync(repo, cancellationToken);
        return JsonApiResults.Created(request.HttpContext.Response, Document.Of(RepositoryResource(repo, whitelist: false)), $"/v2/components/{repo.Id}");
    }

    /// <summary>CO-9: a tenant admin raises access from team to tenant (never back) and sets the whitelist.</summary>
    [EndpointId("CO-9")]
    public static async Task<JsonHttpResult<Document>> UpdateAccess(string id, HttpRequest request, Caller caller, ComponentCatalog catalog,
        ComponentRepoStore repos, ContractStore contracts, CancellationToken cancellationToken)
    {
        if (!caller.IsTenantAdmin)
        {
            throw new ApiException(ApiError.Forbidden("Only a tenant admin can change a component's access or whitelist."));
        }
        RefuseBuiltIn(catalog, id, "change");
        var repo = await repos.GetAsync(caller.TenantId, id, cancellationToken) ?? throw new ApiException(ApiError.NotFound(ComponentsApi.Type, id, "COMPONENT_ID"));
        var input = await JsonApiBody.ReadAsync<RepositoryInput>(request, ComponentsApi.Type, cancellationToken);
        JsonApiBody.CheckId(input.Id, id);
        var rules = new AttributeRules();
        rules.Check(input.Attributes.Access is null or ComponentRepoEntity.TenantAccess || (input.Attributes.Access == ComponentRepoEntity.TeamAccess && repo.Access == ComponentRepoEntity.TeamAccess),
            "access", "'access' can only be raised to \"tenant\"; it never goes back to \"team\".");
        foreach (var (contractId, index) in (input.Attributes.WhitelistedContractIds ?? []).Select((c, i) => (c, i)))
        {
            rules.Check(await contracts.GetAsync(caller.TenantId, contractId, cancellationToken) is not null, $"whitelisted_contract_ids/{index}",
                $"No contract with id '{contractId}' exists in this tenant.");
        }
        rules.ThrowIfAny();
        var updated = await repos.MutateAsync(caller.TenantId, id, r =>
        {
            r.Access = input.Attributes.Access ?? r.Access;
            r.WhitelistedContractIds = input.Attributes.WhitelistedContractIds is { } list ? JsonSerializer.Serialize(list.Distinct(), AppJson.Default.IEnumerableString) : r.WhitelistedContractIds;
            return true;
        }, cancellationToken) ?? throw new ApiException(ApiError.NotFound(ComponentsApi.Type, id, "COMPONENT_ID"));
        return JsonApiResults.Ok(Document.Of(RepositoryResource(updated, whitelist: true)));
    }

    /// <summary>CO-10: contracts.repository.edit, and the caller in the repository's team. No flow uses it yet, as there are no flows.</summary>
    [EndpointId("CO-10")]
    public static async Task<NoContent> DeleteComponent(string id, Caller caller, AccessControl access, ComponentCatalog catalog,
        ComponentRepoStore repos, MembershipStore memberships, TeamStore teams, CancellationToken cancellationToken)
    {
        RefuseBuiltIn(catalog, id, "delete");
        var repo = await FindRepositoryAsync(id, caller, repos, memberships, cancellationToken);
        (await access.ContractAsync(caller, repo.ContractId, cancellationToken)).Require(Permissions.ContractsRepositoryEdit).RequireWritable();
        await RequireTeamMemberAsync(repo, caller, teams, cancellationToken);
        await repos.DeleteAsync(caller.TenantId, repo.Id, cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>CO-11: a repository has no versions to delete; a built-in's cannot be deleted.</summary>
    [EndpointId("CO-11")]
    public static async Task<NoContent> DeleteVersion(string id, string versionId, Caller caller, ComponentCatalog catalog,
        ComponentRepoStore repos, MembershipStore memberships, CancellationToken cancellationToken)
    {
        RefuseBuiltIn(catalog, id, "delete versions of");
        await FindRepositoryAsync(id, caller, repos, memberships, cancellationToken);
        throw new ApiException(ApiError.NotFound("version", versionId, "VERSION_ID"));
    }

    /// <summary>A repository the caller can use: their contract's own, or one shared with the tenant. Otherwise not found.</summary>
    internal static async Task<ComponentRepoEntity> FindRepositoryAsync(string id, Caller caller, ComponentRepoStore repos, MembershipStore memberships,
        CancellationToken cancellationToken)
    {
        var repo = await repos.GetAsync(caller.TenantId, id, cancellationToken);
        var usable = repo is not null && (repo.Access == ComponentRepoEntity.TenantAccess || caller.IsTenantAdmin ||
            await memberships.GetAsync(ScopeKind.Contract, repo.ContractId, caller.UserId, cancellationToken) is not null);
        return usable ? repo! : throw new ApiException(ApiError.NotFound(ComponentsApi.Type, id, "COMPONENT_ID"));
    }

    internal static async Task RequireTeamMemberAsync(ComponentRepoEntity repo, Caller caller, TeamStore teams, CancellationToken cancellationToken)
    {
        var team = await teams.GetAsync(caller.TenantId, repo.TeamId, cancellationToken);
        if (team is null || !team.MemberIds().Contains(caller.UserId))
        {
            throw new ApiException(ApiError.Forbidden($"Only members of the team '{repo.TeamName}' can change this component."));
        }
    }

    private static void RefuseBuiltIn(ComponentCatalog catalog, string id, string action)
    {
        if (catalog.Find(id) is { } builtIn)
        {
            throw new ApiException(ApiError.Forbidden($"{builtIn.RepoName} is a built-in component; nobody can {action} it."));
        }
    }

    internal static Resource RepositoryResource(ComponentRepoEntity repo, bool whitelist) =>
        new(repo.Id, ComponentsApi.Type, new ComponentsApi.ComponentAttributes(repo.Name, repo.TeamName, repo.Access) { WhitelistedContractIds = whitelist ? repo.Whitelist() : null })
        {
            Links = new ResourceLinks($"/v2/components/{repo.Id}"),
            Relationships = new Dictionary<string, Relationship>
            {
                ["versions"] = new() { Links = new RelationshipLinks { Related = $"/v2/components/{repo.Id}/versions" } },
            },
        };

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z0-9][a-z0-9_-]*$")]
    private static partial System.Text.RegularExpressions.Regex RepoName();

    private static bool IsBase64(string value)
    {
        var buffer = new byte[value.Length];
        return Convert.TryFromBase64String(value, buffer, out _);
    }
}
