using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Serverless.Functions.Errors;
using Serverless.Functions.Identity;

namespace Serverless.Functions.Incidents.Access;

/// <summary>
/// <c>Authorization: Bearer</c> on the incident surface: an access token from <c>/oauth/access-token</c>, as Squadcast's
/// clients send; or, as incident.io's clients send, an API key itself. Either way the refresh token behind it must still
/// exist, so revoking one ends every access token it minted at once. Refusals are written here, since only here is
/// it known whether the token was missing or wrong.
/// </summary>
public sealed class IncidentAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    AccessTokens accessTokens,
    IncidentKeys keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "IncidentBearer";
    public const string Policy = "Incidents";

    private bool presented;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }
        presented = true;
        var token = header["Bearer ".Length..].Trim();
        KeyHolder? holder;
        if (token.StartsWith(ApiKeys.Prefix, StringComparison.Ordinal))
        {
            holder = await keys.ResolveAsync(token, Context.RequestAborted);
        }
        else
        {
            var claims = await accessTokens.ValidateAsync(token);
            holder = claims is null ? null : await keys.ResolveAsync(claims, Context.RequestAborted);
        }
        if (holder is null)
        {
            Logger.LogInformation("Incident bearer token refused");
            CredentialGate.Refused(Context);
            return AuthenticateResult.Fail("Unknown, expired or revoked token.");
        }
        CredentialGate.Accepted(Context);
        // Handlers that show the caller (a note's author) take this row rather than read it again.
        Caller.RememberUser(Context, holder.User);
        return AuthenticateResult.Success(new AuthenticationTicket(IncidentCaller.ToPrincipal(holder, SchemeName), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        Context.RequestServices.GetRequiredService<SurfaceErrors>().WriteAsync(Context, StatusCodes.Status401Unauthorized,
        [
            presented
                ? ApiError.ForStatus(401, "The access token is invalid, expired or revoked; exchange a refresh token at /oauth/access-token for a new one.") with { Code = "access_token_invalid" }
                : ApiError.ForStatus(401, "No authorization material provided in request") with { Code = "missing_authorization_material" },
        ]);

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        return Task.CompletedTask;
    }

    public static IServiceCollection AddIncidentAuthentication(IServiceCollection services)
    {
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, IncidentAuthentication>(SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(Policy, p => p.AddAuthenticationSchemes(SchemeName).RequireAuthenticatedUser());
        // The token exchange's credential, which no authentication scheme reads.
        CredentialGate.AddCredentialHeader(services, AccessTokenApi.Header);
        return services;
    }
}
