using System.Security.Claims;
using Serverless.Functions.Errors;

namespace Serverless.Functions.Identity;

/// <summary>
/// The authenticated user a request acts for, whatever dialect it authenticated with. Handlers take it as a parameter
/// (bound from the request's principal by <see cref="BindAsync"/>), only on routes that require authentication.
/// </summary>
public sealed record Caller(string TenantId, string UserId, string Email, string TenantRole, bool IsServiceAccount)
{
    public const string TenantClaim = "tenant";
    public const string TenantRoleClaim = "tenant_role";
    public const string ServiceAccountClaim = "service_account";

    public bool IsTenantAdmin => TenantRole == TenantRoles.Admin;

    public bool HasTenantPermission(string permission) => TenantRoles.PermissionsOf(TenantRole).Contains(permission);

    /// <summary>The caller, when their tenant role grants <paramref name="permission"/>; otherwise a 403 naming it.</summary>
    public Caller Require(string permission) =>
        HasTenantPermission(permission) ? this : throw new ApiException(ApiError.Forbidden($"This needs the {permission} permission."));

    public static ValueTask<Caller?> BindAsync(HttpContext context) => ValueTask.FromResult<Caller?>(From(context.User));

    /// <summary>Keeps the user row authentication has just read for the rest of the request.</summary>
    public static void RememberUser(HttpContext context, UserEntity user) => context.Items[typeof(UserEntity)] = user;

    /// <summary>
    /// The user row authentication read for this request, when it is this caller's, so that a handler showing the caller
    /// (<c>GET /v2/users/me</c>) does not read it a second time; null when none was kept.
    /// </summary>
    public UserEntity? RememberedUser(HttpContext context) =>
        context.Items[typeof(UserEntity)] is UserEntity user && user.TenantId == TenantId && user.Id == UserId ? user : null;

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
