using System.Text.Json.Nodes;
using Serverless.Functions.Errors;
using Serverless.Functions.Incidents.Wire;

namespace Serverless.Functions.Incidents.Lifecycle;

public static class TagInput
{
    /// <summary>
    /// <c>tags</c>: name → string, or name → <c>{"value", "color"}</c>, as Squadcast's webhook takes them.
    /// </summary>
    public static Dictionary<string, IncidentTag> Read(IncidentInput input, string field = "tags", bool requireBoth = false)
    {
        var tags = new Dictionary<string, IncidentTag>(StringComparer.Ordinal);
        if (input.Object(field) is not { } map)
        {
            return tags;
        }
        if (map.Count > 50)
        {
            input.Fail(field, $"'{field}' holds at most 50 tags.");
            return tags;
        }
        foreach (var (name, node) in map)
        {
            var path = $"{field}.{name}";
            if (name.Trim().Length is 0 or > 100 || ControlCharacters.In(name, multiLine: false) || name.Contains('.', StringComparison.Ordinal))
            {
                input.Fail(field, "Tag names are 1 to 100 characters, without dots or control characters.");
                continue;
            }
            switch (node)
            {
                case JsonValue when !requireBoth:
                    var value = input.Text(path, required: true);
                    if (value is not null)
                    {
                        tags[name] = new IncidentTag(value, "");
                    }
                    break;
                case JsonObject:
                    var v = input.Text($"{path}.value", required: requireBoth);
                    var color = input.Text($"{path}.color", required: requireBoth, max: 32);
                    if (!input.Failed($"{path}.value") && !input.Failed($"{path}.color"))
                    {
                        tags[name] = new IncidentTag(v ?? "", color ?? "");
                    }
                    break;
                default:
                    input.Fail(path, requireBoth ? $"'{path}' must be {{\"value\", \"color\"}}." : $"'{path}' must be a string or {{\"value\", \"color\"}}.");
                    break;
            }
        }
        return tags;
    }
}
