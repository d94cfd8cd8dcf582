using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Serverless.Functions.IntegrationPlatform.Credentials;
using Serverless.Functions.IntegrationPlatform.Flows;
using Serverless.Functions.Runtime.Components;
using Serverless.Functions.Runtime.Scripting;

namespace Serverless.Functions.IntegrationPlatform.FlowRuntime;

/// <summary>Parsed flow versions. A version never changes, so a parse is kept for as long as the process lives (up to a bound).</summary>
public sealed class FlowDefinitions(FlowVersionStore versions, ComponentCatalog catalog, Jsonata jsonata)
{
    private const int MaxCached = 2000;
    private readonly ConcurrentDictionary<(string Flow, string Version), FlowGraph> cache = new();

    public async Task<FlowGraph?> GetAsync(string flowId, string version, CancellationToken cancellationToken)
    {
        if (cache.TryGetValue((flowId, version), out var graph))
        {
            return graph;
        }
        var row = await versions.GetAsync(flowId, version, cancellationToken);
        if (row is null)
        {
            return null;
        }
        graph = FlowGraph.Parse(JsonNode.Parse(row.Graph), JsonNode.Parse(row.NodesConfig), catalog, jsonata, strict: false);
        if (cache.Count >= MaxCached)
        {
            cache.Clear();
        }
        return cache[(flowId, version)] = graph;
    }
}

/// <summary>
/// Runs one message through one step (component-model §4.4): builds <c>cfg</c>, loads the snapshot, calls the
/// component's <c>process</c>, and carries out what it emits — data along the edges (conditions, mappers,
/// passthrough), errors to the error store and the logs, snapshots, rebounds with their back-off, replies. The same
/// runner serves the queue worker and the webhook, which runs the trigger step inline.
/// </summary>
public sealed class StepRunner(
    FlowDefinitions definitions,
    FlowQueue queue,
    FlowCounters counters,
    FlowLogStore logs,
    FlowErrorStore errors,
    FlowSnapshotStore snapshots,
    CredentialStore credentials,
    ReplySlots replies,
    Jsonata jsonata,
    TimeProvider time,
    ILogger<StepRunner> logger)
{
    /// <summary>component-model §4.5: after this many rebounds the message becomes an error (the docs' limit).</summary>
    public const int ReboundLimit = 10;

    public static readonly TimeSpan FirstReboundDelay = TimeSpan.FromSeconds(15);

    /// <summary>How many in-process steps (<see cref="BuiltInComponent.RunsInline"/>) one delivery runs after its own before the next hop is a queue message again.</summary>
    public const int MaxInlineSteps = 10;

    // What a running step reaches through its runner.
    private FlowQueue Queue => queue;
    private FlowCounters Counters => counters;
    private Jsonata Jsonata => jsonata;
    private FlowSnapshotStore Snapshots => snapshots;
    private TimeProvider Time => time;
    private ReplySlots Replies => replies;

    /// <summary>
    /// Runs the message's step, and, in the same delivery, each next step whose component runs in process
    /// (<see cref="BuiltInComponent.RunsInline"/>), with the same counts, logs, errors and rebounds as if it had come
    /// by the queue; the first step that does not is enqueued. A failed delivery runs the chain again (docs/decisions/0029).
    /// </summary>
    public Task RunAsync(FlowEntity flow, StepEnvelope envelope, CancellationToken cancellationToken) => RunAsync(flow, envelope, 0, cancellationToken);

    private async Task RunAsync(FlowEntity flow, StepEnvelope envelope, int inlined, CancellationToken cancellationToken)
    {
        var graph = await definitions.GetAsync(flow.Id, envelope.Version, cancellationToken);
        if (graph is null || !graph.Nodes.TryGetValue(envelope.StepId, out var node))
        {
            logger.LogWarning("Flow {FlowId} has no step {StepId} in version {Version}; the message is dropped", flow.Id, envelope.StepId, envelope.Version);
            return;
        }
        counters.Add(flow.Id, node.Id, FlowCounters.Kind.In);
        if (envelope.Rebound > 0)
        {
            counters.Add(flow.Id, node.Id, FlowCounters.Kind.ReboundsStarted);
        }
        var step = new RunningStep(this, flow, graph, node, envelope, inlined)
        {
            FlowId = flow.Id,
            StepId = node.Id,
            ExecId = envelope.ExecId,
            WorkspaceId = flow.WorkspaceId,
            Snapshot = node.Component.ReadsSnapshot ? await snapshots.GetAsync(flow.Id, node.Id, cancellationToken) : null,
        };
        try
        {
            var cfg = await ConfigAsync(flow, node, cancellationToken);
            var message = envelope.Message?.DeepClone().AsObject() ?? new JsonObject { ["body"] = new JsonObject() };
            var returned = await node.Component.ProcessAsync(node.Command.Function, message, cfg, step, cancellationToken);
            if (returned is not null)
            {
                await step.EmitDataAsync(returned);
            }
        }
        catch (Exception ex) when (ex is ComponentException or JsonataException)
        {
            await step.EmitErrorAsync("Error", ex.Message);
        }
        finally
        {
            await step.LogsWrittenAsync();
            counters.Add(flow.Id, node.Id, FlowCounters.Kind.Finished);
        }
    }

    /// <summary>A message that failed every delivery: an error record on its step, as a component's error would be.</summary>
    public async Task RecordPoisonedAsync(FlowEntity flow, StepEnvelope envelope, Exception error, CancellationToken cancellationToken)
    {
        var graph = await definitions.GetAsync(flow.Id, envelope.Version, cancellationToken);
        var node = graph?.Nodes.GetValueOrDefault(envelope.StepId);
        var text = $"The message failed every delivery ({error.GetType().Name}); it is kept with this error for retry.";
        await RecordErrorAsync(flow, node, envelope, "PoisonMessage", text, cancellationToken);
    }

    private async Task<JsonObject> ConfigAsync(FlowEntity flow, FlowNode node, CancellationToken cancellationToken)
    {
        var cfg = new JsonObject();
        if (node.CredentialsId is { } credentialId)
        {
            var credential = await credentials.GetAsync(flow.TenantId, credentialId, cancellationToken);
            if (credential is null || credential.WorkspaceId != flow.WorkspaceId)
            {
                throw new ComponentException($"Step '{node.Id}' names credential '{credentialId}', which does not exist in the flow's workspace.");
            }
            foreach (var (key, value) in credentials.OpenKeys(credential))
            {
                cfg[key] = value?.DeepClone();
            }
            cfg["_account"] = credentialId;
        }
        foreach (var (key, value) in node.Fields)
        {
            cfg[key] = value?.DeepClone(); // a field wins over a credential key of the same name (§2.5)
        }
        if (node.SecretId is { } secretId)
        {
            cfg["secretId"] = secretId;
        }
        return cfg;
    }

    private async Task RecordErrorAsync(FlowEntity flow, FlowNode? node, StepEnvelope envelope, string name, string message, CancellationToken cancellationToken)
    {
        counters.Add(flow.Id, envelope.StepId, FlowCounters.Kind.Errors);
        await errors.AddAsync(envelope, name, message, cancellationToken);
        await LogAsync(flow, node, envelope, 50, $"{name}: {message}", cancellationToken);
        if (envelope.ReplyTo is { } replyTo)
        {
            var body = new JsonObject { ["error"] = message }.ToJsonString();
            await replies.CompleteAsync(replyTo, new WebhookReply(500, new JsonObject { ["x-eio-error-response"] = "true" }, body), cancellationToken);
        }
    }

    private Task LogAsync(FlowEntity flow, FlowNode? node, StepEnvelope envelope, int level, string message, CancellationToken cancellationToken) =>
        logs.AddAsync(new FlowLogEntity
        {
            WorkspaceId = flow.WorkspaceId,
            FlowId = flow.Id,
            UserId = flow.UserId,
            ComponentId = node?.Component.Id ?? "",
            ComponentName = node?.Component.RepoName ?? "",
            StepId = envelope.StepId,
            ExecId = envelope.ExecId,
            Method = node?.Command.Function ?? "",
            Level = level,
            Message = message,
        }, cancellationToken);

    /// <summary>The <see cref="StepContext"/> of one message on one step: each emit is carried out before the next.</summary>
    private sealed class RunningStep(StepRunner runner, FlowEntity flow, FlowGraph graph, FlowNode node, StepEnvelope envelope, int inlined) : StepContext
    {
        private readonly List<Task> pendingLogs = [];

        /// <summary><c>this.logger</c> does not wait; the message is not done until its log lines are written.</summary>
        public Task LogsWrittenAsync() => Task.WhenAll(pendingLogs);

        public override async ValueTask EmitDataAsync(JsonObject message)
        {
            var body = message["body"] as JsonObject ?? new JsonObject();
            var emitted = new JsonObject
            {
                ["id"] = message["id"]?.DeepClone() ?? Guid.NewGuid().ToString(),
                ["body"] = body.DeepClone(),
                ["headers"] = message["headers"]?.DeepClone() ?? new JsonObject(),
                ["attachments"] = message["attachments"]?.DeepClone() ?? new JsonObject(),
            };
            JsonObject? passthrough = null;
            if (!graph.PassthroughDisabled(node.Id))
            {
                passthrough = envelope.Message?["passthrough"]?.DeepClone() as JsonObject ?? new JsonObject();
                passthrough[node.Id] = emitted.DeepClone();
            }
            runner.Counters.Add(flow.Id, node.Id, FlowCounters.Kind.Out);
            var bindings = new JsonataBindings(passthrough);
            var outgoing = graph.From(node.Id).ToList();
            var conditional = outgoing.Where(e => e.Condition is not null).ToList();
            var chosen = conditional.Where(e => runner.Jsonata.Test(e.Condition!, body, bindings)).ToList();
            if (conditional.Count == 0 || chosen.Count == 0)
            {
                chosen.AddRange(outgoing.Where(e => e.Condition is null));
            }
            foreach (var edge in chosen)
            {
                var next = emitted.DeepClone().AsObject();
                next["id"] = Guid.NewGuid().ToString();
                if (edge.Mapper is not null)
                {
                    next["body"] = runner.Jsonata.Map(edge.Mapper, body, bindings) ?? new JsonObject();
                }
                if (passthrough is not null)
                {
                    next["passthrough"] = passthrough.DeepClone();
                }
                var forward = new StepEnvelope
                {
                    TenantId = flow.TenantId,
                    FlowId = flow.Id,
                    Version = envelope.Version,
                    StepId = edge.Target,
                    ExecId = envelope.ExecId,
                    MessageId = next["id"]!.ToString(),
                    ParentMessageId = envelope.MessageId,
                    ReplyTo = envelope.ReplyTo,
                    Message = next,
                };
                if (inlined < MaxInlineSteps && graph.Nodes.TryGetValue(edge.Target, out var target) && target.Component.RunsInline)
                {
                    runner.Counters.Add(flow.Id, edge.Target, FlowCounters.Kind.Enqueued);
                    await runner.RunAsync(flow, forward, inlined + 1, CancellationToken.None);
                    continue;
                }
                await runner.Queue.SendAsync(forward);
                runner.Counters.Add(flow.Id, edge.Target, FlowCounters.Kind.Enqueued);
            }
        }

        public override async ValueTask EmitErrorAsync(string name, string message) =>
            await runner.RecordErrorAsync(flow, node, envelope, name, message, CancellationToken.None);

        public override async ValueTask EmitSnapshotAsync(JsonNode snapshot)
        {
            if (!FlowSnapshotStore.Fits(snapshot))
            {
                throw new ComponentException($"The snapshot is larger than {FlowSnapshotStore.MaxBytes} bytes.");
            }
            await runner.Snapshots.WriteAsync(flow.Id, node.Id, snapshot, runner.Time.GetUtcNow(), mustExist: null);
        }

        public override async ValueTask EmitUpdateSnapshotAsync(JsonObject patch)
        {
            var current = await runner.Snapshots.GetAsync(flow.Id, node.Id) as JsonObject ?? new JsonObject();
            foreach (var (key, value) in patch)
            {
                current[key] = value?.DeepClone();
            }
            await EmitSnapshotAsync(current);
        }

        public override async ValueTask EmitReboundAsync(string reason)
        {
            var iteration = envelope.Rebound + 1;
            if (iteration > ReboundLimit)
            {
                await EmitErrorAsync("ReboundLimitExceeded", $"Rebound limit exceeded ({ReboundLimit}): {reason}");
                return;
            }
            var delay = FirstReboundDelay * Math.Pow(2, iteration - 1);
            await runner.Queue.SendAsync(envelope with { Rebound = iteration, ReboundReason = reason }, delay);
            runner.Counters.Add(flow.Id, node.Id, FlowCounters.Kind.ReboundsScheduled);
            await runner.LogAsync(flow, node, envelope, 40, $"Rebound {iteration} in {delay.TotalSeconds:0} s: {reason}", CancellationToken.None);
        }

        public override async ValueTask EmitHttpReplyAsync(int statusCode, JsonObject headers, JsonNode? body)
        {
            if (envelope.ReplyTo is not { } replyTo)
            {
                throw new ComponentException("An HTTP reply needs a synchronous webhook caller, and this message has none.");
            }
            var text = body is JsonValue value && value.TryGetValue<string>(out var plain) ? plain : body?.ToJsonString() ?? "";
            await runner.Replies.CompleteAsync(replyTo, new WebhookReply(statusCode, headers, text), CancellationToken.None);
        }

        public override void Log(int level, string message)
        {
            if (level >= graph.LogLevel(node.Id))
            {
                pendingLogs.Add(runner.LogAsync(flow, node, envelope, level, message, CancellationToken.None));
            }
        }
    }
}
