using Serverless.Functions.Errors;
using Serverless.Functions.Hosting;
using Serverless.Functions.Incidents.Access;
using Serverless.Functions.Incidents.Alerts;
using Serverless.Functions.Incidents.Cards;
using Serverless.Functions.Incidents.Lifecycle;
using Serverless.Functions.Incidents.Notes;
using Serverless.Functions.Incidents.Organization;
using Serverless.Functions.Incidents.Postmortems;
using Serverless.Functions.Incidents.PublicMessages;
using Serverless.Functions.Incidents.Services;
using Serverless.Functions.Incidents.Teams;
using Serverless.Functions.Incidents.Wire;

namespace Serverless.Functions.Incidents;

public static class IncidentsRegistration
{
    /// <summary>The incident surface: its error writer, its Bearer scheme, the token signer and its stores.</summary>
    public static IServiceCollection AddIncidents(this IServiceCollection services)
    {
        services.AddSurfaceErrorWriter<IncidentErrorWriter>();
        services.AddApiSurface(ApiSurface);
        IncidentAuthentication.AddIncidentAuthentication(services);
        services.AddSingleton<AccessTokens>();
        services.AddSingleton<RefreshTokenStore>();
        services.AddSingleton<IncidentKeys>();
        services.AddSingleton<IncidentTeamStore>();
        services.AddSingleton<ServiceStore>();
        services.AddSingleton<TimelineStore>();
        services.AddSingleton<IncidentStore>();
        services.AddSingleton<AlertRequestStore>();
        services.AddSingleton<NoteStore>();
        services.AddSingleton<CardStore>();
        services.AddSingleton<SlackClient>();
        services.AddSingleton<PostmortemStore>();
        services.AddSingleton<PublicMessageStore>();
        return services;
    }

    /// <summary>How the OpenAPI document describes the surface: a Bearer access token, and the one error body of both client families.</summary>
    private static readonly ApiSurface ApiSurface = new(path => new IncidentErrorWriter().Owns(path), typeof(IncidentErrorWriter.ErrorBody))
    {
        Schemes = new Dictionary<string, Microsoft.OpenApi.OpenApiSecurityScheme>
        {
            ["bearer"] = new()
            {
                Type = Microsoft.OpenApi.SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "An access token from `GET /oauth/access-token` with `X-Refresh-Token: <API key>`",
            },
        },
        WriteBody = typeof(System.Text.Json.Nodes.JsonObject),
        IsNested = true,
    };

    /// <summary>Squadcast's paths: the token exchange, <c>/v3</c>, and the v2 alert and status-page message paths.</summary>
    public static void MapIncidents(this IEndpointRouteBuilder app)
    {
        app.MapAccessTokenApi();
        app.MapRefreshTokensApi();
        app.MapOrganizationApi();
        app.MapIncidentUsersApi();
        app.MapIncidentTeamsApi();
        app.MapServicesApi();
        app.MapAlertsApi();
        app.MapRequestsApi();
        app.MapIncidentsApi();
        app.MapSlackChannelsApi();
        app.MapPublicMessagesApi();
    }
}
