using Serverless.Functions.Hosting;
using Serverless.Functions.Identity;

namespace Serverless.Functions.IntegrationPlatform;

public static class IntegrationGroups
{
    /// <summary>
    /// One resource group of the Integration Platform API: one HTTP function, and Basic <c>email:apikey</c> on every
    /// route, because the seed authenticates every call.
    /// </summary>
    public static RouteGroupBuilder MapIntegrationGroup(this IEndpointRouteBuilder app, string functionName, string routePrefix) =>
        app.MapFunctionGroup(functionName, routePrefix)
            .RequireAuthorization(IdentityRegistration.IntegrationPolicy)
            .WithTags(functionName);
}
