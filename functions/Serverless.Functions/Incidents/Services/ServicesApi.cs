using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Errors;
using Serverless.Functions.Hosting;
using Serverless.Functions.Identity;
using Serverless.Functions.Incidents.Access;
using Serverless.Functions.Incidents.Teams;
using Serverless.Functions.Incidents.Wire;

namespace Serverless.Functions.Incidents.Services;

/// <summary>
/// Services (IM-14..IM-18), each with its own ingestion key (<c>api_key</c>), the secret in its alert URL
/// <c>/v2/incidents/api/{api_key}</c>. Everyone reads; account owners create, change and delete. Names are unique in
/// the organization, as Squadcast's are.
/// </summary>
public static class ServicesApi
{
    public sealed record ServiceOwner(string Id, string Type);

    public sealed record ServiceView(string Id, string Name, string Slug, string Description, string ApiKey, string OrganizationId,
        string? EscalationPolicyId, ServiceOwner? Owner, bool OnMaintenance, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

    public static void MapServicesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapIncidentGroup("Services", "/v3/services");
        group.MapGet("/", ListServices);
        group.MapPost("/", CreateService);
        group.MapGet("/{serviceId}", GetService);
        group.MapPut("/{serviceId}", UpdateService);
        group.MapDelete("/{serviceId}", DeleteService);
    }

    /// <summary>IM-14: Squadcast requires <c>owner_id</c>; here it is an optional filter by owning team.</summary>
    [EndpointId("IM-14")]
    public static async Task<JsonHttpResult<DataEnvelope<List<ServiceView>>>> ListServices(HttpRequest request, IncidentCaller caller, ServiceStore services,
        CancellationToken cancellationToken)
    {
        var owner = request.Query["owner_id"].ToString();
        var list = await services.ListAsync(caller.TenantId, cancellationToken);
        return IncidentResults.Data(list.Where(s => owner.Length == 0 || s.OwnerId == owner).Select(s => ToView(s, services)).ToList());
    }

    [EndpointId("IM-15")]
    public static async Task<JsonHttpResult<DataEnvelope<ServiceView>>> GetService(string serviceId, IncidentCaller caller, ServiceStore services,
        CancellationToken cancellationToken) =>
        IncidentResults.Data(ToView(await FindAsync(services, caller, serviceId, cancellationToken), services));

    /// <summary>IM-16: <c>{name, description?, escalation_policy_id?, owner_id?}</c> → 201 with the ingestion key.</summary>
    [EndpointId("IM-16")]
    public static async Task<JsonHttpResult<DataEnvelope<ServiceView>>> CreateService(HttpRequest request, IncidentCaller caller, ServiceStore services,
        IncidentTeamStore teams, TimeProvider time, CancellationToken cancellationToken)
    {
        caller.Require(IncidentRoles.AccountOwner);
        var input = await IncidentInput.ReadAsync(request, cancellationToken);
        var name = input.Text("name", required: true, max: 100);
        var description = input.Text("description", max: 1000, multiLine: true) ?? "";
        var policy = input.Text("escalation_policy_id", max: 100);
        var owner = input.Text("owner_id", max: 100) ?? request.Query["owner_id"].FirstOrDefault();
        input.ThrowIfAny();
        await CheckAsync(input, services, teams, caller, name!, owner, null, cancellationToken);
        var service = await services.AddAsync(new ServiceEntity
        {
            PartitionKey = caller.TenantId, RowKey = Ids.New(time), Name = name!, Description = description, EscalationPolicyId = policy, OwnerId = owner,
        }, cancellationToken);
        return IncidentResults.Data(ToView(service, services), StatusCodes.Status201Created);
    }

    /// <summary>IM-17: the fields given change; the ingestion key stays.</summary>
    [EndpointId("IM-17")]
    public static async Task<JsonHttpResult<DataEnvelope<ServiceView>>> UpdateService(string serviceId, HttpRequest request, IncidentCaller caller,
        ServiceStore services, IncidentTeamStore teams, CancellationToken cancellationToken)
    {
        caller.Require(IncidentRoles.AccountOwner);
        var input = await IncidentInput.ReadAsync(request, cancellationToken);
        var name = input.Text("name", required: input.Has("name"), max: 100);
        var description = input.Text("description", max: 1000, multiLine: true);
        var policy = input.Text("escalation_policy_id", max: 100);
        var owner = input.Text("owner_id", max: 100);
        input.ThrowIfAny();
        var service = await FindAsync(services, caller, serviceId, cancellationToken);
        await CheckAsync(input, services, teams, caller, name ?? service.Name, owner, service.Id, cancellationToken);
        service.Name = name ?? service.Name;
        service.Description = description ?? service.Description;
        service.EscalationPolicyId = policy ?? service.EscalationPolicyId;
        service.OwnerId = owner ?? service.OwnerId;
        return IncidentResults.Data(ToView(await services.UpdateAsync(service, cancellationToken), services));
    }

    /// <summary>IM-18: its key stops ingesting at once; its incidents stay.</summary>
    [EndpointId("IM-18")]
    public static async Task<NoContent> DeleteService(string serviceId, IncidentCaller caller, ServiceStore services, CancellationToken cancellationToken)
    {
        caller.Require(IncidentRoles.AccountOwner);
        await services.DeleteAsync(await FindAsync(services, caller, serviceId, cancellationToken), cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<ServiceEntity> FindAsync(ServiceStore services, IncidentCaller caller, string serviceId, CancellationToken cancellationToken) =>
        await services.GetAsync(caller.TenantId, serviceId, cancellationToken)
            ?? throw new ApiException(ApiError.NotFound("service", serviceId, "serviceID") with { Code = "not_found" });

    private static async Task CheckAsync(IncidentInput input, ServiceStore services, IncidentTeamStore teams, IncidentCaller caller, string name,
        string? owner, string? self, CancellationToken cancellationToken)
    {
        if (owner is not null && await teams.GetAsync(caller.TenantId, owner, cancellationToken) is null)
        {
            input.Fail("owner_id", $"No team with id '{owner}' is in this organization.");
        }
        input.ThrowIfAny();
        if ((await services.ListAsync(caller.TenantId, cancellationToken)).Any(s => s.Id != self && string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase)))
        {
            throw new ApiException(ApiError.Conflict("name", $"A service named '{name}' already exists.") with { Code = "conflict" });
        }
    }

    private static ServiceView ToView(ServiceEntity s, ServiceStore services) => new(s.Id, s.Name, Slug(s.Name), s.Description, services.ApiKeyOf(s),
        s.TenantId, s.EscalationPolicyId, s.OwnerId is null ? null : new ServiceOwner(s.OwnerId, "team"), false, s.Created, s.Updated);

    private static string Slug(string name) =>
        string.Join('-', new string(name.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : ' ').ToArray())
            .Split(' ', StringSplitOptions.RemoveEmptyEntries));
}
