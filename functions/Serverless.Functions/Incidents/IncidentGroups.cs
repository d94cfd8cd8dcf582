using Serverless.Functions.Hosting;
using Serverless.Functions.Incidents.Access;

namespace Serverless.Functions.Incidents;

public static class IncidentGroups
{
    /// <summary>
    /// One resource group of the incident surface: one HTTP function, and a Bearer access token on every route, since
    /// Squadcast authenticates every call but the token exchange and alert ingestion (which map their own groups).
    /// </summary>
    public static RouteGroupBuilder MapIncidentGroup(this IEndpointRouteBuilder app, string functionName, string routePrefix) =>
        app.MapFunctionGroup(functionName, routePrefix)
            .RequireAuthorization(IncidentAuthentication.Policy)
            .WithTags("Incidents");
}
