using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Errors;
using Serverless.Functions.Hosting;
using Serverless.Functions.Identity;
using Serverless.Functions.Incidents.Wire;

namespace Serverless.Functions.Incidents.Access;

/// <summary>
/// The seed's token exchange (IM-1): <c>GET /oauth/access-token</c>, and <c>/v3/oauth/access-token</c> where Squadcast's
/// Terraform provider calls it, with the refresh token in <c>X-Refresh-Token</c> and no body.
/// </summary>
public static class AccessTokenApi
{
    public const string Header = "X-Refresh-Token";

    /// <summary>Both spellings of the field: the seed's <c>token_type</c> and the newer docs' <c>type</c>.</summary>
    public sealed record AccessTokenView(string AccessToken, long ExpiresAt, long IssuedAt, string RefreshToken, string TokenType, string Type);

    public static void MapAccessTokenApi(this IEndpointRouteBuilder app)
    {
        foreach (var (function, prefix) in new[] { ("IncidentAuth", "/oauth"), ("IncidentAuthV3", "/v3/oauth") })
        {
            // The refresh token is the credential here; the route takes no Bearer token.
            app.MapFunctionGroup(function, prefix).WithTags("Incidents").MapGet("/access-token", GetAccessToken);
        }
    }

    [EndpointId("IM-1")]
    public static async Task<JsonHttpResult<DataEnvelope<AccessTokenView>>> GetAccessToken(HttpRequest request, IncidentKeys keys, AccessTokens tokens,
        CancellationToken cancellationToken)
    {
        var refreshToken = request.Headers[Header].ToString().Trim();
        if (refreshToken.Length == 0)
        {
            throw new ApiException(ApiError.ForStatus(401, $"No authorization material provided in request: send the refresh token in {Header}.")
                with { Code = "missing_authorization_material", Parameter = Header });
        }
        var holder = await keys.ResolveAsync(refreshToken, cancellationToken);
        if (holder is null)
        {
            CredentialGate.Refused(request.HttpContext);
            throw new ApiException(ApiError.ForStatus(401, "The refresh token is unknown or revoked.") with { Code = "invalid_refresh_token", Parameter = Header });
        }
        CredentialGate.Accepted(request.HttpContext);
        await keys.TouchAsync(holder, cancellationToken);
        var issued = tokens.Issue(holder.User.TenantId, holder.User.Id, holder.TokenId, holder.KeyCheck);
        return IncidentResults.Secret(request.HttpContext.Response, new AccessTokenView(issued.Token, issued.ExpiresAt.ToUnixTimeSeconds(),
            issued.IssuedAt.ToUnixTimeSeconds(), refreshToken, "bearer", "bearer"));
    }
}
