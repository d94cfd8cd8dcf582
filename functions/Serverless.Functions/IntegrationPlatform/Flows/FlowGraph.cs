using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cronos;
using Serverless.Functions.Errors;
using Serverless.Functions.Runtime.Components;
using Serverless.Functions.Runtime.Scripting;

namespace Serverless.Functions.IntegrationPlatform.Flows;

/// <summary>A node's <c>command</c>: <c>{team}/{repo}:{function}[@{version}]</c> (component-model §4.1).</summary>
public sealed partial record FlowCommand(string Team, string Repo, string Function, string Version)
{
    public static FlowCommand? Parse(string? text)
    {
        var match = text is null ? null : Grammar().Match(text);
        return match is { Success: true }
            ? new(match.Groups["team"].Value, match.Groups["repo"].Value, match.Groups["function"].Value,
                match.Groups["version"].Success ? match.Groups["version"].Value : "latest")
            : null;
    }

    [GeneratedRegex(@"^(?<team>[A-Za-z0-9_.-]{1,100})/(?<repo>[A-Za-z0-9_.-]{1,100}):(?<function>[A-Za-z0-9_.-]{1,100})(@(?<version>[A-Za-z0-9_.-]{1,100}))?$")]
    private static partial Regex Grammar();
}

/// <summary>One step of a parsed graph, with the component its command resolved to.</summary>
public sealed record FlowNode(string Id, FlowCommand Command, BuiltInComponent Component, JsonObject Fields, string? CredentialsId, string? SecretId, JsonObject Json);

/// <summary>One edge; a null <see cref="Condition"/> makes it a default edge, a null <see cref="Mapper"/> passes messages unchanged.</summary>
public sealed record FlowEdge(string Id, string Source, string Target, string? Condition, JsonObject? Mapper);

/// <summary>
/// A flow's graph, nodes_config and cron, checked and normalized the one way every write goes: nodes resolved to
/// components (by repo name, whatever the team, so the seed's <c>squiz-apidocs/…</c> and <c>help/…</c> commands work),
/// edge ids and configs as the seed's responses show them, and each fault a 400 naming the node, edge or field.
/// </summary>
public sealed partial class FlowGraph
{
    public const int MaxNodes = 100;
    public const int MaxReplicas = 5;
    private static readonly string[] LogLevels = ["trace", "debug", "info", "warn", "error", "fatal"];

    private FlowGraph(JsonObject json, IReadOnlyList<FlowNode> nodes, IReadOnlyList<FlowEdge> edges, JsonObject nodesConfig)
    {
        Json = json;
        Nodes = nodes.ToDictionary(n => n.Id);
        Edges = edges;
        NodesConfig = nodesConfig;
        Trigger = nodes.FirstOrDefault(n => edges.All(e => e.Target != n.Id));
    }

    /// <summary>The graph as stored and answered: <c>{nodes, edges}</c>, normalized.</summary>
    public JsonObject Json { get; }

    public IReadOnlyDictionary<string, FlowNode> Nodes { get; }

    public IReadOnlyList<FlowEdge> Edges { get; }

    public JsonObject NodesConfig { get; }

    /// <summary>The one node no edge targets; null for an empty graph.</summary>
    public FlowNode? Trigger { get; }

    public IEnumerable<FlowEdge> From(string stepId) => Edges.Where(e => e.Source == stepId);

    public bool PassthroughDisabled(string stepId) => NodesConfig[stepId]?["passthrough"]?["disabled"] is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    /// <summary>The step's log level as a bunyan number: records below it are not kept.</summary>
    public int LogLevel(string stepId) => NodesConfig[stepId]?["log_level"]?.ToString() switch
    {
        "trace" => 10,
        "debug" => 20,
        "warn" => 40,
        "error" => 50,
        "fatal" => 60,
        _ => 30,
    };

    /// <summary>
    /// Checks and normalizes. <paramref name="strict"/> (flows, not drafts) also needs exactly one trigger and compiles
    /// every condition and mapper expression, since a draft may be half-built and a flow must run.
    /// </summary>
    public static FlowGraph Parse(JsonNode? graph, JsonNode? nodesConfig, ComponentCatalog catalog, Jsonata jsonata, bool strict,
        string pointer = "/data/attributes")
    {
        var errors = new List<ApiError>();
        void Fail(string at, string detail) => errors.Add(ApiError.InvalidField(at, detail));

        var nodes = new List<FlowNode>();
        var edges = new List<FlowEdge>();
        if (graph is not JsonObject graphObject)
        {
            Fail($"{pointer}/graph", "'graph' must be an object {\"nodes\": [...], \"edges\": [...]}.");
            throw new ApiException(errors);
        }
        var nodeArray = graphObject["nodes"] ?? new JsonArray();
        var edgeArray = graphObject["edges"] ?? new JsonArray();
        if (nodeArray is not JsonArray || edgeArray is not JsonArray)
        {
            Fail($"{pointer}/graph", "'graph.nodes' and 'graph.edges' must be arrays.");
            throw new ApiException(errors);
        }
        if (nodeArray.AsArray().Count > MaxNodes)
        {
            Fail($"{pointer}/graph/nodes", $"A flow has at most {MaxNodes} steps.");
            throw new ApiException(errors);
        }

        var index = 0;
        foreach (var item in nodeArray.AsArray())
        {
            var at = $"{pointer}/graph/nodes/{index++}";
            if (item is not JsonObject node)
            {
                Fail(at, "Each node must be an object.");
                continue;
            }
            var id = Text(node["id"]);
            if (id is null || !StepId().IsMatch(id))
            {
                Fail($"{at}/id", "Each node needs an 'id' of letters, digits, '_' or '-' (at most 64), such as 'step_1'.");
                continue;
            }
            if (nodes.Any(n => n.Id == id))
            {
                Fail($"{at}/id", $"Two nodes have the id '{id}'.");
                continue;
            }
            var command = FlowCommand.Parse(Text(node["command"]));
            if (command is null)
            {
                Fail($"{at}/command", $"Node '{id}' needs a 'command' of the form team/repo:function[@version].");
                continue;
            }
            var component = catalog.Find(command.Repo);
            if (component is null)
            {
                Fail($"{at}/command", $"Node '{id}': no component '{command.Repo}' exists.");
                continue;
            }
            if (!component.HasFunction(command.Function))
            {
                Fail($"{at}/command", $"Node '{id}': component '{command.Repo}' has no trigger or action '{command.Function}'.");
                continue;
            }
            if (command.Version != "latest" && command.Version != component.Revision)
            {
                Fail($"{at}/command", $"Node '{id}': component '{command.Repo}' has no version '{command.Version}'; use 'latest' or {component.Revision}.");
                continue;
            }
            if (node["fields"] is { } fieldsNode && fieldsNode is not JsonObject)
            {
                Fail($"{at}/fields", $"Node '{id}': 'fields' must be an object.");
                continue;
            }
            foreach (var name in new[] { "name", "description", "credentials_id", "secret_id", "vpn_agent_id" })
            {
                if (node[name] is { } value && value.GetValueKind() is not (JsonValueKind.String or JsonValueKind.Null))
                {
                    Fail($"{at}/{name}", $"Node '{id}': '{name}' must be a string.");
                }
            }
            if (node["selected_data_samples"] is { } samples && (samples is not JsonArray list || list.Any(s => s?.GetValueKind() != JsonValueKind.String)))
            {
                Fail($"{at}/selected_data_samples", $"Node '{id}': 'selected_data_samples' must be an array of ids.");
            }
            var fields = (node["fields"] as JsonObject)?.DeepClone().AsObject() ?? [];
            var nodeJson = new JsonObject
            {
                ["id"] = id,
                ["component_id"] = component.Id,
                ["command"] = Text(node["command"]),
                ["name"] = Text(node["name"]) ?? "",
                ["description"] = Text(node["description"]) ?? "",
            };
            if (fields.Count > 0)
            {
                nodeJson["fields"] = fields.DeepClone();
            }
            foreach (var name in new[] { "credentials_id", "secret_id", "vpn_agent_id" })
            {
                if (Text(node[name]) is { } value)
                {
                    nodeJson[name] = value;
                }
            }
            if (node["selected_data_samples"] is JsonArray selected)
            {
                nodeJson["selected_data_samples"] = selected.DeepClone();
            }
            nodes.Add(new FlowNode(id, command, component, fields, Text(node["credentials_id"]), Text(node["secret_id"]), nodeJson));
        }

        index = 0;
        foreach (var item in edgeArray.AsArray())
        {
            var at = $"{pointer}/graph/edges/{index++}";
            if (item is not JsonObject edge)
            {
                Fail(at, "Each edge must be an object.");
                continue;
            }
            var source = Text(edge["source"]);
            var target = Text(edge["target"]);
            if (source is null || nodes.All(n => n.Id != source))
            {
                Fail($"{at}/source", $"Edge {index - 1}: 'source' must name a node of the graph (got '{source}').");
                continue;
            }
            if (target is null || nodes.All(n => n.Id != target))
            {
                Fail($"{at}/target", $"Edge {index - 1}: 'target' must name a node of the graph (got '{target}').");
                continue;
            }
            if (source == target)
            {
                Fail($"{at}/target", $"Edge {source}→{target} loops onto its own node.");
                continue;
            }
            var config = edge["config"];
            if (config is not null and not JsonObject)
            {
                Fail($"{at}/config", $"Edge {source}→{target}: 'config' must be an object.");
                continue;
            }
            var mapperType = Text(config?["mapper_type"]);
            if (mapperType is not null && mapperType != "jsonata")
            {
                Fail($"{at}/config/mapper_type", $"Edge {source}→{target}: 'mapper_type' must be 'jsonata' (handlebars is deprecated).");
            }
            var condition = config?["condition"];
            if (condition is not null && condition.GetValueKind() != JsonValueKind.String)
            {
                Fail($"{at}/config/condition", $"Edge {source}→{target}: 'condition' must be a JSONata string or null.");
                continue;
            }
            var mapper = config?["mapper"];
            if (mapper is not null and not JsonObject)
            {
                Fail($"{at}/config/mapper", $"Edge {source}→{target}: 'mapper' must be an object.");
                continue;
            }
            var conditionText = Text(condition) is { Length: > 0 } c ? c : null;
            var mapperObject = mapper is JsonObject { Count: > 0 } m ? m.DeepClone().AsObject() : null;
            if (strict)
            {
                if (conditionText is not null && Compiles(jsonata, conditionText) is { } conditionError)
                {
                    Fail($"{at}/config/condition", $"Edge {source}→{target}: the condition is not valid JSONata: {conditionError}");
                }
                if (mapperObject is not null)
                {
                    foreach (var (path, expression) in Leaves(mapperObject, ""))
                    {
                        if (Compiles(jsonata, expression) is { } mapperError)
                        {
                            Fail($"{at}/config/mapper{path}", $"Edge {source}→{target}: mapper '{path.TrimStart('/')}' is not valid JSONata: {mapperError}");
                        }
                    }
                }
            }
            var edgeId = Text(edge["id"]) ?? (mapperObject is null ? $"{source}:{target}" : $"mapper:{source}:{target}");
            if (edges.Any(e => e.Id == edgeId))
            {
                Fail($"{at}/id", $"Two edges have the id '{edgeId}'.");
                continue;
            }
            edges.Add(new FlowEdge(edgeId, source, target, conditionText, mapperObject));
        }

        foreach (var group in edges.GroupBy(e => e.Source))
        {
            if (group.Any(e => e.Condition is not null) && group.Count(e => e.Condition is null) > 1)
            {
                Fail($"{pointer}/graph/edges", $"Step '{group.Key}' has conditional edges and more than one default edge (without a condition); at most one is allowed.");
            }
        }
        if (errors.Count == 0 && FindCycle(nodes, edges) is { } cycle)
        {
            Fail($"{pointer}/graph/edges", $"The edges form a cycle through {cycle}; a flow's graph must not loop.");
        }
        if (strict && errors.Count == 0 && nodes.Count > 0)
        {
            var triggers = nodes.Where(n => edges.All(e => e.Target != n.Id)).ToList();
            if (triggers.Count != 1)
            {
                Fail($"{pointer}/graph", $"A flow has exactly one trigger, the step no edge leads to; this graph has {triggers.Count}: {string.Join(", ", triggers.Select(t => t.Id))}.");
            }
            else if (triggers[0].Component.Descriptor["triggers"]?[triggers[0].Command.Function] is null)
            {
                Fail($"{pointer}/graph/nodes", $"Step '{triggers[0].Id}' starts the flow, but '{triggers[0].Command.Function}' of {triggers[0].Command.Repo} is not a trigger.");
            }
        }

        var checkedConfig = CheckNodesConfig(nodesConfig, nodes, pointer, Fail);
        if (errors.Count > 0)
        {
            throw new ApiException(errors);
        }
        var json = new JsonObject
        {
            ["nodes"] = new JsonArray([.. nodes.Select(n => (JsonNode)n.Json.DeepClone())]),
            ["edges"] = new JsonArray([.. edges.Select(EdgeJson)]),
        };
        return new FlowGraph(json, nodes, edges, checkedConfig);
    }

    /// <summary>A 5-field CRON expression (Cronos), or a 400 naming <c>cron</c>.</summary>
    public static CronExpression? ParseCron(string? cron, string pointer = "/data/attributes/cron")
    {
        if (string.IsNullOrWhiteSpace(cron))
        {
            return null;
        }
        try
        {
            return CronExpression.Parse(cron, CronFormat.Standard);
        }
        catch (CronFormatException ex)
        {
            throw new ApiException(ApiError.InvalidField(pointer, $"'cron' must be a 5-field CRON expression such as '*/10 * * * *': {ex.Message}"));
        }
    }

    /// <summary>A version's id: the SHA-1 of what the version holds, so the same content is the same version.</summary>
    public static string VersionHash(params JsonNode?[] parts)
    {
        var text = string.Join("\n", parts.Select(p => p?.ToJsonString() ?? "null"));
        return Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(text)));
    }

    private static JsonObject CheckNodesConfig(JsonNode? nodesConfig, List<FlowNode> nodes, string pointer, Action<string, string> fail)
    {
        if (nodesConfig is null)
        {
            return [];
        }
        if (nodesConfig is not JsonObject config)
        {
            fail($"{pointer}/nodes_config", "'nodes_config' must be an object keyed by step id.");
            return [];
        }
        foreach (var (stepId, value) in config)
        {
            var at = $"{pointer}/nodes_config/{stepId}";
            if (nodes.All(n => n.Id != stepId))
            {
                fail(at, $"'nodes_config' names step '{stepId}', which is not in the graph.");
                continue;
            }
            if (value is not JsonObject step)
            {
                fail(at, $"'nodes_config.{stepId}' must be an object.");
                continue;
            }
            foreach (var name in new[] { "prefetch", "replicas" })
            {
                if (step[name] is { } n && !(n is JsonValue v && v.TryGetValue<int>(out var count) && count >= 1 && (name != "replicas" || count <= MaxReplicas)))
                {
                    fail($"{at}/{name}", name == "replicas"
                        ? $"'nodes_config.{stepId}.replicas' must be a whole number from 1 to {MaxReplicas}."
                        : $"'nodes_config.{stepId}.prefetch' must be a whole number of at least 1.");
                }
            }
            if (step["log_level"] is { } level && !LogLevels.Contains(level.GetValueKind() == JsonValueKind.String ? level.GetValue<string>() : ""))
            {
                fail($"{at}/log_level", $"'nodes_config.{stepId}.log_level' must be one of: {string.Join(", ", LogLevels)}.");
            }
            if (step["passthrough"] is { } passthrough && !(passthrough is JsonObject p && (p["disabled"] is null || p["disabled"]!.GetValueKind() is JsonValueKind.True or JsonValueKind.False)))
            {
                fail($"{at}/passthrough", $"'nodes_config.{stepId}.passthrough' must be {{\"disabled\": true|false}}.");
            }
            if (step["disable_dynamic_flow_control"] is { } flag && flag.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
            {
                fail($"{at}/disable_dynamic_flow_control", $"'nodes_config.{stepId}.disable_dynamic_flow_control' must be true or false.");
            }
        }
        return config.DeepClone().AsObject();
    }

    private static JsonNode EdgeJson(FlowEdge edge)
    {
        var json = new JsonObject { ["id"] = edge.Id };
        if (edge.Mapper is not null || edge.Condition is not null)
        {
            json["config"] = new JsonObject
            {
                ["mapper_type"] = "jsonata",
                ["mapper"] = edge.Mapper?.DeepClone() ?? new JsonObject(),
                ["condition"] = edge.Condition,
            };
        }
        json["source"] = edge.Source;
        json["target"] = edge.Target;
        return json;
    }

    /// <summary>Every string leaf of a mapper with its JSON pointer: each is a JSONata expression.</summary>
    public static IEnumerable<(string Path, string Expression)> Leaves(JsonNode node, string path)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    if (value is not null)
                    {
                        foreach (var leaf in Leaves(value, $"{path}/{key}"))
                        {
                            yield return leaf;
                        }
                    }
                }
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is { } item)
                    {
                        foreach (var leaf in Leaves(item, $"{path}/{i}"))
                        {
                            yield return leaf;
                        }
                    }
                }
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                yield return (path, value.GetValue<string>());
                break;
        }
    }

    private static string? Compiles(Jsonata jsonata, string expression)
    {
        try
        {
            jsonata.Compile(expression);
            return null;
        }
        catch (JsonataException ex)
        {
            return ex.Message;
        }
    }

    private static string? FindCycle(List<FlowNode> nodes, List<FlowEdge> edges)
    {
        var state = new Dictionary<string, int>();
        var path = new Stack<string>();
        string? Visit(string id)
        {
            state[id] = 1;
            path.Push(id);
            foreach (var edge in edges.Where(e => e.Source == id))
            {
                var seen = state.GetValueOrDefault(edge.Target);
                if (seen == 1)
                {
                    return string.Join(" → ", path.Reverse().SkipWhile(p => p != edge.Target).Append(edge.Target));
                }
                if (seen == 0 && Visit(edge.Target) is { } found)
                {
                    return found;
                }
            }
            path.Pop();
            state[id] = 2;
            return null;
        }
        return nodes.Select(n => state.GetValueOrDefault(n.Id) == 0 ? Visit(n.Id) : null).FirstOrDefault(c => c is not null);
    }

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex StepId();
}
