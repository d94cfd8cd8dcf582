using Serverless.Functions.Identity;

namespace Serverless.Functions.Incidents.Access;

/// <summary>
/// Squadcast's three roles, held as the tenant roles they map onto (docs/decisions/0019-incident-roles-and-tokens.md):
/// <c>account_owner</c> is the tenant admin, <c>user</c> a member, <c>stakeholder</c> the read-only stakeholder.
/// </summary>
public static class IncidentRoles
{
    public const string AccountOwner = "account_owner";
    public const string User = "user";
    public const string Stakeholder = "stakeholder";

    public static readonly IReadOnlyList<string> All = [AccountOwner, User, Stakeholder];

    public static int Rank(string role) => role switch
    {
        AccountOwner => 3,
        User => 2,
        Stakeholder => 1,
        _ => 0,
    };

    public static string OfTenantRole(string tenantRole) => tenantRole switch
    {
        TenantRoles.Admin => AccountOwner,
        TenantRoles.Stakeholder => Stakeholder,
        _ => User,
    };

    public static string ToTenantRole(string role) => role switch
    {
        AccountOwner => TenantRoles.Admin,
        Stakeholder => TenantRoles.Stakeholder,
        _ => TenantRoles.Member,
    };

    /// <summary>The lesser of two roles: what a key may do when its role and its user's differ.</summary>
    public static string Lower(string a, string b) => Rank(a) <= Rank(b) ? a : b;
}
