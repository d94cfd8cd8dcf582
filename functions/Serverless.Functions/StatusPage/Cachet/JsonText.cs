using System.Text.Json;
using System.Text.Json.Nodes;

namespace Serverless.Functions.StatusPage.Cachet;

/// <summary>Reads a <see cref="JsonNode"/> property as its stored JSON text.</summary>
internal static class JsonText
{
    public static JsonNode? Parse(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }
        try
        {
            return JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
