using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Net.Http.Headers;
using Serverless.Functions.Errors;

namespace Serverless.Functions.IntegrationPlatform.JsonApi;

/// <summary>The resource object of a request body, with its attributes already bound and type-checked.</summary>
public sealed record ResourceInput<TAttributes>(string? Id, TAttributes Attributes, JsonElement? Relationships);

/// <summary>
/// Reads <c>{"data": {"type", "id"?, "attributes", "relationships"?}}</c> request bodies and rejects bad ones with the
/// seed's statuses: a non-JSON content type 406, malformed JSON or a missing <c>data</c> 400, a wrong <c>type</c> 409,
/// and an oversized body 413. Each error names the part of the body at fault.
/// </summary>
public static partial class JsonApiBody
{
    /// <summary>The largest body read; documents are small, and large content belongs in blob storage.</summary>
    public const int MaxBytes = 1024 * 1024;

    public static async Task<ResourceInput<TAttributes>> ReadAsync<TAttributes>(HttpRequest request, string expectedType, CancellationToken cancellationToken)
        where TAttributes : class
    {
        if (!IsJson(request.ContentType))
        {
            throw new ApiException(ApiError.ForStatus(StatusCodes.Status406NotAcceptable,
                $"The request body must be JSON, sent with Content-Type: application/json (got '{request.ContentType}')."));
        }
        using var document = await ParseAsync(request, cancellationToken);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("data", out var data))
        {
            throw new ApiException(ApiError.InvalidField("/data", "The body must be an object with a 'data' member."));
        }
        if (data.ValueKind != JsonValueKind.Object)
        {
            throw new ApiException(ApiError.InvalidField("/data", "'data' must be a resource object."));
        }
        if (!data.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
        {
            throw new ApiException(ApiError.InvalidField("/data/type", $"'data.type' is required and must be the string '{expectedType}'."));
        }
        if (type.GetString() != expectedType)
        {
            throw new ApiException(ApiError.Conflict("/data/type", $"'data.type' is '{type.GetString()}', but this endpoint takes '{expectedType}'."));
        }
        string? id = null;
        if (data.TryGetProperty("id", out var idElement) && idElement.ValueKind != JsonValueKind.Null)
        {
            id = idElement.ValueKind == JsonValueKind.String
                ? idElement.GetString()
                : throw new ApiException(ApiError.InvalidField("/data/id", "'data.id' must be a string."));
        }
        var attributes = BindAttributes<TAttributes>(data);
        JsonElement? relationships = null;
        if (data.TryGetProperty("relationships", out var rel) && rel.ValueKind != JsonValueKind.Null)
        {
            relationships = rel.ValueKind == JsonValueKind.Object
                ? rel.Clone()
                : throw new ApiException(ApiError.InvalidField("/data/relationships", "'data.relationships' must be an object."));
        }
        return new ResourceInput<TAttributes>(id, attributes, relationships);
    }

    /// <summary>
    /// The id of a to-one relationship <c>{"name": {"data": {"id", "type"}}}</c>, or null when it is absent and not
    /// <paramref name="required"/>. A malformed one, or one of another type, is a 400 naming it.
    /// </summary>
    public static string? RelationshipId(JsonElement? relationships, string name, string type, bool required)
    {
        var pointer = "/data/relationships/" + name;
        if (relationships is not { } rel || !rel.TryGetProperty(name, out var relationship) || relationship.ValueKind == JsonValueKind.Null)
        {
            return required ? throw new ApiException(ApiError.InvalidField(pointer, $"The '{name}' relationship is required.")) : null;
        }
        if (relationship.ValueKind != JsonValueKind.Object || !relationship.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object ||
            !data.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String)
        {
            throw new ApiException(ApiError.InvalidField(pointer, $"'{name}' must be {{\"data\": {{\"id\": \"...\", \"type\": \"{type}\"}}}}."));
        }
        if (!data.TryGetProperty("type", out var actual) || actual.ValueKind != JsonValueKind.String || actual.GetString() != type)
        {
            throw new ApiException(ApiError.InvalidField(pointer + "/data/type", $"The '{name}' relationship must point at a '{type}'."));
        }
        return id.GetString();
    }

    /// <summary>A body's <c>data.id</c>, when given, must name the resource of the URL (JSON:API: 409 otherwise).</summary>
    public static void CheckId(string? bodyId, string pathId)
    {
        if (bodyId is not null && bodyId != pathId)
        {
            throw new ApiException(ApiError.Conflict("/data/id", $"'data.id' is '{bodyId}', but the URL names '{pathId}'."));
        }
    }

    public static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media) &&
        (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) ||
         media.MediaType.Value?.EndsWith("+json", StringComparison.OrdinalIgnoreCase) == true);

    private static async Task<JsonDocument> ParseAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBytes)
        {
            throw TooLarge();
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
            {
                throw TooLarge();
            }
            buffer.Write(chunk, 0, read);
        }
        if (buffer.Length == 0)
        {
            throw new ApiException(ApiError.InvalidField("", "The request body is empty; send a JSON document with a 'data' member."));
        }
        try
        {
            return JsonDocument.Parse(buffer.ToArray(), new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException ex)
        {
            throw new ApiException(ApiError.ForStatus(StatusCodes.Status400BadRequest,
                $"The request body is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}).") with { Code = "malformed_json" });
        }
    }

    private static ApiException TooLarge() =>
        new(ApiError.ForStatus(StatusCodes.Status413PayloadTooLarge, $"The request body is larger than {MaxBytes / 1024} KiB."));

    private static TAttributes BindAttributes<TAttributes>(JsonElement data) where TAttributes : class
    {
        if (!data.TryGetProperty("attributes", out var attributes) || attributes.ValueKind == JsonValueKind.Null)
        {
            attributes = EmptyObject.RootElement;
        }
        if (attributes.ValueKind != JsonValueKind.Object)
        {
            throw new ApiException(ApiError.InvalidField("/data/attributes", "'data.attributes' must be an object."));
        }
        AttributeRules.CheckText(attributes);
        try
        {
            return attributes.Deserialize<TAttributes>(JsonApiJson.Options)!;
        }
        catch (JsonException ex)
        {
            var (pointer, name) = PointerOf(ex.Path);
            throw new ApiException(ApiError.InvalidField("/data/attributes" + pointer,
                $"'{name}' must be {Expected(typeof(TAttributes), name)}."));
        }
    }

    private static readonly JsonDocument EmptyObject = JsonDocument.Parse("{}");

    [GeneratedRegex(@"\.([^.\[]+)|\['([^']*)'\]|\[(\d+)\]")]
    private static partial Regex PathSegment();

    /// <summary>Turns System.Text.Json's <c>$.a['b'][0]</c> into the JSON pointer <c>/a/b/0</c> and the top member's name.</summary>
    private static (string Pointer, string Name) PointerOf(string? path)
    {
        var segments = PathSegment().Matches(path ?? "")
            .Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Success ? m.Groups[2].Value : m.Groups[3].Value)
            .ToList();
        return (string.Concat(segments.Select(s => "/" + s.Replace("~", "~0").Replace("/", "~1"))), segments.FirstOrDefault() ?? "attributes");
    }

    private static string Expected(Type attributesType, string jsonName)
    {
        var property = JsonApiJson.Options.GetTypeInfo(attributesType).Properties.FirstOrDefault(p => p.Name == jsonName);
        var type = property is null ? null : Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        return type switch
        {
            null => "a valid value",
            _ when type == typeof(string) => "a string",
            _ when type == typeof(bool) => "a boolean",
            _ when type == typeof(int) || type == typeof(long) => "an integer",
            _ when type == typeof(double) || type == typeof(decimal) => "a number",
            _ when type == typeof(DateTimeOffset) || type == typeof(DateTime) => "an ISO 8601 date-time string",
            _ when type.IsArray || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>)) => "an array",
            _ => "an object",
        };
    }
}
