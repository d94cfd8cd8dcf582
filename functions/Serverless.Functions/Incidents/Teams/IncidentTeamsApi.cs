using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Errors;
using Serverless.Functions.Hosting;
using Serverless.Functions.Identity;
using Serverless.Functions.Incidents.Access;
using Serverless.Functions.Incidents.Wire;

namespace Serverless.Functions.Incidents.Teams;

/// <summary>
/// Teams, minimally (IM-11..IM-13): enough for an <c>owner_id</c> (of a service, a postmortem, the postmortem list) to
/// name something. Everyone reads; account owners create, with <c>member_ids</c> (or the 2022 spelling <c>members_ids</c>).
/// </summary>
public static class IncidentTeamsApi
{
    public sealed record MemberView(string UserId, string Role);

    public sealed record TeamView(string Id, string Name, string Description, string OrganizationId, DateTimeOffset CreatedAt, List<MemberView> Members);

    public static void MapIncidentTeamsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapIncidentGroup("IncidentTeams", "/v3/teams");
        group.MapGet("/", ListTeams);
        group.MapPost("/", CreateTeam);
        group.MapGet("/{teamId}", GetTeam);
    }

    [EndpointId("IM-11")]
    public static async Task<JsonHttpResult<DataEnvelope<List<TeamView>>>> ListTeams(IncidentCaller caller, IncidentTeamStore teams,
        CancellationToken cancellationToken) =>
        IncidentResults.Data((await teams.ListAsync(caller.TenantId, cancellationToken)).Select(ToView).ToList());

    [EndpointId("IM-12")]
    public static async Task<JsonHttpResult<DataEnvelope<TeamView>>> GetTeam(string teamId, IncidentCaller caller, IncidentTeamStore teams,
        CancellationToken cancellationToken) =>
        IncidentResults.Data(ToView(await teams.GetAsync(caller.TenantId, teamId, cancellationToken)
            ?? throw new ApiException(ApiError.NotFound("team", teamId, "teamId") with { Code = "not_found" })));

    [EndpointId("IM-13")]
    public static async Task<JsonHttpResult<DataEnvelope<TeamView>>> CreateTeam(HttpRequest request, IncidentCaller caller, IncidentTeamStore teams,
        UserStore users, TimeProvider time, CancellationToken cancellationToken)
    {
        caller.Require(IncidentRoles.AccountOwner);
        var input = await IncidentInput.ReadAsync(request, cancellationToken);
        var name = input.Text("name", required: true, max: 100);
        var description = input.Text("description", max: 1000, multiLine: true) ?? "";
        var field = input.Has("member_ids") ? "member_ids" : "members_ids";
        var members = input.TextList(field) ?? [];
        input.ThrowIfAny();
        foreach (var id in members)
        {
            input.Check(await users.GetAsync(caller.TenantId, id, cancellationToken) is not null, field, $"No user with id '{id}' is in this organization.");
        }
        input.ThrowIfAny();
        var team = await teams.AddAsync(new IncidentTeamEntity
        {
            PartitionKey = caller.TenantId, RowKey = Ids.New(time), Name = name!, Description = description,
            MemberIds = JsonSerializer.Serialize(members.Distinct().ToList(), AppJson.Default.ListString), Created = time.GetUtcNow(),
        }, cancellationToken);
        return IncidentResults.Data(ToView(team), StatusCodes.Status201Created);
    }

    private static TeamView ToView(IncidentTeamEntity t) => new(t.Id, t.Name, t.Description, t.TenantId, t.Created,
        (JsonSerializer.Deserialize(t.MemberIds, AppJson.Default.ListString) ?? []).Select(id => new MemberView(id, "member")).ToList());
}
