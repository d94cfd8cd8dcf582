using System.Text.Json.Nodes;
using Serverless.Functions.Runtime.Scripting;

namespace Serverless.Functions.Runtime.Components;

/// <summary>
/// Code (component-model §5 #5): runs the step's <c>run(msg, cfg, snapshot)</c> in <see cref="CodeSandbox"/>. What the
/// script emitted and logged is replayed onto the step in order once <c>run</c> has settled, after every record has
/// been checked, so a malformed emit fails the message before anything of it goes out. A returned value is emitted as
/// the body of a data message (§2.3); a throw, a rejection, or a script past its limits fails the message.
/// </summary>
public sealed class CodeComponent(CodeSandbox sandbox) : BuiltInComponent("code")
{
    public override bool ReadsSnapshot => true;

    public override async Task<JsonObject?> ProcessAsync(string function, JsonObject message, JsonObject cfg, StepContext context,
        CancellationToken cancellationToken)
    {
        var code = Text(cfg, "code");
        CodeOutcome outcome;
        try
        {
            outcome = sandbox.Run($"{context.FlowId}/{context.StepId}", code, message, cfg, context.Snapshot, null, cancellationToken);
        }
        catch (CodeSandboxException exception)
        {
            throw new ComponentException(exception.Message);
        }
        var records = outcome.Records.Select(Check).ToList();
        foreach (var replay in records)
        {
            await replay(context);
        }
        if (outcome.ErrorName is not null)
        {
            throw new ComponentException($"{outcome.ErrorName}: {outcome.ErrorMessage}");
        }
        return outcome.Result switch
        {
            null => null,
            JsonObject body => new JsonObject { ["body"] = body, ["headers"] = new JsonObject() },
            _ => throw new ComponentException("run() must return an object (the body of the message it emits), or nothing."),
        };
    }

    private static Func<StepContext, ValueTask> Check(JsonNode? record)
    {
        var entry = record!.AsArray();
        var kind = entry[0]!.GetValue<string>();
        if (kind == "log")
        {
            var level = entry[1]!.GetValue<int>();
            var text = entry[2]!.GetValue<string>();
            return context =>
            {
                context.Log(level, text);
                return ValueTask.CompletedTask;
            };
        }
        var name = entry[1]!.GetValue<string>();
        var payload = entry[2];
        return name switch
        {
            "data" => Data(payload),
            "error" => context => context.EmitErrorAsync(payload!["name"]!.GetValue<string>(), payload["message"]!.GetValue<string>()),
            "rebound" => context => context.EmitReboundAsync(payload!["message"]!.GetValue<string>()),
            "snapshot" => payload is null
                ? throw new ComponentException("emit('snapshot') needs a value.")
                : context => context.EmitSnapshotAsync(payload.DeepClone()),
            "updateSnapshot" => payload is JsonObject patch
                ? context => context.EmitUpdateSnapshotAsync(patch.DeepClone().AsObject())
                : throw new ComponentException("emit('updateSnapshot') needs an object."),
            "httpReply" => HttpReply(payload),
            "end" => _ => ValueTask.CompletedTask,
            "updateKeys" => context =>
            {
                context.Log(40, "emit('updateKeys') is not supported in a code step; the keys were not changed.");
                return ValueTask.CompletedTask;
            },
            _ => throw new ComponentException($"emit('{name}') is not an event: use data, error, snapshot, updateSnapshot, rebound, httpReply or end."),
        };
    }

    private static Func<StepContext, ValueTask> Data(JsonNode? payload)
    {
        if (payload is not JsonObject message || message["body"] is not JsonObject)
        {
            throw new ComponentException("emit('data') needs a message with an object body: use messages.newMessageWithBody({...}).");
        }
        var data = message.DeepClone().AsObject();
        return context => context.EmitDataAsync(data);
    }

    private static Func<StepContext, ValueTask> HttpReply(JsonNode? payload)
    {
        if (payload is not JsonObject reply)
        {
            throw new ComponentException("emit('httpReply') needs {statusCode, headers, body}.");
        }
        var status = reply["statusCode"] is JsonValue code && code.TryGetValue<double>(out var number) && number is >= 100 and <= 599 && number == Math.Floor(number)
            ? (int)number
            : reply["statusCode"] is null ? 200 : throw new ComponentException("emit('httpReply'): statusCode must be a whole number from 100 to 599.");
        var headers = reply["headers"] switch
        {
            null => new JsonObject(),
            JsonObject given => given.DeepClone().AsObject(),
            _ => throw new ComponentException("emit('httpReply'): headers must be an object."),
        };
        var body = reply["body"]?.DeepClone();
        return context => context.EmitHttpReplyAsync(status, headers, body);
    }
}
