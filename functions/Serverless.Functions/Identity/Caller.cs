using System.Security.Claims;

namespace Serverless.Functions.Identity;

/// <summary>The authenticated user a request acts for, whatever dialect it authenticated with.</summary>
public sealed record Caller(string TenantId, string UserId, string Email, string TenantRole, bool IsServiceAccount)
{
    public const string TenantClaim = "tenant";
    public const string TenantRoleClaim = "tenant_role";
    public const string ServiceAccountClaim = "service_account";

    public bool IsTenantAdmin => TenantRole == TenantRoles.Admin;

    public bool HasTenantPermission(string permission) => TenantRoles.PermissionsOf(TenantRole).Contains(permission);

    public static ClaimsPrincipal ToPrincipal(UserEntity user, string scheme) => new(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, user.Id),
            new Claim(ClaimTypes.Email, user.Email),
            new Claim(TenantClaim, user.TenantId),
            new Claim(TenantRoleClaim, user.TenantRole),
            new Claim(ServiceAccountClaim, user.IsServiceAccount ? "true" : "false"),
        ],
        scheme));

    public static Caller From(ClaimsPrincipal principal) => new(
        principal.FindFirstValue(TenantClaim) ?? throw new InvalidOperationException("The request is not authenticated."),
        principal.FindFirstValue(ClaimTypes.NameIdentifier)!,
        principal.FindFirstValue(ClaimTypes.Email)!,
        principal.FindFirstValue(TenantRoleClaim)!,
        principal.FindFirstValue(ServiceAccountClaim) == "true");
}
