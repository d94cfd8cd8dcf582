using System.Text.Json.Nodes;
using Serverless.Functions.Runtime.Scripting;

namespace Serverless.Functions.Runtime.Components;

/// <summary>Splitter: <c>reassemble</c>'s metadata depends on its mode and on emitAsArray.</summary>
public sealed class SplitterComponent(Jsonata jsonata) : BuiltInComponent("splitter")
{
    public override bool RunsInline => true;

    public override Task<JsonObject?> ProcessAsync(string function, JsonObject message, JsonObject cfg, StepContext context, CancellationToken cancellationToken) =>
        function == "splitOnJsonataExpression"
            ? SplitterProcess.SplitAsync(jsonata, message, cfg, context)
            : throw new ComponentException("'reassemble' is not supported in running flows yet; split, then map or reduce with JSONata.");

    public override Task<JsonNode> GetMetaModelAsync(string function, JsonObject cfg, CancellationToken cancellationToken)
    {
        if (function != "reassemble")
        {
            return base.GetMetaModelAsync(function, cfg, cancellationToken);
        }
        var mode = cfg["mode"]?.ToString() ?? throw new ComponentException("'mode' is required.");
        if (mode is not ("groupSize" or "timeout" or "groupSize&timeout"))
        {
            throw new ComponentException("'mode' must be groupSize, timeout or groupSize&timeout.");
        }
        var asArray = cfg["emitAsArray"] is JsonValue flag && (flag.TryGetValue<bool>(out var b) ? b : flag.ToString() == "on");
        var properties = new JsonObject
        {
            ["groupId"] = new JsonObject { ["type"] = "string", ["title"] = "Group id", ["required"] = true },
            ["messageId"] = new JsonObject { ["type"] = "string", ["title"] = "Message id", ["required"] = true },
            ["messageData"] = new JsonObject { ["type"] = "object", ["title"] = "Message data", ["required"] = true },
        };
        if (mode.Contains("groupSize", StringComparison.Ordinal))
        {
            properties["groupSize"] = new JsonObject { ["type"] = "number", ["title"] = "Group size", ["required"] = mode == "groupSize" };
        }
        if (mode.Contains("timeout", StringComparison.Ordinal))
        {
            properties["timersec"] = new JsonObject { ["type"] = "number", ["title"] = "Timeout (seconds, at most 20)", ["required"] = true };
        }
        JsonNode messageData = asArray
            ? new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "object" } }
            : new JsonObject { ["type"] = "object" };
        return Task.FromResult<JsonNode>(new JsonObject
        {
            ["in"] = new JsonObject { ["type"] = "object", ["properties"] = properties },
            ["out"] = new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject
                {
                    ["groupSize"] = new JsonObject { ["type"] = "number" },
                    ["groupId"] = new JsonObject { ["type"] = "string" },
                    ["messageData"] = messageData,
                },
            },
        });
    }
}
