using System.Text.Json.Nodes;
using Serverless.Functions.Runtime.Scripting;

namespace Serverless.Functions.Runtime.Components;

/// <summary>
/// JSONata transform (component-model §5 #4): <c>expression</c> evaluated on the body, with the message's passthrough
/// for <c>$getPassthrough()</c>. An object result is one message; an array, one message per element (each an object);
/// undefined, null or an empty array, nothing.
/// </summary>
public sealed class JsonataComponent(Jsonata jsonata) : BuiltInComponent("jsonata")
{
    public override bool RunsInline => true;

    public override async Task<JsonObject?> ProcessAsync(string function, JsonObject message, JsonObject cfg, StepContext context,
        CancellationToken cancellationToken)
    {
        var expression = Text(cfg, "expression");
        var bindings = new JsonataBindings(message["passthrough"] as JsonObject);
        JsonNode? result;
        try
        {
            if (!jsonata.TryEvaluate(expression, message["body"], bindings, out result))
            {
                return null;
            }
        }
        catch (JsonataException exception)
        {
            throw new ComponentException(exception.Message);
        }
        switch (result)
        {
            case null:
                return null;
            case JsonObject body:
                return new JsonObject { ["body"] = body };
            case JsonArray items when items.All(item => item is JsonObject):
                foreach (var item in items)
                {
                    await context.EmitDataAsync(new JsonObject { ["body"] = item!.DeepClone() });
                }
                return null;
            default:
                throw new ComponentException("The expression must give an object, or an array of objects.");
        }
    }
}
