using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Errors;
using Serverless.Functions.Hosting;
using Serverless.Functions.Identity;
using Serverless.Functions.Incidents.Access;
using Serverless.Functions.Incidents.Wire;

namespace Serverless.Functions.Incidents.Organization;

/// <summary><c>GET /v3/organization</c> (IM-5): the caller's organization (the tenant), whose id the v2 paths need.</summary>
public static class OrganizationApi
{
    public sealed record OrganizationView(string Id, string Name, DateTimeOffset CreatedAt);

    public static void MapOrganizationApi(this IEndpointRouteBuilder app) =>
        app.MapIncidentGroup("Organization", "/v3/organization").MapGet("/", GetOrganization);

    [EndpointId("IM-5")]
    public static async Task<JsonHttpResult<DataEnvelope<OrganizationView>>> GetOrganization(IncidentCaller caller, UserStore users,
        CancellationToken cancellationToken)
    {
        var tenant = await users.GetTenantAsync(caller.TenantId, cancellationToken)
            ?? throw new ApiException(ApiError.ForStatus(404, "The organization no longer exists.") with { Code = "not_found" });
        return IncidentResults.Data(new OrganizationView(tenant.Id, tenant.Name, tenant.Created));
    }
}
