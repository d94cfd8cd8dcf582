using System.Text.Json.Serialization;

namespace Serverless.Functions.IntegrationPlatform.JsonApi;

// The document shapes of the Integration Platform API. Names are written snake_case by the HTTP JSON
// options, so attribute records read like the seed's examples.

public sealed record ResourceLinks(string Self);

public sealed record RelationshipLinks
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Self { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Related { get; init; }
}

public sealed record ResourceIdentifier(string Id, string Type);

public sealed record Relationship
{
    /// <summary>A <see cref="ResourceIdentifier"/>, a list of them, or absent when only links are known.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public object? Data { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public RelationshipLinks? Links { get; init; }
}

public sealed record Resource(string Id, string Type, object Attributes)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ResourceLinks? Links { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, Relationship>? Relationships { get; init; }
}

public sealed record CollectionLinks(string Self)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? First { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Prev { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Next { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Last { get; init; }
}

/// <summary>A top-level document. <c>meta</c> is always present, as in every example of the seed.</summary>
public sealed record Document(object Data)
{
    public object Meta { get; init; } = EmptyMeta.Instance;

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public object? Links { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<Resource>? Included { get; init; }

    public static Document Of(Resource resource) => new(resource);
}

/// <summary>A request document as the API reference shows it; handlers read and check their own attributes.</summary>
public sealed record InputDocument(InputResource Data);

public sealed record InputResource(string Type, object Attributes)
{
    public string? Id { get; init; }

    public object? Relationships { get; init; }
}

public sealed class EmptyMeta
{
    public static readonly EmptyMeta Instance = new();

    private EmptyMeta()
    {
    }
}
