namespace Serverless.Functions.Identity;

/// <summary>Permission strings exactly as the seed spells them (spec §2.4).</summary>
public static class Permissions
{
    public const string TenantsUserListAll = "tenants.user.list_all";
}

/// <summary>The tenant-level roles a user can hold.</summary>
public static class TenantRoles
{
    /// <summary>"TenantAdmin" in the seed: creates contracts and users, and sees everything in its tenant.</summary>
    public const string Admin = "admin";

    public const string Member = "member";

    private static readonly Dictionary<string, string[]> Granted = new()
    {
        [Admin] = [Permissions.TenantsUserListAll],
        [Member] = [],
    };

    public static bool IsKnown(string role) => Granted.ContainsKey(role);

    public static bool Grants(string role, string permission) =>
        Granted.TryGetValue(role, out var granted) && granted.Contains(permission);
}
