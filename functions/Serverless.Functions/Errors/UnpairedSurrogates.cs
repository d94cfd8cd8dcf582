using System.Text.Json;
using System.Text.Json.Nodes;

namespace Serverless.Functions.Errors;

/// <summary>
/// JSON may escape half of a UTF-16 pair (<c>"\ud800"</c>): the document parses, but no string can hold the value, so
/// every later read of it throws. Bodies are checked once, where they are parsed, rather than at each read.
/// </summary>
public static class UnpairedSurrogates
{
    /// <summary>The dotted path of the first field whose name or text holds half a pair (<c>body</c> for the root), or null.</summary>
    public static string? FirstIn(JsonNode? node, string path = "")
    {
        try
        {
            switch (node)
            {
                case JsonObject o:
                    foreach (var (name, child) in o)
                    {
                        if (FirstIn(child, path.Length == 0 ? name : $"{path}.{name}") is { } inner)
                        {
                            return inner;
                        }
                    }
                    return null;
                case JsonArray a:
                    for (var i = 0; i < a.Count; i++)
                    {
                        if (FirstIn(a[i], $"{path}.{i}") is { } inner)
                        {
                            return inner;
                        }
                    }
                    return null;
                case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                    _ = v.GetValue<string>();
                    return null;
                default:
                    return null;
            }
        }
        catch (InvalidOperationException)
        {
            return path.Length == 0 ? "body" : path;
        }
    }
}
