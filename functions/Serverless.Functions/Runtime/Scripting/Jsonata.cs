using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Serverless.Functions.Runtime.Scripting;

// TEMPORARY STAND-IN, replaced by the V8 implementation (branch "scripting") at merge: literals and dotted paths only.

/// <summary>A syntax or evaluation error; the message names the expression's problem.</summary>
public sealed class JsonataException(string message) : Exception(message);

/// <summary>What <c>$getPassthrough()</c> and <c>$getFlowVariables()</c> return inside an expression.</summary>
public sealed record JsonataBindings(JsonObject? Passthrough = null, JsonObject? FlowVariables = null);

public sealed class Jsonata
{
    public void Compile(string expression)
    {
        if (string.IsNullOrWhiteSpace(expression) || expression.Count(c => c == '"') % 2 == 1 || expression.Contains("{{", StringComparison.Ordinal))
        {
            throw new JsonataException($"Syntax error in '{expression}'.");
        }
    }

    public bool TryEvaluate(string expression, JsonNode? input, JsonataBindings bindings, out JsonNode? result)
    {
        Compile(expression);
        var text = expression.Trim();
        if (text.StartsWith('"') && text.EndsWith('"'))
        {
            result = JsonValue.Create(JsonSerializer.Deserialize(text, AppJson.Default.String));
            return true;
        }
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            result = JsonValue.Create(number);
            return true;
        }
        switch (text)
        {
            case "true": result = JsonValue.Create(true); return true;
            case "false": result = JsonValue.Create(false); return true;
            case "null": result = null; return true;
        }
        var node = input;
        var path = text;
        const string Passthrough = "$getPassthrough()";
        if (path.StartsWith(Passthrough, StringComparison.Ordinal))
        {
            node = bindings.Passthrough;
            path = path[Passthrough.Length..].TrimStart('.');
        }
        if (path == "$")
        {
            path = "";
        }
        foreach (var part in path.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            if (node is not JsonObject obj || !obj.TryGetPropertyValue(part, out node))
            {
                result = null;
                return false;
            }
        }
        result = node?.DeepClone();
        return true;
    }

    public bool Test(string condition, JsonNode? input, JsonataBindings bindings) =>
        TryEvaluate(condition, input, bindings, out var result) && result switch
        {
            null => false,
            JsonValue v when v.TryGetValue<bool>(out var b) => b,
            JsonValue v when v.TryGetValue<double>(out var d) => d != 0,
            JsonValue v when v.TryGetValue<string>(out var s) => s.Length > 0,
            _ => true,
        };

    public JsonNode? Map(JsonNode mapper, JsonNode? input, JsonataBindings bindings)
    {
        switch (mapper)
        {
            case JsonObject obj:
                var mapped = new JsonObject();
                foreach (var (key, value) in obj)
                {
                    if (value is JsonValue leaf && leaf.TryGetValue<string>(out var expression))
                    {
                        try
                        {
                            if (TryEvaluate(expression, input, bindings, out var result))
                            {
                                mapped[key] = result;
                            }
                        }
                        catch (JsonataException ex)
                        {
                            throw new JsonataException($"'{key}': {ex.Message}");
                        }
                    }
                    else
                    {
                        mapped[key] = value is null ? null : Map(value, input, bindings);
                    }
                }
                return mapped;
            case JsonArray array:
                return new JsonArray([.. array.Select(item => item is null ? null : Map(item, input, bindings))]);
            default:
                return mapper.DeepClone();
        }
    }
}
