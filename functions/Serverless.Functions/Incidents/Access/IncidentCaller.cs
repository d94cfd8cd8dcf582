using System.Security.Claims;
using Serverless.Functions.Errors;
using Serverless.Functions.Identity;

namespace Serverless.Functions.Incidents.Access;

/// <summary>
/// Who a request of the incident surface acts for and with which role (the lesser of its key's and its user's). Handlers
/// take it as a parameter, bound from the principal <see cref="IncidentAuthentication"/> made, and ask
/// <see cref="Require"/> for the role an action needs.
/// </summary>
public sealed record IncidentCaller(string TenantId, string UserId, string Email, string Role, string TokenId)
{
    public const string RoleClaim = "incident_role";
    public const string TokenClaim = "refresh_token_id";

    public Caller AsCaller => new(TenantId, UserId, Email, IncidentRoles.ToTenantRole(Role), false);

    public bool Is(string role) => IncidentRoles.Rank(Role) >= IncidentRoles.Rank(role);

    /// <summary>The caller, when its role is at least <paramref name="role"/>; otherwise a 403 that says what is needed.</summary>
    public IncidentCaller Require(string role) =>
        Is(role)
            ? this
            : throw new ApiException(ApiError.Forbidden(role == IncidentRoles.User
                ? $"This needs the user or account_owner role; a {Role} only reads."
                : $"This needs the account_owner role; this token's role is {Role}.") with { Code = "insufficient_role" });

    public static ValueTask<IncidentCaller?> BindAsync(HttpContext context)
    {
        var principal = context.User;
        var caller = Caller.From(principal);
        return ValueTask.FromResult<IncidentCaller?>(new IncidentCaller(caller.TenantId, caller.UserId, caller.Email,
            principal.FindFirstValue(RoleClaim) ?? IncidentRoles.Stakeholder, principal.FindFirstValue(TokenClaim) ?? ""));
    }

    public static ClaimsPrincipal ToPrincipal(KeyHolder holder, string scheme)
    {
        var principal = Caller.ToPrincipal(holder.User, scheme);
        ((ClaimsIdentity)principal.Identity!).AddClaims([new Claim(RoleClaim, holder.Role), new Claim(TokenClaim, holder.TokenId)]);
        return principal;
    }
}
