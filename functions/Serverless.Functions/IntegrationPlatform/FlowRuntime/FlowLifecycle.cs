using System.Text.Json.Nodes;
using Cronos;
using Serverless.Functions.Hosting;
using Serverless.Functions.Identity;
using Serverless.Functions.IntegrationPlatform.Flows;
using Serverless.Functions.Operations;
using Serverless.Functions.Tenancy;

namespace Serverless.Functions.IntegrationPlatform.FlowRuntime;

/// <summary>
/// Starting and stopping flows (component-model §4.2). The request changes <c>status</c> at once and answers 202; the
/// operation that follows brings <c>current_status</c> along: a start re-enqueues what was parked while the flow was
/// stopped, and registers a polling flow with the minute job; a stop takes it off.
/// </summary>
public sealed class FlowLifecycle(FlowStore flows, FlowScheduleStore schedules, FlowDefinitions definitions, ParkedMessages parked,
    FlowSnapshotStore snapshots, FlowVersionStore versions, FlowCounters counters, FlowErrorStore errors, TimeProvider time)
{
    /// <summary>The schedule a polling flow runs on: its own <c>cron</c>, else its timer's interval, else every minute.</summary>
    public static string? PollingCron(FlowEntity flow, FlowGraph graph)
    {
        if (graph.Trigger is not { } trigger || trigger.Component.Descriptor["triggers"]?[trigger.Command.Function]?["type"]?.ToString() != "polling")
        {
            return null;
        }
        if (!string.IsNullOrWhiteSpace(flow.Cron))
        {
            return flow.Cron;
        }
        return trigger.Fields["interval"]?.ToString() switch
        {
            "hour" => "0 * * * *",
            "day" => "0 0 * * *",
            "week" => "0 0 * * 1",
            _ => "* * * * *",
        };
    }

    public static DateTimeOffset? NextRun(string? cron, DateTimeOffset after) =>
        cron is null ? null : CronExpression.Parse(cron, CronFormat.Standard).GetNextOccurrence(after, TimeZoneInfo.Utc);

    /// <summary>Marks the flow active on its latest version; the caller then starts the operation that finishes it.</summary>
    public async Task<FlowEntity?> RequestStartAsync(string tenantId, string flowId, CancellationToken cancellationToken)
    {
        var flow = await flows.MutateAsync(tenantId, flowId, f =>
        {
            f.Status = FlowStatus.Active;
            f.RunningVersion = f.LatestVersion;
            f.LastStartTime = time.GetUtcNow();
            f.Updated = time.GetUtcNow();
            return true;
        }, cancellationToken);
        if (flow is not null && await definitions.GetAsync(flow.Id, flow.LatestVersion, cancellationToken) is { } graph && PollingCron(flow, graph) is { } cron)
        {
            await schedules.SetAsync(tenantId, flowId, cron, cancellationToken);
        }
        return flow;
    }

    /// <summary>
    /// Marks the flow inactive and takes it off the schedule: from here on its messages are parked, not run.
    /// <paramref name="completely"/> also sets current_status, which FL-6 leaves to its operation.
    /// </summary>
    public async Task<FlowEntity?> StopAsync(string tenantId, string flowId, bool completely, CancellationToken cancellationToken)
    {
        var flow = await flows.MutateAsync(tenantId, flowId, f =>
        {
            if (f.Status == FlowStatus.Inactive && (!completely || f.CurrentStatus == FlowStatus.Inactive))
            {
                return false;
            }
            f.Status = FlowStatus.Inactive;
            f.CurrentStatus = completely ? FlowStatus.Inactive : f.CurrentStatus;
            f.Updated = time.GetUtcNow();
            return true;
        }, cancellationToken);
        await schedules.RemoveAsync(flowId, cancellationToken);
        return flow;
    }

    /// <summary>
    /// Waits until no instance can still start a message of a flow stopped at <paramref name="stoppedAt"/> on a copy of
    /// its row read before the stop (<see cref="FlowStore.RunCacheLifetime"/>); messages already running finish.
    /// </summary>
    public async Task CopiesExpiredAsync(DateTimeOffset stoppedAt, CancellationToken cancellationToken)
    {
        var wait = stoppedAt + FlowStore.RunCacheLifetime - time.GetUtcNow();
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, time, cancellationToken);
        }
    }

    /// <summary>The start operation's work: current_status follows status, and what waited while stopped is sent on.</summary>
    public async Task CompleteStartAsync(string tenantId, string flowId, CancellationToken cancellationToken)
    {
        var flow = await flows.MutateAsync(tenantId, flowId, f =>
        {
            if (f.Status != FlowStatus.Active || f.CurrentStatus == FlowStatus.Active)
            {
                return false; // stopped again meanwhile, or already done by an earlier delivery
            }
            f.CurrentStatus = FlowStatus.Active;
            return true;
        }, cancellationToken);
        if (flow?.IsActive == true)
        {
            await parked.ReleaseAsync(flowId, cancellationToken);
        }
    }

    /// <summary>Deletes the flow and everything kept for it; each part deletes what is still there, so it can be repeated.</summary>
    public async Task DeleteAsync(FlowEntity flow, CancellationToken cancellationToken)
    {
        await StopAsync(flow.TenantId, flow.Id, completely: true, cancellationToken);
        await parked.DeleteAllAsync(flow.Id, cancellationToken);
        await snapshots.DeleteAllAsync(flow.Id, cancellationToken);
        await versions.DeleteAllAsync(flow.Id, cancellationToken);
        await counters.DeleteAllAsync(flow.Id, cancellationToken);
        await errors.DeleteAllAsync(flow.Id, cancellationToken);
        await flows.RemoveAsync(flow, cancellationToken);
    }
}

/// <summary>FL-5's asynchronous half.</summary>
public sealed class StartFlow(FlowLifecycle lifecycle) : IOperationHandler
{
    public const string KindName = "flow.start";

    public string Kind => KindName;

    public async Task<JsonObject> RunAsync(OperationContext context, CancellationToken cancellationToken)
    {
        await context.StepAsync("start", ct => lifecycle.CompleteStartAsync(context.TenantId, context.Target, ct), cancellationToken);
        return new JsonObject { ["flow_id"] = context.Target, ["status"] = FlowStatus.Active };
    }
}

/// <summary>
/// FL-6's asynchronous half: current_status follows, unless the flow was started again meanwhile — once no instance
/// can start another of its messages, so <c>inactive</c> means stopped everywhere (docs/decisions/0029).
/// </summary>
public sealed class StopFlow(FlowStore flows, FlowLifecycle lifecycle) : IOperationHandler
{
    public const string KindName = "flow.stop";

    public string Kind => KindName;

    public async Task<JsonObject> RunAsync(OperationContext context, CancellationToken cancellationToken)
    {
        await context.StepAsync("stop", async ct =>
        {
            if (await flows.GetAsync(context.TenantId, context.Target, ct) is { Status: FlowStatus.Inactive } stopped)
            {
                await lifecycle.CopiesExpiredAsync(stopped.Updated, ct);
            }
            await flows.MutateAsync(context.TenantId, context.Target, f =>
            {
                if (f.Status != FlowStatus.Inactive || f.CurrentStatus == FlowStatus.Inactive)
                {
                    return false;
                }
                f.CurrentStatus = FlowStatus.Inactive;
                return true;
            }, ct);
        }, cancellationToken);
        return new JsonObject { ["flow_id"] = context.Target, ["status"] = FlowStatus.Inactive };
    }
}

/// <summary>
/// The polling trigger (component-model §4.3.1): every minute, each active polling flow whose schedule is due gets a
/// tick on its trigger step. The tick's row makes it fire once per flow and minute, whatever the number of instances.
/// </summary>
public sealed class FlowScheduler(FlowScheduleStore schedules, FlowStore flows, FlowTicks ticks, FlowQueue queue, FlowDefinitions definitions,
    FlowCounters counters, TimeProvider time, ILogger<FlowScheduler> logger) : ITimerJob
{
    public const string Name = "FlowScheduler";
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var minute = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero);
        foreach (var schedule in await schedules.AllAsync(cancellationToken))
        {
            try
            {
                if (FlowLifecycle.NextRun(schedule.Cron, minute.AddTicks(-1)) != minute || !await ticks.ClaimAsync(schedule.FlowId, minute, cancellationToken))
                {
                    continue;
                }
                var flow = await flows.GetAsync(schedule.TenantId, schedule.FlowId, cancellationToken);
                if (flow is not { IsActive: true, RunningVersion: { } version } || await definitions.GetAsync(flow.Id, version, cancellationToken) is not { Trigger: { } trigger })
                {
                    continue;
                }
                var id = Guid.NewGuid().ToString();
                await queue.SendAsync(new StepEnvelope
                {
                    TenantId = flow.TenantId,
                    FlowId = flow.Id,
                    Version = version,
                    StepId = trigger.Id,
                    ExecId = Ids.New(time),
                    MessageId = id,
                    Message = new JsonObject { ["id"] = id, ["body"] = new JsonObject(), ["headers"] = new JsonObject() },
                }, cancellationToken: cancellationToken);
                counters.Add(flow.Id, trigger.Id, FlowCounters.Kind.Enqueued);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Could not tick flow {FlowId}; the next minute tries again", schedule.FlowId);
            }
        }
    }
}

/// <summary>Logs are kept 14 days (component-model §4.8).</summary>
public sealed class FlowLogRetention(FlowLogStore logs, ILogger<FlowLogRetention> logger) : ITimerJob
{
    public const string Name = "FlowLogRetention";
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(30);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var deleted = await logs.DeleteExpiredAsync(cancellationToken);
        if (deleted > 0)
        {
            logger.LogInformation("Deleted {Count} flow log records past their retention", deleted);
        }
    }
}

/// <summary>Flows stop with their contract (suspension, deletion) and go with their workspace.</summary>
public sealed class FlowTenancyHooks(FlowStore flows, FlowLifecycle lifecycle) : ITenancyHooks
{
    /// <summary>Returns once no instance can start another message of the contract's flows (docs/decisions/0029).</summary>
    public async Task StopContractFlowsAsync(string tenantId, string contractId, CancellationToken cancellationToken)
    {
        DateTimeOffset? lastStopped = null;
        foreach (var flow in await flows.OfContractAsync(tenantId, contractId, cancellationToken))
        {
            if (await lifecycle.StopAsync(tenantId, flow.Id, completely: true, cancellationToken) is { } stopped && flow.IsActive)
            {
                lastStopped = stopped.Updated;
            }
        }
        if (lastStopped is { } at)
        {
            await lifecycle.CopiesExpiredAsync(at, cancellationToken);
        }
    }

    public async Task DeleteWorkspaceContentsAsync(string tenantId, string workspaceId, CancellationToken cancellationToken)
    {
        foreach (var flow in await flows.OfWorkspaceAsync(tenantId, workspaceId, cancellationToken))
        {
            await lifecycle.DeleteAsync(flow, cancellationToken);
        }
    }

    public async Task TransferOwnershipAsync(string tenantId, string workspaceId, string fromUserId, string toUserId, CancellationToken cancellationToken)
    {
        foreach (var flow in await flows.OfWorkspaceAsync(tenantId, workspaceId, cancellationToken))
        {
            if (flow.UserId == fromUserId)
            {
                await flows.MutateAsync(tenantId, flow.Id, f =>
                {
                    f.UserId = toUserId;
                    return true;
                }, cancellationToken);
            }
        }
    }
}
