using System.Text.Json.Nodes;
using Serverless.Functions.Identity;
using Serverless.Functions.Operations;

namespace Serverless.Functions.Tenancy;

/// <summary>
/// CT-6: stops every flow of the contract, then marks it suspended — unless it was unsuspended meanwhile, which wins.
/// The request already marked it "suspending", so writes are refused from the moment it answered 202.
/// </summary>
public sealed class SuspendContract(ContractStore contracts, IEnumerable<ITenancyHooks> hooks) : IOperationHandler
{
    public const string KindName = "contract.suspend";

    public string Kind => KindName;

    public async Task<JsonObject> RunAsync(OperationContext context, CancellationToken cancellationToken)
    {
        await TenancyOperationSteps.StopFlowsStepAsync(context, hooks, cancellationToken);
        var status = ScopeStatus.Active;
        await context.StepAsync("mark-suspended", async ct =>
        {
            var contract = await contracts.MutateAsync(context.TenantId, context.Target, c =>
            {
                // Only this suspension's own "suspending" becomes "suspended": an unsuspend meanwhile wins.
                if (c.Status != ScopeStatus.Suspending || c.OperationId != context.Id)
                {
                    return false;
                }
                c.Status = ScopeStatus.Suspended;
                return true;
            }, ct);
            status = contract?.Status ?? ScopeStatus.Deleting;
        }, cancellationToken);
        return new JsonObject { ["contract_id"] = context.Target, ["status"] = status };
    }
}

public static class TenancyOperationSteps
{
    /// <summary>Suspension and deletion both begin by stopping every flow of the contract.</summary>
    public static Task StopFlowsStepAsync(OperationContext context, IEnumerable<ITenancyHooks> hooks, CancellationToken cancellationToken) =>
        context.StepAsync("stop-flows", async ct =>
        {
            foreach (var hook in hooks)
            {
                await hook.StopContractFlowsAsync(context.TenantId, context.Target, ct);
            }
        }, cancellationToken);
}

/// <summary>CT-8: stops the flows, deletes every workspace with its contents, then the members, then the contract row.</summary>
public sealed class DeleteContract(ContractStore contracts, WorkspaceStore workspaces, MembershipStore memberships, IEnumerable<ITenancyHooks> hooks)
    : IOperationHandler
{
    public const string KindName = "contract.delete";

    public string Kind => KindName;

    public async Task<JsonObject> RunAsync(OperationContext context, CancellationToken cancellationToken)
    {
        await TenancyOperationSteps.StopFlowsStepAsync(context, hooks, cancellationToken);
        // Each step below reads what is left, so a redelivery after a crash part-way finishes the rest.
        await context.StepAsync("workspaces", async ct =>
        {
            foreach (var workspace in await workspaces.OfContractAsync(context.TenantId, context.Target, ct))
            {
                await DeleteWorkspace.DeleteAsync(workspace, workspaces, memberships, hooks, ct);
            }
        }, cancellationToken);
        await context.StepAsync("members", ct => memberships.RemoveAllAsync(ScopeKind.Contract, context.Target, ct), cancellationToken);
        await context.StepAsync("contract", ct => contracts.DeleteAsync(context.TenantId, context.Target, ct), cancellationToken);
        return new JsonObject { ["contract_id"] = context.Target, ["deleted"] = true };
    }
}

/// <summary>WS-10: deletes the workspace's contents, its members, then the workspace row.</summary>
public sealed class DeleteWorkspace(WorkspaceStore workspaces, MembershipStore memberships, IEnumerable<ITenancyHooks> hooks) : IOperationHandler
{
    public const string KindName = "workspace.delete";

    public string Kind => KindName;

    public async Task<JsonObject> RunAsync(OperationContext context, CancellationToken cancellationToken)
    {
        var workspace = await workspaces.GetAsync(context.TenantId, context.Target, cancellationToken);
        if (workspace is not null)
        {
            await DeleteAsync(workspace, workspaces, memberships, hooks, cancellationToken);
        }
        return new JsonObject { ["workspace_id"] = context.Target, ["deleted"] = true };
    }

    /// <summary>Idempotent: every part deletes what is still there.</summary>
    public static async Task DeleteAsync(WorkspaceEntity workspace, WorkspaceStore workspaces, MembershipStore memberships,
        IEnumerable<ITenancyHooks> hooks, CancellationToken cancellationToken)
    {
        foreach (var hook in hooks)
        {
            await hook.DeleteWorkspaceContentsAsync(workspace.TenantId, workspace.Id, cancellationToken);
        }
        await memberships.RemoveAllAsync(ScopeKind.Workspace, workspace.Id, cancellationToken);
        await workspaces.DeleteAsync(workspace.TenantId, workspace.Id, cancellationToken);
    }
}
