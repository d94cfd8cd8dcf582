using System.Text.Json;
using Serverless.Functions.Errors;

namespace Serverless.Functions.IntegrationPlatform.JsonApi;

/// <summary>Collects every problem with a body's attributes, so one 400 lists them all, each naming its field.</summary>
public sealed class AttributeRules
{
    private readonly List<ApiError> errors = [];

    public string Required(string? value, string name, int maxLength = 200)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            Add(name, $"'{name}' is required.");
            return "";
        }
        return MaxLength(value, name, maxLength)!;
    }

    public string? MaxLength(string? value, string name, int maxLength = 200)
    {
        var trimmed = value?.Trim();
        if (trimmed?.Length > maxLength)
        {
            Add(name, $"'{name}' must be at most {maxLength} characters.");
        }
        else if (trimmed is not null && ControlCharacters.In(trimmed, multiLine: false))
        {
            Add(name, $"'{name}' must be one line of text, without control characters.");
        }
        return trimmed;
    }

    /// <summary>
    /// Every string in the attributes, at any depth and keys included, is checked for control characters other than
    /// tab, CR and LF, so no stored value can break a page or a header later; one-line fields are checked again,
    /// strictly, where the handler reads them.
    /// </summary>
    public static void CheckText(JsonElement attributes)
    {
        var errors = new List<ApiError>();
        Walk(attributes, "/data/attributes", errors);
        if (errors.Count > 0)
        {
            throw new ApiException(errors);
        }
    }

    private static void Walk(JsonElement element, string pointer, List<ApiError> errors)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String when ControlCharacters.In(element.GetString()!, multiLine: true):
                errors.Add(ApiError.InvalidField(pointer, $"'{pointer["/data/attributes/".Length..]}' must not contain control characters."));
                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    var at = pointer + "/" + property.Name.Replace("~", "~0").Replace("/", "~1");
                    if (ControlCharacters.In(property.Name, multiLine: false))
                    {
                        errors.Add(ApiError.InvalidField(at, "Member names must not contain control characters."));
                        continue;
                    }
                    Walk(property.Value, at, errors);
                }
                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Walk(item, pointer + "/" + i++, errors);
                }
                break;
        }
    }

    public string? OneOf(string? value, string name, IReadOnlyCollection<string> allowed)
    {
        if (value is not null && !allowed.Contains(value))
        {
            Add(name, $"'{name}' must be one of: {string.Join(", ", allowed)}.");
        }
        return value;
    }

    public void Check(bool condition, string name, string detail)
    {
        if (!condition)
        {
            Add(name, detail);
        }
    }

    public void ThrowIfAny()
    {
        if (errors.Count > 0)
        {
            throw new ApiException(errors);
        }
    }

    private void Add(string name, string detail) => errors.Add(ApiError.InvalidField("/data/attributes/" + name, detail));
}
