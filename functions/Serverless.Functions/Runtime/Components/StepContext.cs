using System.Text.Json.Nodes;

namespace Serverless.Functions.Runtime.Components;

/// <summary>
/// What a component's <c>process</c> sees besides its message and <c>cfg</c> (component-model §2.2, §2.4): the ids of
/// the step it runs in, its snapshot, and the events it may emit. The flow runtime implements it; a component's tests
/// can implement it with a list. Messages are <c>{id, body, headers, attachments, passthrough}</c> objects (§3.1).
/// </summary>
public abstract class StepContext
{
    public required string FlowId { get; init; }

    public required string StepId { get; init; }

    /// <summary>The execution (thread) the message belongs to: one webhook request or one polling tick and all it causes.</summary>
    public required string ExecId { get; init; }

    public required string WorkspaceId { get; init; }

    /// <summary>The step's snapshot as it was when the message arrived; <c>null</c> when it has none.</summary>
    public JsonNode? Snapshot { get; init; }

    /// <summary><c>emit('data', message)</c>: sent along every outgoing edge. A component may emit many.</summary>
    public abstract ValueTask EmitDataAsync(JsonObject message);

    /// <summary><c>emit('error', e)</c>: an error record with the input kept for retry; the input is dropped at the end.</summary>
    public abstract ValueTask EmitErrorAsync(string name, string message);

    /// <summary><c>emit('snapshot', value)</c> replaces the step's snapshot.</summary>
    public abstract ValueTask EmitSnapshotAsync(JsonNode snapshot);

    /// <summary><c>emit('updateSnapshot', patch)</c> shallow-merges into the step's snapshot.</summary>
    public abstract ValueTask EmitUpdateSnapshotAsync(JsonObject patch);

    /// <summary><c>emit('rebound', reason)</c>: the incoming message comes back later, 15 s × 2^(n−1) after this.</summary>
    public abstract ValueTask EmitReboundAsync(string reason);

    /// <summary><c>emit('httpReply', {statusCode, headers, body})</c>: answers a synchronous webhook's caller.</summary>
    public abstract ValueTask EmitHttpReplyAsync(int statusCode, JsonObject headers, JsonNode? body);

    /// <summary><c>this.logger[level](text)</c>, with bunyan's numbers: 10 trace … 60 fatal.</summary>
    public abstract void Log(int level, string message);
}
