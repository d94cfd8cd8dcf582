using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Errors;
using Serverless.Functions.Hosting;
using Serverless.Functions.Identity;
using Serverless.Functions.IntegrationPlatform.AuthSecrets;
using Serverless.Functions.IntegrationPlatform.Contracts;
using Serverless.Functions.IntegrationPlatform.JsonApi;
using Serverless.Functions.Storage;
using Serverless.Functions.Tenancy;

namespace Serverless.Functions.IntegrationPlatform.Workspaces;

/// <summary>Workspaces (WS-1..WS-10).</summary>
public static class WorkspacesApi
{
    public const string Type = "workspace";
    private const int DefaultPageSize = 20;

    public static RouteGroupBuilder MapWorkspacesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapIntegrationGroup("Workspaces", "/v2/workspaces");
        group.MapGet("/{id}", GetWorkspace);
        group.MapGet("/", ListWorkspaces);
        group.MapGet("/{id}/members", ListMembers);
        group.MapPost("/", CreateWorkspace);
        group.MapPatch("/{id}", UpdateWorkspace);
        group.MapPatch("/{id}/members/support", GrantSupport);
        group.MapDelete("/{id}/members/support", RemoveSupport);
        group.MapPatch("/{id}/members/{userId}", SetMember);
        group.MapDelete("/{id}/members/{userId}", RemoveMember);
        group.MapDelete("/{id}", DeleteWorkspace);
        // A workspace's auth secrets (AS-1..AS-6) are paths of this function too.
        group.MapAuthSecretsApi();
        return group;
    }

    public sealed record WorkspaceAttributes(string Name, string Type, bool FlowStatsEnabledDefault);

    public sealed record WorkspaceInput(string? Name, bool? FlowStatsEnabledDefault, string? Type);

    /// <summary>WS-1: members, and holders of a listAll permission, read a workspace.</summary>
    [EndpointId("WS-1")]
    public static async Task<JsonHttpResult<Document>> GetWorkspace(string id, HttpRequest request, Caller caller,
        [AsParameters] TenancyServices services, CancellationToken cancellationToken)
    {
        var (members, invites) = Members.Includes(request);
        var access = (await services.Access.WorkspaceAsync(caller, id, cancellationToken)).RequireReadable();
        var document = await ToDocumentAsync(access.Workspace, access.Contract, services, invites: true, cancellationToken);
        EntityTags.Set(request.HttpContext.Response, access.Workspace.ETag);
        return JsonApiResults.Ok(document with
        {
            Included = members || invites ? await IncludedMembersAsync(access.Workspace, services, members, cancellationToken) : null,
            Links = new ResourceLinks($"/v2/workspaces/{id}"),
        });
    }

    /// <summary>WS-2: the workspaces the caller is a member of, optionally of one contract.</summary>
    [EndpointId("WS-2")]
    public static async Task<JsonHttpResult<Document>> ListWorkspaces(HttpRequest request, Caller caller,
        [AsParameters] TenancyServices services, CancellationToken cancellationToken)
    {
        var paging = Paging.From(request, DefaultPageSize);
        var contractId = request.Query["contract_id"].FirstOrDefault();
        if (contractId is not null && !Ids.IsValid(contractId))
        {
            throw new ApiException(ApiError.InvalidParameter("contract_id", "'contract_id' must be a contract id (24 hexadecimal digits)."));
        }
        var mine = (await services.Memberships.ScopesOfAsync(caller.UserId, ScopeKind.Workspace, cancellationToken))
            .Where(m => contractId is null || m.ContractId == contractId);
        var found = (await Task.WhenAll(mine.Select(m => services.Workspaces.GetAsync(caller.TenantId, m.RowKey[2..], cancellationToken))))
            .OfType<WorkspaceEntity>().Where(w => w.Status != ScopeStatus.Deleting).OrderBy(w => w.Id, StringComparer.Ordinal).ToList();
        var contracts = new Dictionary<string, ContractEntity?>();
        foreach (var contract in found.Select(w => w.ContractId).Distinct())
        {
            contracts[contract] = await services.Contracts.GetAsync(caller.TenantId, contract, cancellationToken);
        }
        var visible = found.Where(w => contracts[w.ContractId] is { Status: not ScopeStatus.Deleting }).ToList();
        var page = visible.Skip(paging.Skip).Take(paging.Size).ToList();
        var resources = new Dictionary<string, Resource>();
        foreach (var workspace in page)
        {
            resources[workspace.Id] = (await ToDocumentAsync(workspace, contracts[workspace.ContractId]!, services, invites: false, cancellationToken)).Data as Resource
                ?? throw new InvalidOperationException();
        }
        return JsonApiResults.Ok(paging.ToDocument(request, visible, w => resources[w.Id]));
    }

    /// <summary>WS-3: the workspace's members, for those who may read it.</summary>
    [EndpointId("WS-3")]
    public static async Task<JsonHttpResult<Document>> ListMembers(string id, Caller caller, [AsParameters] TenancyServices services,
        CancellationToken cancellationToken)
    {
        var access = (await services.Access.WorkspaceAsync(caller, id, cancellationToken)).RequireReadable();
        var members = await MembersOfAsync(access.Workspace, services, cancellationToken);
        return JsonApiResults.Ok(new Document(members.Select(Members.WorkspaceMember).ToList())
        {
            Links = new CollectionLinks($"/v2/workspaces/{id}/members"),
        });
    }

    /// <summary>WS-4: a contract member with contracts.workspace.create creates a workspace and becomes its Owner.
    /// The seed answers 200, not 201, and so does this.</summary>
    [EndpointId("WS-4")]
    public static async Task<JsonHttpResult<Document>> CreateWorkspace(HttpRequest request, Caller caller,
        [AsParameters] TenancyServices services, CancellationToken cancellationToken)
    {
        var input = await JsonApiBody.ReadAsync<WorkspaceInput>(request, Type, cancellationToken);
        var rules = new AttributeRules();
        var name = rules.Required(input.Attributes.Name, "name");
        var type = rules.OneOf(input.Attributes.Type, "type", [WorkspaceEntity.Full, WorkspaceEntity.Limited]) ?? WorkspaceEntity.Full;
        rules.ThrowIfAny();
        var contractId = JsonApiBody.RelationshipId(input.Relationships, "contract", ContractsApi.Type, required: true)!;
        var access = (await services.Access.ContractAsync(caller, contractId, cancellationToken))
            .Require(Permissions.ContractsWorkspaceCreate).RequireWritable();
        if (type != WorkspaceEntity.Full)
        {
            caller.Require(Permissions.WorkspacesWorkspaceEditType);
        }
        var workspace = new WorkspaceEntity
        {
            PartitionKey = caller.TenantId,
            RowKey = Ids.New(services.Time),
            ContractId = access.Contract.Id,
            Name = name,
            Type = type,
            FlowStatsEnabledDefault = input.Attributes.FlowStatsEnabledDefault,
            Created = services.Time.GetUtcNow(),
        };
        // The creator's membership first: a crash before the row leaves a membership of nothing, never a workspace without an Owner.
        await services.Memberships.SetAsync(ScopeKind.Workspace, workspace.Id, caller.UserId, [RoleCatalog.Owner], access.Contract.Id, cancellationToken);
        await services.Workspaces.AddAsync(workspace, cancellationToken);
        return JsonApiResults.Ok(await ToDocumentAsync(workspace, access.Contract, services, invites: false, cancellationToken));
    }

    /// <summary>
    /// WS-5: the name and defaults need workspaces.workspace.edit; the type needs workspaces.workspace.edit_type. With
    /// <c>If-Match</c>, only over the version it names (412 otherwise); without it, over the workspace as it is then.
    /// </summary>
    [EndpointId("WS-5")]
    public static async Task<JsonHttpResult<Document>> UpdateWorkspace(string id, HttpRequest request, Caller caller,
        [AsParameters] TenancyServices services, CancellationToken cancellationToken)
    {
        // Readable first, as for GET: whatever the body, the answer shows the workspace.
        var access = (await services.Access.WorkspaceAsync(caller, id, cancellationToken)).RequireReadable().RequireWritable();
        var ifMatch = EntityTags.IfMatchOf(request);
        var input = await JsonApiBody.ReadAsync<WorkspaceInput>(request, Type, cancellationToken);
        JsonApiBody.CheckId(input.Id, id);
        var a = input.Attributes;
        var rules = new AttributeRules();
        var name = a.Name is null ? null : rules.Required(a.Name, "name");
        var type = rules.OneOf(a.Type, "type", [WorkspaceEntity.Full, WorkspaceEntity.Limited]);
        rules.ThrowIfAny();
        var workspace = access.Workspace;
        if ((name is not null && name != workspace.Name) || a.FlowStatsEnabledDefault is not null)
        {
            access.Require(Permissions.WorkspacesWorkspaceEdit);
        }
        if (type is not null && type != workspace.Type)
        {
            access.Require(Permissions.WorkspacesWorkspaceEditType);
        }
        var updated = await services.Workspaces.MutateAsync(workspace.TenantId, workspace.Id, w =>
        {
            ifMatch?.Check(w.ETag);
            w.Name = name ?? w.Name;
            w.Type = type ?? w.Type;
            w.FlowStatsEnabledDefault = a.FlowStatsEnabledDefault ?? w.FlowStatsEnabledDefault;
            return w.Status != ScopeStatus.Deleting;
        }, cancellationToken);
        if (updated is not { Status: not ScopeStatus.Deleting })
        {
            throw new ApiException(ApiError.NotFound(Type, id, "WORKSPACE_ID"));
        }
        EntityTags.Set(request.HttpContext.Response, updated.ETag);
        return JsonApiResults.Ok(await ToDocumentAsync(updated, access.Contract, services, invites: false, cancellationToken));
    }

    /// <summary>WS-6: gives a member of the contract roles in the workspace (adding them if need be). Only roles change.</summary>
    [EndpointId("WS-6")]
    public static async Task<JsonHttpResult<Document>> SetMember(string id, string userId, HttpRequest request, Caller caller,
        [AsParameters] TenancyServices services, CancellationToken cancellationToken)
    {
        var access = (await services.Access.WorkspaceAsync(caller, id, cancellationToken))
            .Require(Permissions.WorkspacesWorkspaceEdit, Permissions.TenantWorkspaceEditMembership).RequireWritable();
        var input = await JsonApiBody.ReadAsync<ContractsApi.MemberInput>(request, Members.WorkspaceMemberType, cancellationToken);
        if (input.Id is null)
        {
            throw new ApiException(ApiError.InvalidField("/data/id", "'data.id' is required: the id of the user."));
        }
        JsonApiBody.CheckId(input.Id, userId);
        var roles = ContractsApi.CheckMemberRoles(input.Attributes.Roles, access.Contract, RoleCatalog.WorkspacesScope);
        var user = await services.Users.GetAsync(caller.TenantId, userId, cancellationToken)
            ?? throw new ApiException(ApiError.NotFound("user", userId, "USER_ID"));
        if (await services.Memberships.GetAsync(ScopeKind.Contract, access.Contract.Id, userId, cancellationToken) is null)
        {
            throw new ApiException(ApiError.Conflict("/data/id",
                $"User {userId} is not a member of contract {access.Contract.Id}; add them with PATCH /v2/contracts/{access.Contract.Id}/members/{userId} first."));
        }
        var current = await services.Memberships.MembersAsync(ScopeKind.Workspace, access.Workspace.Id, cancellationToken);
        AccessControl.EnsureMayChangeRoles(caller, access.Membership, RoleCatalog.WorkspacesScope, userId,
            current.FirstOrDefault(m => m.UserId == userId)?.RoleList ?? [], roles);
        // The write itself refuses to take the owner role from the last Owner, and then writes nothing.
        var membership = await services.Memberships.SetKeepingAnOwnerAsync(ScopeKind.Workspace, access.Workspace.Id, userId, roles, access.Contract.Id,
            cancellationToken) ?? throw new ApiException(ApiError.Conflict("/data/attributes/roles", "A workspace must keep at least one Owner."));
        return JsonApiResults.Ok(Document.Of(Members.WorkspaceMember(new Members.Member(membership, user))));
    }

    /// <summary>WS-7: removes a member; what they owned in the workspace passes to the caller.</summary>
    [EndpointId("WS-7")]
    public static async Task<NoContent> RemoveMember(string id, string userId, Caller caller, [AsParameters] TenancyServices services,
        IEnumerable<ITenancyHooks> hooks, CancellationToken cancellationToken)
    {
        var access = (await services.Access.WorkspaceAsync(caller, id, cancellationToken))
            .Require(Permissions.WorkspacesWorkspaceEdit, Permissions.TenantWorkspaceEditMembership).RequireWritable();
        var current = await services.Memberships.MembersAsync(ScopeKind.Workspace, access.Workspace.Id, cancellationToken);
        var target = current.FirstOrDefault(m => m.UserId == userId)
            ?? throw new ApiException(ApiError.NotFound("workspace member", userId, "USER_ID"));
        AccessControl.EnsureMayChangeRoles(caller, access.Membership, RoleCatalog.WorkspacesScope, userId, target.RoleList, []);
        var lastOwner = ApiError.ForStatus(StatusCodes.Status409Conflict, "A workspace must keep at least one Owner.");
        if (Members.IsLastOwner(current, userId))
        {
            throw new ApiException(lastOwner);
        }
        // Checked above for the plain answer, and again in the write, which another Owner's removal may have raced.
        if (!await services.Memberships.RemoveKeepingAnOwnerAsync(ScopeKind.Workspace, access.Workspace.Id, userId, cancellationToken))
        {
            throw new ApiException(lastOwner);
        }
        // After the removal, so that a removal refused in the race above hands nothing over.
        foreach (var hook in hooks)
        {
            await hook.TransferOwnershipAsync(caller.TenantId, access.Workspace.Id, userId, caller.UserId, cancellationToken);
        }
        return TypedResults.NoContent();
    }

    /// <summary>WS-8: adds the support user (the contract's, else the tenant's) as Owner of the workspace, and of the contract if need be.</summary>
    [EndpointId("WS-8")]
    public static async Task<JsonHttpResult<Document>> GrantSupport(string id, Caller caller, [AsParameters] TenancyServices services,
        CancellationToken cancellationToken)
    {
        var access = (await services.Access.WorkspaceAsync(caller, id, cancellationToken))
            .Require(Permissions.WorkspaceEditMembershipSupport).RequireWritable();
        var support = await SupportUserAsync(access.Contract, services, cancellationToken);
        if (await services.Memberships.GetAsync(ScopeKind.Contract, access.Contract.Id, support.Id, cancellationToken) is null)
        {
            await services.Memberships.SetAsync(ScopeKind.Contract, access.Contract.Id, support.Id, [RoleCatalog.Owner], cancellationToken: cancellationToken);
        }
        var membership = await services.Memberships.SetAsync(ScopeKind.Workspace, access.Workspace.Id, support.Id, [RoleCatalog.Owner],
            access.Contract.Id, cancellationToken);
        return JsonApiResults.Ok(Document.Of(Members.WorkspaceMember(new Members.Member(membership, support))));
    }

    /// <summary>WS-9: removes the support user, and from the contract too when no other workspace of it has them.</summary>
    [EndpointId("WS-9")]
    public static async Task<NoContent> RemoveSupport(string id, Caller caller, [AsParameters] TenancyServices services,
        CancellationToken cancellationToken)
    {
        var access = (await services.Access.WorkspaceAsync(caller, id, cancellationToken))
            .Require(Permissions.WorkspaceEditMembershipSupport).RequireWritable();
        var support = await SupportUserAsync(access.Contract, services, cancellationToken);
        await services.Memberships.RemoveAsync(ScopeKind.Workspace, access.Workspace.Id, support.Id, cancellationToken);
        var elsewhere = (await services.Memberships.ScopesOfAsync(support.Id, ScopeKind.Workspace, cancellationToken))
            .Any(m => m.ContractId == access.Contract.Id);
        var contractMembers = await services.Memberships.MembersAsync(ScopeKind.Contract, access.Contract.Id, cancellationToken);
        if (!elsewhere && !Members.IsLastOwner(contractMembers, support.Id))
        {
            await services.Memberships.RemoveAsync(ScopeKind.Contract, access.Contract.Id, support.Id, cancellationToken);
        }
        return TypedResults.NoContent();
    }

    /// <summary>WS-10: 204 at once, as the seed says; the workspace is gone from every read now, its contents in the background.</summary>
    [EndpointId("WS-10")]
    public static async Task<NoContent> DeleteWorkspace(string id, Caller caller, [AsParameters] TenancyServices services,
        CancellationToken cancellationToken)
    {
        var access = (await services.Access.WorkspaceAsync(caller, id, cancellationToken))
            .Require(Permissions.ContractsWorkspaceDelete, Permissions.WorkspacesWorkspaceEdit).RequireWritable();
        var operationId = Ids.New(services.Time);
        await services.Workspaces.MutateAsync(caller.TenantId, access.Workspace.Id, w =>
        {
            w.Status = ScopeStatus.Deleting;
            w.OperationId = operationId;
            return true;
        }, cancellationToken);
        await services.Operations.StartAsync(Tenancy.DeleteWorkspace.KindName, caller, access.Workspace.Id, id: operationId, cancellationToken: cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<UserEntity> SupportUserAsync(ContractEntity contract, TenancyServices services, CancellationToken cancellationToken)
    {
        var tenant = await services.Users.GetTenantAsync(contract.TenantId, cancellationToken);
        var supportUserId = contract.SupportUserId ?? tenant?.SupportUserId;
        return (supportUserId is null ? null : await services.Users.GetAsync(contract.TenantId, supportUserId, cancellationToken))
            ?? throw new ApiException(ApiError.ForStatus(StatusCodes.Status409Conflict,
                "No support user is set: give the contract (or the tenant) a support_user_id first.") with { Code = "no_support_user" });
    }

    private static async Task<IReadOnlyList<Members.Member>> MembersOfAsync(WorkspaceEntity workspace, TenancyServices services,
        CancellationToken cancellationToken) =>
        await Members.WithUsersAsync(await services.Memberships.MembersAsync(ScopeKind.Workspace, workspace.Id, cancellationToken),
            workspace.TenantId, services.Users, cancellationToken);

    private static async Task<IReadOnlyList<Resource>> IncludedMembersAsync(WorkspaceEntity workspace, TenancyServices services, bool members,
        CancellationToken cancellationToken) =>
        members ? (await MembersOfAsync(workspace, services, cancellationToken)).Select(Members.WorkspaceMember).ToList() : [];

    /// <summary>flow_stats_enabled_default cascades: the workspace's own value, else its contract's, else the tenant's.</summary>
    private static async Task<Document> ToDocumentAsync(WorkspaceEntity workspace, ContractEntity contract, TenancyServices services, bool invites,
        CancellationToken cancellationToken)
    {
        var memberships = await services.Memberships.MembersAsync(ScopeKind.Workspace, workspace.Id, cancellationToken);
        var flowStats = workspace.FlowStatsEnabledDefault ?? contract.FlowStatsEnabledDefault
            ?? (await services.Users.GetTenantAsync(workspace.TenantId, cancellationToken))?.FlowStatsEnabledDefault ?? false;
        var relationships = new Dictionary<string, Relationship>
        {
            ["contract"] = new() { Data = new ResourceIdentifier(contract.Id, ContractsApi.Type), Links = new RelationshipLinks { Self = $"/v2/contracts/{contract.Id}" } },
            ["members"] = new()
            {
                Data = Members.Identifiers(memberships, Members.WorkspaceMemberType),
                Links = new RelationshipLinks { Self = $"/v2/workspaces/{workspace.Id}/members/" },
            },
        };
        if (invites)
        {
            // Invitations are not part of this API yet, so there are never any.
            relationships["invites"] = new() { Data = Array.Empty<ResourceIdentifier>(), Links = new RelationshipLinks { Self = $"/v2/workspaces/{workspace.Id}/invites/" } };
        }
        return Document.Of(new Resource(workspace.Id, Type, new WorkspaceAttributes(workspace.Name, workspace.Type, flowStats))
        {
            Links = new ResourceLinks($"/v2/workspaces/{workspace.Id}"),
            Relationships = relationships,
        });
    }
}
