using System.Text.Json.Nodes;
using Serverless.Functions.Runtime.Components;

namespace Serverless.Functions.Tests.Runtime.Components;

/// <summary>A step context that writes down what a component emits and logs, in order, as <c>event: payload</c>.</summary>
public sealed class RecordingStepContext : StepContext
{
    public List<string> Events { get; } = [];

    public static RecordingStepContext For(string stepId = "step_1", JsonNode? snapshot = null) => new()
    {
        FlowId = "flow-1",
        StepId = stepId,
        ExecId = "exec-1",
        WorkspaceId = "workspace-1",
        Snapshot = snapshot,
    };

    public override ValueTask EmitDataAsync(JsonObject message) => Add("data: " + message.ToJsonString());

    public override ValueTask EmitErrorAsync(string name, string message) => Add($"error: {name}: {message}");

    public override ValueTask EmitSnapshotAsync(JsonNode snapshot) => Add("snapshot: " + snapshot.ToJsonString());

    public override ValueTask EmitUpdateSnapshotAsync(JsonObject patch) => Add("updateSnapshot: " + patch.ToJsonString());

    public override ValueTask EmitReboundAsync(string reason) => Add("rebound: " + reason);

    public override ValueTask EmitHttpReplyAsync(int statusCode, JsonObject headers, JsonNode? body) =>
        Add($"httpReply: {statusCode} {headers.ToJsonString()} {body?.ToJsonString()}");

    public override void Log(int level, string message) => Events.Add($"log {level}: {message}");

    private ValueTask Add(string text)
    {
        Events.Add(text);
        return ValueTask.CompletedTask;
    }
}
