namespace Serverless.Functions.Identity;

/// <summary>Permission strings exactly as the seed spells them, inconsistencies included.</summary>
public static class Permissions
{
    public const string TenantsUserListAll = "tenants.user.list_all";
    public const string TenantsComponentListAll = "tenants.component.list_all";
    public const string TenantsAuthClientsGet = "tenants.auth_clients.get";
    public const string TenantsAuthClientsCreate = "tenants.auth_clients.create";
    public const string TenantWorkspaceEditMembership = "tenant.workspace.edit_membership";
    public const string WorkspaceEditMembershipSupport = "workspace.workspace.edit_membership_support";
    public const string GlobalStatsWorkspaces = "global.stats.workspaces";

    public const string ContractsContractEdit = "contracts.contract.edit";
    public const string ContractsMembershipEdit = "contracts.membership.edit";
    public const string ContractsWorkspaceCreate = "contracts.workspace.create";
    public const string ContractsWorkspaceListAll = "contracts.workspace.listAll";
    public const string ContractsWorkspaceDelete = "contracts.workspace.delete";
    public const string ContractsRepositoryEdit = "contracts.repository.edit";
    public const string ContractsDevTeamEdit = "contracts.devTeam.edit";
    public const string ContractsAuthClientsGet = "contracts.auth_clients.get";
    public const string ContractsAuthClientsCreate = "contracts.auth_clients.create";

    public const string WorkspacesWorkspaceEdit = "workspaces.workspace.edit";
    public const string WorkspacesWorkspaceEditType = "workspaces.workspace.edit_type";
    public const string WorkspacesWorkspaceListAll = "workspaces.workspace.listAll";
    public const string WorkspacesFlowEdit = "workspaces.flow.edit";
    public const string WorkspacesFlowToggleStatus = "workspaces.flow.toggleStatus";
    public const string WorkspacesFlowToggleRealtime = "workspaces.flow.toggleRealtime";
    public const string WorkspacesCredentialEdit = "workspaces.credential.edit";
    public const string WorkspacesLogsReadAll = "workspaces.logs.read_all";
    public const string WorkspacesAuthClientsGet = "workspaces.auth_clients.get";
    public const string WorkspacesAuthClientsCreate = "workspaces.auth_clients.create";
    public const string WorkspacesAuthSecretGet = "workspaces.auth_secret.get";
    public const string WorkspacesAuthSecretCreate = "workspaces.auth_secret.create";
    public const string WorkspacesAuthSecretRefresh = "workspaces.auth_secret.refresh";
    public const string WorkspacesAuthSecretEdit = "workspaces.auth_secret.edit";
    public const string WorkspacesAuthSecretDelete = "workspaces.auth_secret.delete";
}

/// <summary>The tenant-level roles a user can hold.</summary>
public static class TenantRoles
{
    /// <summary>"TenantAdmin" in the seed: creates contracts and users, and may act on everything in its tenant.</summary>
    public const string Admin = "admin";

    public const string Member = "member";

    /// <summary>
    /// The incident surface's read-only <c>stakeholder</c> (docs/decisions/0019-incident-roles-and-tokens.md); elsewhere
    /// it holds no tenant permission, as a member holds none.
    /// </summary>
    public const string Stakeholder = "stakeholder";

    public static readonly IReadOnlyList<string> All = [Admin, Member, Stakeholder];

    private static readonly Dictionary<string, string[]> Granted = new()
    {
        [Admin] =
        [
            Permissions.TenantsUserListAll, Permissions.TenantsComponentListAll, Permissions.TenantsAuthClientsGet,
            Permissions.TenantsAuthClientsCreate, Permissions.TenantWorkspaceEditMembership,
            Permissions.WorkspaceEditMembershipSupport, Permissions.WorkspacesWorkspaceListAll,
            Permissions.WorkspacesWorkspaceEditType,
        ],
        [Member] = [],
        [Stakeholder] = [],
    };

    public static IReadOnlyCollection<string> PermissionsOf(string role) => Granted.TryGetValue(role, out var granted) ? granted : [];
}
