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
        return trimmed;
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
