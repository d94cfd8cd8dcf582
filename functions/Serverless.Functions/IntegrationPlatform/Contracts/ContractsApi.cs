using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Errors;
using Serverless.Functions.Hosting;
using Serverless.Functions.Identity;
using Serverless.Functions.IntegrationPlatform.Executions;
using Serverless.Functions.IntegrationPlatform.JsonApi;
using Serverless.Functions.Operations;
using Serverless.Functions.Tenancy;

namespace Serverless.Functions.IntegrationPlatform.Contracts;

/// <summary>
/// Contracts (CT-1..CT-8), plus contract membership, which the seed links to
/// (<c>/v2/contracts/{id}/members/</c>) and guards with <c>contracts.membership.edit</c> but does not document
/// (docs/decisions/0005-tenancy.md).
/// </summary>
public static class ContractsApi
{
    public const string Type = "contract";
    private const int DefaultPageSize = 20;

    public static RouteGroupBuilder MapContractsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapIntegrationGroup("Contracts", "/v2/contracts");
        group.MapPost("/", CreateContract);
        group.MapPatch("/{id}", UpdateContract);
        group.MapGet("/{id}", GetContract);
        group.MapGet("/", ListContracts);
        group.MapGet("/{id}/roles", GetRoles);
        group.MapPost("/{id}/suspend", Suspend);
        group.MapPost("/{id}/unsuspend", Unsuspend);
        group.MapDelete("/{id}", DeleteContract);
        group.MapGet("/{id}/members", ListMembers);
        group.MapPatch("/{id}/members/{userId}", SetMember);
        group.MapDelete("/{id}/members/{userId}", RemoveMember);
        return group;
    }

    public sealed record ContractAttributes(string Name, IReadOnlyList<RoleRef> AvailableRoles, string Status, bool FlowStatsEnabledDefault)
    {
        [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
        public string? SupportUserId { get; init; }
    }

    public sealed record ContractInput(string? Name, bool? FlowStatsEnabledDefault, List<RoleRef>? AvailableRoles, string? SupportUserId);

    public sealed record MemberInput(List<string>? Roles);

    public sealed record RoleView(RoleName I18n, string Role, IReadOnlyList<string> Permissions, string Scope);

    public sealed record RoleName(string En);

    public sealed record ContractPolicy(IReadOnlyList<RoleView> Roles);

    /// <summary>CT-1: a tenant admin creates a contract with its Owner (the <c>owner</c> relationship, or the caller).</summary>
    [EndpointId("CT-1")]
    public static async Task<JsonHttpResult<Document>> CreateContract(HttpRequest request, Caller caller,
        [AsParameters] TenancyServices services, CancellationToken cancellationToken)
    {
        if (!caller.IsTenantAdmin)
        {
            throw new ApiException(ApiError.Forbidden("Only a tenant admin can create contracts."));
        }
        var input = await JsonApiBody.ReadAsync<ContractInput>(request, Type, cancellationToken);
        var rules = new AttributeRules();
        var name = rules.Required(input.Attributes.Name, "name");
        CheckRoles(rules, input.Attributes.AvailableRoles);
        rules.ThrowIfAny();
        var ownerId = JsonApiBody.RelationshipId(input.Relationships, "owner", "user", required: false) ?? caller.UserId;
        if (await services.Users.GetAsync(caller.TenantId, ownerId, cancellationToken) is null)
        {
            throw new ApiException(ApiError.InvalidField("/data/relationships/owner", $"No user with id '{ownerId}' exists in this tenant."));
        }
        await CheckSupportUserAsync(services.Users, caller, input.Attributes.SupportUserId, cancellationToken);

        var contract = new ContractEntity
        {
            PartitionKey = caller.TenantId,
            RowKey = Ids.New(services.Time),
            Name = name,
            SupportUserId = input.Attributes.SupportUserId,
            FlowStatsEnabledDefault = input.Attributes.FlowStatsEnabledDefault,
            // Unlisted, a contract offers every role of the tenant; listed, those and the Owner roles.
            AvailableRoles = JsonSerializer.Serialize(input.Attributes.AvailableRoles ?? RoleCatalog.All.Select(r => new RoleRef(r.Scope, r.Name)).ToList(), AppJson.Default.ListRoleRef),
            Created = services.Time.GetUtcNow(),
        };
        // The Owner's membership first: a crash before the contract row leaves a membership of nothing, never a contract without an Owner.
        await services.Memberships.SetAsync(ScopeKind.Contract, contract.Id, ownerId, [RoleCatalog.Owner], cancellationToken: cancellationToken);
        await services.Contracts.AddAsync(contract, cancellationToken);
        return JsonApiResults.Created(request.HttpContext.Response, await ToDocumentAsync(contract, services, false, false, cancellationToken),
            $"/v2/contracts/{contract.Id}");
    }

    /// <summary>CT-2: the name (and defaults) need contracts.contract.edit; the available roles need a tenant admin.</summary>
    [EndpointId("CT-2")]
    public static async Task<JsonHttpResult<Document>> UpdateContract(string id, HttpRequest request, Caller caller,
        [AsParameters] TenancyServices services, CancellationToken cancellationToken)
    {
        var access = (await services.Access.ContractAsync(caller, id, cancellationToken)).RequireWritable();
        var input = await JsonApiBody.ReadAsync<ContractInput>(request, Type, cancellationToken);
        JsonApiBody.CheckId(input.Id, id);
        var a = input.Attributes;
        var rules = new AttributeRules();
        var name = a.Name is null ? null : rules.Required(a.Name, "name");
        CheckRoles(rules, a.AvailableRoles);
        rules.ThrowIfAny();

        var contract = access.Contract;
        if ((name is not null && name != contract.Name) || a.FlowStatsEnabledDefault is not null || a.SupportUserId is not null)
        {
            access.Require(Permissions.ContractsContractEdit);
        }
        if (a.AvailableRoles is not null && !caller.IsTenantAdmin)
        {
            throw new ApiException(ApiError.Forbidden("Only a tenant admin can change a contract's available roles."));
        }
        await CheckSupportUserAsync(services.Users, caller, a.SupportUserId, cancellationToken);
        var updated = await services.Contracts.MutateAsync(caller.TenantId, contract.Id, c =>
        {
            AccessControl.EnsureWritable(c); // again on the fresh row: a suspension may have begun meanwhile
            c.Name = name ?? c.Name;
            c.FlowStatsEnabledDefault = a.FlowStatsEnabledDefault ?? c.FlowStatsEnabledDefault;
            c.SupportUserId = a.SupportUserId ?? c.SupportUserId;
            if (a.AvailableRoles is not null)
            {
                c.AvailableRoles = JsonSerializer.Serialize(a.AvailableRoles, AppJson.Default.ListRoleRef);
            }
            return true;
        }, cancellationToken) ?? throw new ApiException(ApiError.NotFound(Type, id, "CONTRACT_ID"));
        return JsonApiResults.Ok(await ToDocumentAsync(updated, services, false, false, cancellationToken));
    }

    /// <summary>CT-3: members of the contract and tenant admins read it, with its members and invites when asked.</summary>
    [EndpointId("CT-3")]
    public static async Task<JsonHttpResult<Document>> GetContract(string id, HttpRequest request, Caller caller,
        [AsParameters] TenancyServices services, CancellationToken cancellationToken)
    {
        var (members, invites) = Members.Includes(request);
        var access = await services.Access.ContractAsync(caller, id, cancellationToken);
        return JsonApiResults.Ok(await ToDocumentAsync(access.Contract, services, members, invites, cancellationToken) with
        {
            Links = new ResourceLinks($"/v2/contracts/{id}"),
        });
    }

    /// <summary>CT-4: the contracts the caller is a member of.</summary>
    [EndpointId("CT-4")]
    public static async Task<JsonHttpResult<Document>> ListContracts(HttpRequest request, Caller caller,
        [AsParameters] TenancyServices services, CancellationToken cancellationToken)
    {
        var paging = Paging.From(request, DefaultPageSize);
        var mine = await services.Memberships.ScopesOfAsync(caller.UserId, ScopeKind.Contract, cancellationToken);
        var contracts = (await Task.WhenAll(mine.Select(m => services.Contracts.GetAsync(caller.TenantId, m.RowKey[2..], cancellationToken))))
            .OfType<ContractEntity>().Where(c => c.Status != ScopeStatus.Deleting).OrderBy(c => c.Id, StringComparer.Ordinal).ToList();
        var page = contracts.Skip(paging.Skip).Take(paging.Size).ToList();
        var resources = await Task.WhenAll(page.Select(c => ToResourceAsync(c, services, false, cancellationToken)));
        var document = paging.ToDocument(request, contracts, c => resources[page.IndexOf(c)]);
        return JsonApiResults.Ok(document);
    }

    /// <summary>CT-5: the contract's roles with their permissions, as one contract-policy.</summary>
    [EndpointId("CT-5")]
    public static async Task<JsonHttpResult<Document>> GetRoles(string id, Caller caller, [AsParameters] TenancyServices services,
        CancellationToken cancellationToken)
    {
        var contract = (await services.Access.ContractAsync(caller, id, cancellationToken)).Contract;
        var roles = contract.AvailableRoleList()
            .Select(r => RoleCatalog.Find(r.Scope, r.Role)!)
            .Select(r => new RoleView(new RoleName(r.DisplayName), r.Name, r.Permissions, r.Scope))
            .ToList();
        return JsonApiResults.Ok(Document.Of(new Resource(contract.Id, "contract-policy", new ContractPolicy(roles))
        {
            Relationships = new Dictionary<string, Relationship>
            {
                [Type] = new() { Data = new ResourceIdentifier(contract.Id, Type), Links = new RelationshipLinks { Self = $"/v2/contracts/{contract.Id}" } },
            },
        }));
    }

    /// <summary>
    /// CT-6: marks the contract suspending, so writes are refused at once, and starts the operation that stops its
    /// flows and marks it suspended. Asking again returns the same operation.
    /// </summary>
    [EndpointId("CT-6")]
    public static async Task<JsonHttpResult<Document>> Suspend(string id, HttpContext context, Caller caller,
        [AsParameters] TenancyServices services, OperationStore operations, CancellationToken cancellationToken)
    {
        var contract = RequireAdminOrServiceAccount(await services.Access.ContractAsync(caller, id, cancellationToken), caller, "suspend");
        if (contract.Status is ScopeStatus.Suspending or ScopeStatus.Suspended && contract.OperationId is { } running &&
            await operations.GetAsync(running, cancellationToken) is { } existing)
        {
            return ExecutionsApi.Accepted(context, existing);
        }
        var operationId = Ids.New(services.Time);
        await services.Contracts.MutateAsync(caller.TenantId, contract.Id, c =>
        {
            c.Status = c.Status == ScopeStatus.Suspended ? ScopeStatus.Suspended : ScopeStatus.Suspending;
            c.OperationId = operationId;
            return true;
        }, cancellationToken);
        var operation = await services.Operations.StartAsync(SuspendContract.KindName, caller, contract.Id, id: operationId, cancellationToken: cancellationToken);
        return ExecutionsApi.Accepted(context, operation);
    }

    /// <summary>CT-7: makes the contract active again, also in the middle of a suspension (which then leaves it active).</summary>
    [EndpointId("CT-7")]
    public static async Task<NoContent> Unsuspend(string id, Caller caller, [AsParameters] TenancyServices services,
        CancellationToken cancellationToken)
    {
        var contract = RequireAdminOrServiceAccount(await services.Access.ContractAsync(caller, id, cancellationToken), caller, "unsuspend");
        await services.Contracts.MutateAsync(caller.TenantId, contract.Id, c =>
        {
            if (c.Status is not (ScopeStatus.Suspending or ScopeStatus.Suspended))
            {
                return false; // active already, or being deleted: nothing to undo
            }
            c.Status = ScopeStatus.Active;
            return true;
        }, cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>CT-8: 204 at once, as the seed says; the contract is gone from every read now, its data in the background.</summary>
    [EndpointId("CT-8")]
    public static async Task<NoContent> DeleteContract(string id, Caller caller, [AsParameters] TenancyServices services,
        CancellationToken cancellationToken)
    {
        var access = await services.Access.ContractAsync(caller, id, cancellationToken);
        if (!caller.IsTenantAdmin)
        {
            throw new ApiException(ApiError.Forbidden("Only a tenant admin can delete a contract."));
        }
        var operationId = Ids.New(services.Time);
        await services.Contracts.MutateAsync(caller.TenantId, access.Contract.Id, c =>
        {
            c.Status = ScopeStatus.Deleting;
            c.OperationId = operationId;
            return true;
        }, cancellationToken);
        await services.Operations.StartAsync(Tenancy.DeleteContract.KindName, caller, access.Contract.Id, id: operationId, cancellationToken: cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>The contract's members (ours): readable by its members and tenant admins.</summary>
    public static async Task<JsonHttpResult<Document>> ListMembers(string id, HttpRequest request, Caller caller,
        [AsParameters] TenancyServices services, CancellationToken cancellationToken)
    {
        var contract = (await services.Access.ContractAsync(caller, id, cancellationToken)).Contract;
        var members = await Members.WithUsersAsync(await services.Memberships.MembersAsync(ScopeKind.Contract, contract.Id, cancellationToken),
            caller.TenantId, services.Users, cancellationToken);
        return JsonApiResults.Ok(new Document(members.Select(Members.ContractMember).ToList())
        {
            Links = new CollectionLinks($"/v2/contracts/{contract.Id}/members"),
        });
    }

    /// <summary>Adds a user of the tenant to the contract, or changes their contract roles (ours; contracts.membership.edit).</summary>
    public static async Task<JsonHttpResult<Document>> SetMember(string id, string userId, HttpRequest request, Caller caller,
        [AsParameters] TenancyServices services, CancellationToken cancellationToken)
    {
        var access = (await services.Access.ContractAsync(caller, id, cancellationToken)).Require(Permissions.ContractsMembershipEdit).RequireWritable();
        var input = await JsonApiBody.ReadAsync<MemberInput>(request, Members.ContractMemberType, cancellationToken);
        JsonApiBody.CheckId(input.Id, userId);
        var roles = CheckMemberRoles(input.Attributes.Roles, access.Contract, RoleCatalog.ContractsScope);
        var user = await services.Users.GetAsync(caller.TenantId, userId, cancellationToken)
            ?? throw new ApiException(ApiError.NotFound("user", userId, "USER_ID"));
        var current = await services.Memberships.MembersAsync(ScopeKind.Contract, access.Contract.Id, cancellationToken);
        AccessControl.EnsureMayChangeRoles(caller, access.Membership, RoleCatalog.ContractsScope, userId,
            current.FirstOrDefault(m => m.UserId == userId)?.RoleList ?? [], roles);
        // The write itself refuses to take the owner role from the last Owner, and then writes nothing.
        var membership = await services.Memberships.SetKeepingAnOwnerAsync(ScopeKind.Contract, access.Contract.Id, userId, roles,
            cancellationToken: cancellationToken) ?? throw new ApiException(ApiError.Conflict("/data/attributes/roles", "A contract must keep at least one Owner."));
        return JsonApiResults.Ok(Document.Of(Members.ContractMember(new Members.Member(membership, user))));
    }

    /// <summary>Removes a user from the contract and from its workspaces (ours; contracts.membership.edit).</summary>
    public static async Task<NoContent> RemoveMember(string id, string userId, Caller caller, [AsParameters] TenancyServices services,
        CancellationToken cancellationToken)
    {
        var access = (await services.Access.ContractAsync(caller, id, cancellationToken)).Require(Permissions.ContractsMembershipEdit).RequireWritable();
        var current = await services.Memberships.MembersAsync(ScopeKind.Contract, access.Contract.Id, cancellationToken);
        var target = current.FirstOrDefault(m => m.UserId == userId)
            ?? throw new ApiException(ApiError.NotFound("contract member", userId, "USER_ID"));
        AccessControl.EnsureMayChangeRoles(caller, access.Membership, RoleCatalog.ContractsScope, userId, target.RoleList, []);
        var lastOwner = ApiError.ForStatus(StatusCodes.Status409Conflict, "A contract must keep at least one Owner.");
        if (Members.IsLastOwner(current, userId))
        {
            throw new ApiException(lastOwner);
        }
        foreach (var workspace in await services.Memberships.ScopesOfAsync(userId, ScopeKind.Workspace, cancellationToken))
        {
            if (workspace.ContractId == access.Contract.Id)
            {
                await services.Memberships.RemoveAsync(ScopeKind.Workspace, workspace.RowKey[2..], userId, cancellationToken);
            }
        }
        // Checked above for the plain answer, and again in the write, which another Owner's removal may have raced.
        if (!await services.Memberships.RemoveKeepingAnOwnerAsync(ScopeKind.Contract, access.Contract.Id, userId, cancellationToken))
        {
            throw new ApiException(lastOwner);
        }
        return TypedResults.NoContent();
    }

    /// <summary>Member roles must be roles of the scope that the contract offers.</summary>
    public static List<string> CheckMemberRoles(List<string>? roles, ContractEntity contract, string scope)
    {
        var rules = new AttributeRules();
        rules.Check(roles is { Count: > 0 }, "roles", "'roles' must list at least one role.");
        var available = contract.AvailableRoleList().Where(r => r.Scope == scope).Select(r => r.Role).ToList();
        foreach (var (role, index) in (roles ?? []).Select((r, i) => (r, i)))
        {
            rules.Check(available.Contains(role), $"roles/{index}", $"'{role}' is not one of this contract's {scope} roles: {string.Join(", ", available)}.");
        }
        rules.ThrowIfAny();
        return roles!.Distinct().ToList();
    }

    private static ContractEntity RequireAdminOrServiceAccount(ContractAccess access, Caller caller, string action) =>
        caller.IsTenantAdmin || caller.IsServiceAccount
            ? access.Contract
            : throw new ApiException(ApiError.Forbidden($"Only a tenant admin or a service account can {action} a contract."));

    private static void CheckRoles(AttributeRules rules, List<RoleRef>? roles)
    {
        foreach (var (role, index) in (roles ?? []).Select((r, i) => (r, i)))
        {
            rules.Check(RoleCatalog.Find(role.Scope, role.Role) is not null, $"available_roles/{index}",
                $"'{role.Scope}/{role.Role}' is not a role of this tenant.");
        }
    }

    private static async Task CheckSupportUserAsync(UserStore users, Caller caller, string? supportUserId, CancellationToken cancellationToken)
    {
        if (supportUserId is not null && await users.GetAsync(caller.TenantId, supportUserId, cancellationToken) is null)
        {
            throw new ApiException(ApiError.InvalidField("/data/attributes/support_user_id", $"No user with id '{supportUserId}' exists in this tenant."));
        }
    }

    private static async Task<Document> ToDocumentAsync(ContractEntity contract, TenancyServices services, bool includeMembers, bool includeInvites,
        CancellationToken cancellationToken)
    {
        var memberships = await services.Memberships.MembersAsync(ScopeKind.Contract, contract.Id, cancellationToken);
        var resource = Resource(contract, memberships, invites: true);
        var included = includeMembers
            ? (await Members.WithUsersAsync(memberships, contract.TenantId, services.Users, cancellationToken)).Select(Members.ContractMember).ToList()
            : [];
        return Document.Of(resource) with { Included = includeMembers || includeInvites ? included : null };
    }

    private static async Task<Resource> ToResourceAsync(ContractEntity contract, TenancyServices services, bool invites, CancellationToken cancellationToken) =>
        Resource(contract, await services.Memberships.MembersAsync(ScopeKind.Contract, contract.Id, cancellationToken), invites);

    private static Resource Resource(ContractEntity contract, IReadOnlyList<MembershipEntity> memberships, bool invites)
    {
        var relationships = new Dictionary<string, Relationship>
        {
            ["members"] = new()
            {
                Data = Members.Identifiers(memberships, Members.ContractMemberType),
                Links = new RelationshipLinks { Self = $"/v2/contracts/{contract.Id}/members/" },
            },
        };
        if (invites)
        {
            // Invitations are not part of this API yet, so there are never any.
            relationships["invites"] = new() { Data = Array.Empty<ResourceIdentifier>(), Links = new RelationshipLinks { Self = $"/v2/contracts/{contract.Id}/invites/" } };
        }
        return new Resource(contract.Id, Type, new ContractAttributes(contract.Name, contract.AvailableRoleList(), contract.Status,
            contract.FlowStatsEnabledDefault ?? false) { SupportUserId = contract.SupportUserId })
        {
            Links = new ResourceLinks($"/v2/contracts/{contract.Id}"),
            Relationships = relationships,
        };
    }
}
