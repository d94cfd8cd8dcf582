namespace Serverless.Functions.Identity;

/// <summary>A role a contract or workspace member can hold, with the permissions it carries.</summary>
public sealed record Role(string Scope, string Name, string DisplayName, IReadOnlyList<string> Permissions);

/// <summary>A <c>{scope, role}</c> pair, as contracts list their <c>available_roles</c>.</summary>
public sealed record RoleRef(string Scope, string Role);

/// <summary>
/// The tenant's roles (the seed's "Get the Contract's roles" example), kept as data. Every role but Owner
/// carries exactly the seed's permission list. The seed describes Owner as the role with every right in its scope but
/// its example lists fewer permissions than Admin, so Owner here carries every permission of its scope
/// (docs/decisions/0005-tenancy.md).
/// </summary>
public static class RoleCatalog
{
    public const string ContractsScope = "contracts";
    public const string WorkspacesScope = "workspaces";
    public const string Owner = "owner";

    public static readonly IReadOnlyList<Role> All =
    [
        new(ContractsScope, "admin", "Admin",
        [
            Permissions.ContractsMembershipEdit, Permissions.ContractsWorkspaceCreate, Permissions.ContractsWorkspaceListAll,
            Permissions.ContractsWorkspaceDelete, Permissions.ContractsRepositoryEdit, Permissions.ContractsDevTeamEdit,
        ]),
        new(ContractsScope, "member", "Member", [Permissions.ContractsWorkspaceCreate]),
        new(WorkspacesScope, "admin", "Admin",
        [
            Permissions.WorkspacesWorkspaceEdit, Permissions.WorkspacesFlowEdit, Permissions.WorkspacesFlowToggleStatus,
            Permissions.WorkspacesFlowToggleRealtime, Permissions.WorkspacesCredentialEdit,
        ]),
        new(WorkspacesScope, "integrator", "Integrator",
        [
            Permissions.WorkspacesFlowEdit, Permissions.WorkspacesFlowToggleStatus, Permissions.WorkspacesFlowToggleRealtime,
            Permissions.WorkspacesCredentialEdit,
        ]),
        new(WorkspacesScope, "guest", "Guest", []),
        new(WorkspacesScope, "custom_role", "Custom_role",
            [Permissions.WorkspacesFlowEdit, Permissions.WorkspacesFlowToggleRealtime, Permissions.WorkspacesCredentialEdit]),
        new(ContractsScope, "custom_role", "Custom_role", [Permissions.ContractsWorkspaceCreate, Permissions.ContractsDevTeamEdit]),
        new(ContractsScope, Owner, "Owner",
        [
            Permissions.ContractsContractEdit, Permissions.ContractsMembershipEdit, Permissions.ContractsWorkspaceCreate,
            Permissions.ContractsWorkspaceListAll, Permissions.ContractsWorkspaceDelete, Permissions.ContractsRepositoryEdit,
            Permissions.ContractsDevTeamEdit, Permissions.ContractsAuthClientsGet, Permissions.ContractsAuthClientsCreate,
        ]),
        new(WorkspacesScope, Owner, "Owner",
        [
            Permissions.WorkspacesWorkspaceEdit, Permissions.WorkspacesFlowEdit, Permissions.WorkspacesFlowToggleStatus,
            Permissions.WorkspacesFlowToggleRealtime, Permissions.WorkspacesCredentialEdit, Permissions.WorkspacesLogsReadAll,
            Permissions.WorkspacesAuthClientsGet, Permissions.WorkspacesAuthClientsCreate, Permissions.WorkspacesAuthSecretGet,
            Permissions.WorkspacesAuthSecretCreate, Permissions.WorkspacesAuthSecretRefresh, Permissions.WorkspacesAuthSecretEdit,
            Permissions.WorkspacesAuthSecretDelete,
        ]),
    ];

    /// <summary>The Owner roles are always available, whatever a contract lists.</summary>
    public static readonly IReadOnlyList<RoleRef> OwnerRoles = [new(ContractsScope, Owner), new(WorkspacesScope, Owner)];

    public static Role? Find(string scope, string name) => All.FirstOrDefault(r => r.Scope == scope && r.Name == name);

    /// <summary>A contract's roles: those it lists plus the Owner roles, in catalog order.</summary>
    public static IReadOnlyList<RoleRef> Available(IEnumerable<RoleRef> listed)
    {
        var set = listed.Concat(OwnerRoles).ToHashSet();
        return All.Select(r => new RoleRef(r.Scope, r.Name)).Where(set.Contains).ToList();
    }

    public static IEnumerable<string> PermissionsOf(string scope, IEnumerable<string> roles) =>
        roles.SelectMany(name => Find(scope, name)?.Permissions ?? []);
}
