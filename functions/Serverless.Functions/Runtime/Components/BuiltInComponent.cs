using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Serverless.Functions.Runtime.Components;

/// <summary>A failure of the component's configuration or of the system it talks to: reported to the caller, never retried.</summary>
public sealed class ComponentException(string message) : Exception(message);

/// <summary>
/// A component written in C#, with its <c>component.json</c> embedded as a resource. Its id and
/// revision are derived from its repo name and its descriptor, so they are stable across restarts and instances, and
/// the revision changes when the descriptor does. Methods not overridden behave as sailor's defaults: verification
/// succeeds, and asking for metadata or a select model the component lacks is an error.
/// </summary>
public abstract class BuiltInComponent
{
    /// <summary>The team every built-in belongs to; commands read <c>components/{repo}:{function}</c>.</summary>
    public const string Team = "components";

    protected BuiltInComponent(string repoName)
    {
        RepoName = repoName;
        using var stream = typeof(BuiltInComponent).Assembly.GetManifestResourceStream($"descriptors/{repoName}.json")
            ?? throw new InvalidOperationException($"No embedded descriptor for {repoName}.");
        DescriptorText = new StreamReader(stream).ReadToEnd();
        Descriptor = JsonNode.Parse(DescriptorText)!.AsObject();
        Id = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("component:" + repoName))[..12]);
        Revision = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(DescriptorText)));
    }

    public string RepoName { get; }

    public string Id { get; }

    /// <summary>A 40-hex revision, as a git commit of the component's repository would be.</summary>
    public string Revision { get; }

    public string DescriptorText { get; }

    /// <summary>The parsed descriptor; callers that change it must clone it first.</summary>
    public JsonObject Descriptor { get; }

    /// <summary>Whether <c>process</c> reads <see cref="StepContext.Snapshot"/>; the runtime reads a step's snapshot only then.</summary>
    public virtual bool ReadsSnapshot => false;

    /// <summary>
    /// Whether <c>process</c> is quick work in this process (no outbound call, no script sandbox), so the runtime may
    /// run it in the delivery of the step before it instead of a queue hop of its own (docs/decisions/0029).
    /// </summary>
    public virtual bool RunsInline => false;

    public bool HasFunction(string name) =>
        Descriptor["triggers"]?[name] is not null || Descriptor["actions"]?[name] is not null;

    /// <summary><c>verifyCredentials(cfg)</c>: <c>{verified: true}</c>, or throw <see cref="ComponentException"/> with the reason.</summary>
    public virtual Task VerifyCredentialsAsync(JsonObject cfg, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary><c>getMetaModel(cfg)</c> of one trigger or action: <c>{in, out}</c>.</summary>
    public virtual Task<JsonNode> GetMetaModelAsync(string function, JsonObject cfg, CancellationToken cancellationToken) =>
        throw new ComponentException($"'{function}' of {RepoName} has no dynamic metadata.");

    /// <summary>A select-model method of one trigger or action: <c>{value: label, ...}</c>.</summary>
    public virtual Task<JsonNode> SelectModelAsync(string function, string method, JsonObject cfg, CancellationToken cancellationToken) =>
        throw new ComponentException($"'{function}' of {RepoName} has no select model '{method}'.");

    /// <summary>
    /// <c>process(msg, cfg, snapshot)</c> of one trigger or action (component-model §2.3): a returned message is
    /// emitted as data; a thrown <see cref="ComponentException"/> becomes an error record; anything else is emitted
    /// through <paramref name="context"/>. Built-ins whose behaviour lives in the flow runtime do not override it.
    /// </summary>
    public virtual Task<JsonObject?> ProcessAsync(string function, JsonObject message, JsonObject cfg, StepContext context, CancellationToken cancellationToken) =>
        throw new ComponentException($"'{function}' of {RepoName} is run by the flow runtime, not by the component.");

    protected static string Text(JsonObject cfg, string key, string? what = null) =>
        cfg[key] is JsonValue value && value.TryGetValue<string>(out var text) && !string.IsNullOrWhiteSpace(text)
            ? text
            : throw new ComponentException($"'{what ?? key}' is required.");
}

/// <summary>A built-in whose behaviour lives in the flow runtime; the catalog serves its descriptor.</summary>
public sealed class DescriptorOnlyComponent(string repoName) : BuiltInComponent(repoName);

/// <summary>Every built-in component, found by id or by repo name (commands name the repo).</summary>
public sealed class ComponentCatalog(IEnumerable<BuiltInComponent> components)
{
    public IReadOnlyList<BuiltInComponent> All { get; } = components.OrderBy(c => c.RepoName, StringComparer.Ordinal).ToList();

    public BuiltInComponent? Find(string idOrRepo) => All.FirstOrDefault(c => c.Id == idOrRepo || c.RepoName == idOrRepo);
}
