using Serverless.Functions.Errors;
using Serverless.Functions.Identity;

namespace Serverless.Functions.Tenancy;

/// <summary>
/// A contract as one caller sees it: the permissions they hold in it (tenant role plus contract roles), and whether
/// they are a member. Obtained only through <see cref="AccessControl"/>, which has already hidden the contract (404)
/// from callers who may not know it exists.
/// </summary>
public sealed record ContractAccess(ContractEntity Contract, MembershipEntity? Membership, IReadOnlySet<string> Permissions)
{
    public bool IsMember => Membership is not null;

    public ContractAccess Require(string permission) =>
        Permissions.Contains(permission) ? this : throw new ApiException(ApiError.Forbidden($"This needs the {permission} permission in the contract."));

    /// <summary>Writes to anything in a suspending or suspended contract are refused; reads go on (seed, CT-6).</summary>
    public ContractAccess RequireWritable()
    {
        AccessControl.EnsureWritable(Contract);
        return this;
    }
}

/// <summary>A workspace as one caller sees it: permissions from tenant, contract and workspace roles together.</summary>
public sealed record WorkspaceAccess(WorkspaceEntity Workspace, ContractEntity Contract, MembershipEntity? Membership, MembershipEntity? ContractMembership,
    IReadOnlySet<string> Permissions)
{
    public bool IsMember => Membership is not null;

    public WorkspaceAccess Require(params string[] anyOf) =>
        anyOf.Any(Permissions.Contains)
            ? this
            : throw new ApiException(ApiError.Forbidden($"This needs the {string.Join(" or ", anyOf)} permission in the workspace."));

    public WorkspaceAccess RequireWritable()
    {
        AccessControl.EnsureWritable(Contract);
        return this;
    }

    /// <summary>WS-1: members read a workspace; so does anyone allowed to list all workspaces.</summary>
    public WorkspaceAccess RequireReadable() =>
        IsMember ? this : Require(Permissions.Contains(Identity.Permissions.ContractsWorkspaceListAll)
            ? Identity.Permissions.ContractsWorkspaceListAll
            : Identity.Permissions.WorkspacesWorkspaceListAll);
}

/// <summary>
/// Authorization on every object. A caller who may not know an object exists gets 404 — another
/// tenant, a contract they are not in; one who may know it but lacks the permission gets 403.
/// </summary>
public sealed class AccessControl(ContractStore contracts, WorkspaceStore workspaces, MembershipStore memberships)
{
    public async Task<ContractAccess> ContractAsync(Caller caller, string contractId, CancellationToken cancellationToken)
    {
        var contract = await contracts.GetAsync(caller.TenantId, contractId, cancellationToken);
        var membership = contract is null ? null : await memberships.GetAsync(ScopeKind.Contract, contract.Id, caller.UserId, cancellationToken);
        // Tenant admins and service accounts may act on every contract of the tenant (CT-3, CT-6..8).
        if (contract is null || contract.Status == ScopeStatus.Deleting || (membership is null && !caller.IsTenantAdmin && !caller.IsServiceAccount))
        {
            throw new ApiException(ApiError.NotFound("contract", contractId, "CONTRACT_ID"));
        }
        var granted = TenantRoles.PermissionsOf(caller.TenantRole)
            .Concat(RoleCatalog.PermissionsOf(RoleCatalog.ContractsScope, membership?.RoleList ?? []))
            .ToHashSet();
        return new ContractAccess(contract, membership, granted);
    }

    /// <summary>
    /// The one rule for reading what a workspace holds (credentials, flows and their records): its members and tenant
    /// admins. A right to list workspaces is not enough, since what they hold is secret or runs. Null for everyone else,
    /// whom the callers answer 404, as if there were nothing.
    /// </summary>
    public async Task<WorkspaceAccess?> ContentsReaderAsync(Caller caller, string workspaceId, CancellationToken cancellationToken)
    {
        WorkspaceAccess workspace;
        try
        {
            workspace = await WorkspaceAsync(caller, workspaceId, cancellationToken);
        }
        catch (ApiException)
        {
            return null; // the workspace is hidden from the caller, and so is what is in it
        }
        return workspace.IsMember || caller.IsTenantAdmin ? workspace : null;
    }

    public async Task<WorkspaceAccess> WorkspaceAsync(Caller caller, string workspaceId, CancellationToken cancellationToken)
    {
        var workspace = await workspaces.GetAsync(caller.TenantId, workspaceId, cancellationToken);
        var contract = workspace is null ? null : await contracts.GetAsync(caller.TenantId, workspace.ContractId, cancellationToken);
        MembershipEntity? membership = null, contractMembership = null;
        if (workspace is not null && contract is not null)
        {
            var both = await Task.WhenAll(
                memberships.GetAsync(ScopeKind.Workspace, workspace.Id, caller.UserId, cancellationToken),
                memberships.GetAsync(ScopeKind.Contract, contract.Id, caller.UserId, cancellationToken));
            (membership, contractMembership) = (both[0], both[1]);
        }
        // Members of the workspace or of its contract know it exists; so do the tenant's admins.
        if (workspace is null || contract is null || workspace.Status == ScopeStatus.Deleting || contract.Status == ScopeStatus.Deleting ||
            (membership is null && contractMembership is null && !caller.IsTenantAdmin))
        {
            throw new ApiException(ApiError.NotFound("workspace", workspaceId, "WORKSPACE_ID"));
        }
        var granted = TenantRoles.PermissionsOf(caller.TenantRole)
            .Concat(RoleCatalog.PermissionsOf(RoleCatalog.ContractsScope, contractMembership?.RoleList ?? []))
            .Concat(RoleCatalog.PermissionsOf(RoleCatalog.WorkspacesScope, membership?.RoleList ?? []))
            .ToHashSet();
        return new WorkspaceAccess(workspace, contract, membership, contractMembership, granted);
    }

    /// <summary>
    /// Who may change a member's roles from <paramref name="before"/> to <paramref name="after"/> (none: removal), on
    /// top of the membership permission. Owner reads secrets and removes Owners, so only an Owner of the scope or a
    /// tenant admin grants or takes the owner role; and nobody gives themselves a role that carries a permission their
    /// roles do not, so a right to edit members never becomes more rights for the one who holds it. Lowering one's
    /// own roles stays possible.
    /// </summary>
    public static void EnsureMayChangeRoles(Caller caller, MembershipEntity? callerMembership, string scope, string userId,
        IReadOnlyList<string> before, IReadOnlyList<string> after)
    {
        var scopeName = scope == RoleCatalog.ContractsScope ? "contract" : "workspace";
        var callerIsOwner = callerMembership?.RoleList.Contains(RoleCatalog.Owner) == true;
        if (before.Contains(RoleCatalog.Owner) != after.Contains(RoleCatalog.Owner) && !callerIsOwner && !caller.IsTenantAdmin)
        {
            throw new ApiException(ApiError.Forbidden($"Only an Owner of this {scopeName} or a tenant admin can grant or remove the owner role."));
        }
        var held = RoleCatalog.PermissionsOf(scope, before).ToHashSet();
        if (userId == caller.UserId &&
            after.Except(before).FirstOrDefault(role => !RoleCatalog.PermissionsOf(scope, [role]).All(held.Contains)) is { } raised)
        {
            throw new ApiException(ApiError.Forbidden(
                $"Nobody can raise their own roles: '{raised}' carries permissions your roles in this {scopeName} do not, so you cannot give it to yourself."));
        }
    }

    public static void EnsureWritable(ContractEntity contract)
    {
        if (contract.Status is ScopeStatus.Suspending or ScopeStatus.Suspended)
        {
            throw new ApiException(ApiError.ForStatus(StatusCodes.Status409Conflict,
                $"Contract {contract.Id} is {contract.Status}: changes to it and to anything in it are refused until it is unsuspended.")
                with { Code = "contract_suspended" });
        }
    }
}
