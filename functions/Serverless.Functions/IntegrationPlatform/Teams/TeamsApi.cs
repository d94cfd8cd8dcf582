using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Errors;
using Serverless.Functions.Identity;
using Serverless.Functions.IntegrationPlatform.JsonApi;
using Serverless.Functions.Tenancy;

namespace Serverless.Functions.IntegrationPlatform.Teams;

/// <summary>
/// Teams (ours): the seed requires a team for every component repository and lets team members edit its
/// components, but documents no team endpoints. A team belongs to a contract; <c>contracts.devTeam.edit</c> there
/// creates teams and sets their members, who must be members of the contract (docs/decisions/0009-component-repositories.md).
/// </summary>
public static class TeamsApi
{
    public const string Type = "team";

    public static RouteGroupBuilder MapTeamsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapIntegrationGroup("Teams", "/v2/teams");
        group.MapGet("/", ListTeams);
        group.MapPost("/", CreateTeam);
        group.MapPatch("/{id}", UpdateTeam);
        return group;
    }

    public sealed record TeamAttributes(string Name);

    public sealed record TeamInput(string? Name);

    /// <summary>A contract's teams, for its members.</summary>
    public static async Task<JsonHttpResult<Document>> ListTeams(HttpRequest request, Caller caller, AccessControl access, TeamStore teams,
        CancellationToken cancellationToken)
    {
        var contractId = request.Query["contract_id"].FirstOrDefault()
            ?? throw new ApiException(ApiError.InvalidParameter("contract_id", "'contract_id' is required."));
        var contract = (await access.ContractAsync(caller, contractId, cancellationToken)).Contract;
        var found = await teams.OfContractAsync(contract.TenantId, contract.Id, cancellationToken);
        return JsonApiResults.Ok(new Document(found.OrderBy(t => t.Id, StringComparer.Ordinal).Select(Resource).ToList()));
    }

    public static async Task<JsonHttpResult<Document>> CreateTeam(HttpRequest request, Caller caller, AccessControl access, TeamStore teams,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var input = await JsonApiBody.ReadAsync<TeamInput>(request, Type, cancellationToken);
        var rules = new AttributeRules();
        var name = rules.Required(input.Attributes.Name, "name", 100);
        rules.ThrowIfAny();
        var contractId = JsonApiBody.RelationshipId(input.Relationships, "contract", "contract", required: true)!;
        var contract = (await access.ContractAsync(caller, contractId, cancellationToken)).Require(Permissions.ContractsDevTeamEdit).RequireWritable().Contract;
        var team = new TeamEntity
        {
            PartitionKey = caller.TenantId,
            RowKey = Ids.New(time),
            Name = name,
            ContractId = contract.Id,
            Members = JsonSerializer.Serialize(new List<string> { caller.UserId }, AppJson.Default.ListString),
            Created = time.GetUtcNow(),
        };
        await teams.AddAsync(team, cancellationToken);
        return JsonApiResults.Created(request.HttpContext.Response, Document.Of(Resource(team)), $"/v2/teams/{team.Id}");
    }

    /// <summary>Renames the team and, with a <c>members</c> relationship, replaces its members.</summary>
    public static async Task<JsonHttpResult<Document>> UpdateTeam(string id, HttpRequest request, Caller caller, AccessControl access,
        TeamStore teams, MembershipStore memberships, CancellationToken cancellationToken)
    {
        var team = await teams.GetAsync(caller.TenantId, id, cancellationToken) ?? throw new ApiException(ApiError.NotFound(Type, id, "TEAM_ID"));
        try
        {
            (await access.ContractAsync(caller, team.ContractId, cancellationToken)).Require(Permissions.ContractsDevTeamEdit).RequireWritable();
        }
        catch (ApiException ex) when (ex.Status == StatusCodes.Status404NotFound)
        {
            throw new ApiException(ApiError.NotFound(Type, id, "TEAM_ID"));
        }
        var input = await JsonApiBody.ReadAsync<TeamInput>(request, Type, cancellationToken);
        JsonApiBody.CheckId(input.Id, id);
        var rules = new AttributeRules();
        var name = input.Attributes.Name is null ? null : rules.Required(input.Attributes.Name, "name", 100);
        rules.ThrowIfAny();
        List<string>? members = null;
        if (input.Relationships is { } rel && rel.TryGetProperty("members", out var list))
        {
            members = [];
            var items = list.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array ? data.EnumerateArray().ToList() : null;
            if (items is null)
            {
                throw new ApiException(ApiError.InvalidField("/data/relationships/members", "'members' must be {\"data\": [{\"id\", \"type\": \"user\"}, ...]}."));
            }
            foreach (var (item, index) in items.Select((m, i) => (m, i)))
            {
                var userId = item.ValueKind == JsonValueKind.Object && item.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.String
                    ? i.GetString()
                    : null;
                if (!Ids.IsValid(userId))
                {
                    throw new ApiException(ApiError.InvalidField($"/data/relationships/members/data/{index}", "Each member needs an 'id': the id of a user, a string."));
                }
                if (await memberships.GetAsync(ScopeKind.Contract, team.ContractId, userId!, cancellationToken) is null)
                {
                    throw new ApiException(ApiError.InvalidField($"/data/relationships/members/data/{index}", $"'{userId}' is not a member of the team's contract."));
                }
                members.Add(userId!);
            }
        }
        var updated = await teams.MutateAsync(caller.TenantId, id, t =>
        {
            t.Name = name ?? t.Name;
            t.Members = members is null ? t.Members : JsonSerializer.Serialize(members.Distinct(), AppJson.Default.IEnumerableString);
            return true;
        }, cancellationToken) ?? throw new ApiException(ApiError.NotFound(Type, id, "TEAM_ID"));
        return JsonApiResults.Ok(Document.Of(Resource(updated)));
    }

    private static Resource Resource(TeamEntity team) =>
        new(team.Id, Type, new TeamAttributes(team.Name))
        {
            Links = new ResourceLinks($"/v2/teams/{team.Id}"),
            Relationships = new Dictionary<string, Relationship>
            {
                ["contract"] = new() { Data = new ResourceIdentifier(team.ContractId, "contract"), Links = new RelationshipLinks { Self = $"/v2/contracts/{team.ContractId}" } },
                ["members"] = new() { Data = team.MemberIds().Select(m => new ResourceIdentifier(m, "user")).ToList() },
            },
        };
}
