using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Serverless.Functions.Errors;

namespace Serverless.Functions.Incidents.Wire;

/// <summary>
/// A request body of the incident surface and its checks. Every failed check is one <c>422</c> error naming its field in
/// <c>source.field</c> (a dotted path such as <c>resolution_reason.message</c>), all reported together before anything is
/// written; fields the surface does not know are ignored, as incident.io promises clients. A body that is not a JSON
/// object at all is a <c>400</c>.
/// </summary>
public sealed class IncidentInput
{
    private readonly List<ApiError> errors = [];

    private IncidentInput(JsonObject body) => Body = body;

    public JsonObject Body { get; }

    /// <summary>The body; an empty one reads as <c>{}</c>, for actions whose fields are all optional.</summary>
    public static async Task<IncidentInput> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(request.Body);
        var text = await reader.ReadToEndAsync(cancellationToken);
        if (string.IsNullOrWhiteSpace(text))
        {
            return new IncidentInput([]);
        }
        JsonNode? node;
        try
        {
            // A field named twice is refused here: JsonObject would only find it when first read, and throw.
            node = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { MaxDepth = 32, AllowDuplicateProperties = false });
        }
        catch (JsonException)
        {
            throw new ApiException(ApiError.ForStatus(StatusCodes.Status400BadRequest, "The body is not valid JSON.") with { Code = "invalid_json" });
        }
        if (node is not JsonObject body)
        {
            throw new ApiException(ApiError.ForStatus(StatusCodes.Status400BadRequest, "The body must be a JSON object.") with { Code = "invalid_json" });
        }
        if (UnpairedSurrogates.FirstIn(body) is { } field)
        {
            throw new ApiException(Invalid(field, $"'{field}' is not valid text."));
        }
        return new IncidentInput(body);
    }

    public static ApiError Invalid(string field, string message) =>
        new(StatusCodes.Status422UnprocessableEntity, "invalid_value", "Unprocessable Entity", message) { Pointer = field };

    public static ApiError Required(string field, string message) =>
        new(StatusCodes.Status422UnprocessableEntity, "is_required", "Unprocessable Entity", message) { Pointer = field };

    public bool Has(string field) => Find(field) is not null;

    public void Fail(string field, string message) => errors.Add(Invalid(field, message));

    public void Check(bool ok, string field, string message)
    {
        if (!ok)
        {
            Fail(field, message);
        }
    }

    public bool Failed(string field) => errors.Any(e => e.Pointer == field);

    public void ThrowIfAny()
    {
        if (errors.Count > 0)
        {
            throw new ApiException(errors.ToList());
        }
    }

    /// <summary>A string; trimmed, at most <paramref name="max"/> characters, no control characters (line breaks allowed when multi-line).</summary>
    public string? Text(string field, bool required = false, int max = 250, bool multiLine = false)
    {
        switch (Find(field))
        {
            case null:
                if (required)
                {
                    errors.Add(Required(field, $"'{field}' is required."));
                }
                return null;
            case JsonValue value when value.TryGetValue<string>(out var text):
                text = text.Trim();
                if (required && text.Length == 0)
                {
                    errors.Add(Required(field, $"'{field}' must not be empty."));
                    return null;
                }
                if (text.Length > max)
                {
                    Fail(field, $"'{field}' is at most {max} characters.");
                    return null;
                }
                if (ControlCharacters.In(text, multiLine))
                {
                    Fail(field, $"'{field}' must not contain control characters.");
                    return null;
                }
                return text;
            default:
                Fail(field, $"'{field}' must be a string.");
                return null;
        }
    }

    /// <summary>One of <paramref name="allowed"/>, exactly as spelled.</summary>
    public string? OneOf(string field, IReadOnlyList<string> allowed, bool required = false)
    {
        var text = Text(field, required);
        if (text is not null && !allowed.Contains(text))
        {
            Fail(field, $"'{field}' must be one of {string.Join(", ", allowed)}.");
            return null;
        }
        return text;
    }

    public bool? Bool(string field)
    {
        var node = Find(field);
        if (node is null)
        {
            return null;
        }
        if (node is JsonValue value && value.TryGetValue<bool>(out var flag))
        {
            return flag;
        }
        Fail(field, $"'{field}' must be true or false.");
        return null;
    }

    /// <summary>A list of strings, each as <see cref="Text"/> checks them.</summary>
    public IReadOnlyList<string>? TextList(string field, bool required = false, int maxItems = 100, int max = 250)
    {
        var node = Find(field);
        if (node is null)
        {
            if (required)
            {
                errors.Add(Required(field, $"'{field}' is required."));
            }
            return null;
        }
        if (node is not JsonArray array || array.Count > maxItems)
        {
            Fail(field, $"'{field}' must be a list of at most {maxItems} strings.");
            return null;
        }
        var list = new List<string>();
        foreach (var item in array)
        {
            if (item is not JsonValue value || !value.TryGetValue<string>(out var text) || text.Trim().Length is 0 || text.Length > max ||
                ControlCharacters.In(text, multiLine: false))
            {
                Fail(field, $"'{field}' must hold non-empty strings of at most {max} characters.");
                return null;
            }
            list.Add(text.Trim());
        }
        if (required && list.Count == 0)
        {
            errors.Add(Required(field, $"'{field}' must not be empty."));
        }
        return list;
    }

    public JsonObject? Object(string field, bool required = false)
    {
        switch (Find(field))
        {
            case null:
                if (required)
                {
                    errors.Add(Required(field, $"'{field}' is required."));
                }
                return null;
            case JsonObject value:
                return value;
            default:
                Fail(field, $"'{field}' must be an object.");
                return null;
        }
    }

    /// <summary>An ISO 8601 date-time.</summary>
    public DateTimeOffset? Time(string field)
    {
        var text = Text(field);
        if (text is null)
        {
            return null;
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value))
        {
            return value.ToUniversalTime();
        }
        Fail(field, $"'{field}' must be an ISO 8601 date-time.");
        return null;
    }

    /// <summary>The node at a dotted path (a number indexes a list); JSON null counts as absent.</summary>
    private JsonNode? Find(string field)
    {
        JsonNode? node = Body;
        foreach (var part in field.Split('.'))
        {
            node = node switch
            {
                JsonObject o => o[part],
                JsonArray a when int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count => a[i],
                _ => null,
            };
        }
        return node;
    }
}
