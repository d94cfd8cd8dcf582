using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Serverless.Functions.Errors;
using Serverless.Functions.Identity;

namespace Serverless.Functions.StatusPage.Cachet;

/// <summary>
/// Cachet's one input bag: the query string, overlaid by a form or JSON body, so a client may send fields
/// any of those ways. Form keys <c>a[]</c> and <c>a[b]</c> become arrays and objects, as PHP reads them.
/// </summary>
public sealed class CachetInput
{
    private readonly Dictionary<string, JsonNode?> values = new(StringComparer.Ordinal);

    public static async Task<CachetInput> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var input = new CachetInput();
        input.AddPairs(request.Query.SelectMany(q => q.Value.Select(v => (q.Key, v ?? ""))));
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
        {
            // A read's body means nothing, and parsing one lets an anonymous reader spend the server's memory.
            return input;
        }
        if (request.HasFormContentType)
        {
            IFormCollection form;
            try
            {
                form = await request.ReadFormAsync(cancellationToken);
            }
            catch (Exception e) when (e is InvalidDataException || e is IOException and not BadHttpRequestException)
            {
                // A multipart body without its boundaries, or a form past the reader's limits: the client's mistake.
                throw new ApiException(ApiError.ForStatus(400, "The form body cannot be read.") with { Pointer = "body" });
            }
            input.AddPairs(form.SelectMany(f => f.Value.Select(v => (f.Key, v ?? ""))));
        }
        else if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            var type = request.ContentType ?? "";
            if (type.Length == 0 || type.Contains("json", StringComparison.OrdinalIgnoreCase))
            {
                await input.AddJsonAsync(request.Body, cancellationToken);
            }
        }
        return input;
    }

    public static CachetInput Of(IEnumerable<(string Key, string Value)> pairs)
    {
        var input = new CachetInput();
        input.AddPairs(pairs);
        return input;
    }

    private async Task AddJsonAsync(Stream body, CancellationToken cancellationToken)
    {
        JsonNode? root;
        try
        {
            // A field named twice is refused while parsing: JsonObject would only find it when enumerated, and throw.
            root = await JsonNode.ParseAsync(body, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }, cancellationToken: cancellationToken);
        }
        catch (JsonException e)
        {
            var detail = e.Message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase)
                ? $"The request cannot be fulfilled due to bad syntax: a field is given twice ({Duplicate(e.Message)})."
                : "The request cannot be fulfilled due to bad syntax.";
            throw new ApiException(ApiError.ForStatus(400, detail) with { Pointer = "body" });
        }
        if (root is null)
        {
            return;
        }
        if (root is not JsonObject fields)
        {
            throw new ApiException(ApiError.ForStatus(400, "The request body must be a JSON object of fields.") with { Pointer = "body" });
        }
        if (UnpairedSurrogates.FirstIn(fields) is { } broken)
        {
            throw new ApiException(ApiError.InvalidField(broken, $"The {broken} is not valid text."));
        }
        foreach (var (key, value) in fields.ToList())
        {
            fields.Remove(key);
            values[key] = value;
        }
    }

    /// <summary>The property name System.Text.Json quotes in its duplicate-property message.</summary>
    private static string Duplicate(string message) =>
        System.Text.RegularExpressions.Regex.Match(message, "'([^']*)'") is { Success: true } match ? match.Groups[1].Value : "a field";

    private void AddPairs(IEnumerable<(string Key, string Value)> pairs)
    {
        foreach (var (key, value) in pairs)
        {
            var open = key.IndexOf('[', StringComparison.Ordinal);
            if (open > 0 && key.EndsWith(']'))
            {
                var (name, sub) = (key[..open], key[(open + 1)..^1]);
                if (sub.Length == 0)
                {
                    (values.TryGetValue(name, out var list) && list is JsonArray array ? array : (JsonArray)(values[name] = new JsonArray())).Add(value);
                }
                else
                {
                    (values.TryGetValue(name, out var map) && map is JsonObject obj ? obj : (JsonObject)(values[name] = new JsonObject()))[sub] = value;
                }
                continue;
            }
            values[key] = value;
        }
    }

    /// <summary>Present with a value; JSON null counts as absent.</summary>
    public bool Has(string key) => values.TryGetValue(key, out var value) && value is not null;

    public JsonNode? Raw(string key) => values.GetValueOrDefault(key);

    /// <summary>The value as text (trimmed, as Cachet trims every input string), or null when absent or not a scalar.</summary>
    public string? Text(string key) => Raw(key) is JsonValue value ? Scalar(value)?.Trim() : null;

    public static string? Scalar(JsonValue value) => value.GetValueKind() switch
    {
        JsonValueKind.String => value.GetValue<string>(),
        JsonValueKind.Number => value.ToJsonString(),
        JsonValueKind.True => "1",
        JsonValueKind.False => "0",
        _ => null,
    };
}

/// <summary>
/// Validates a <see cref="CachetInput"/> with Laravel's wording: every failure is collected, and all of
/// them are answered together as one 400 whose <c>meta.details</c> lists the messages.
/// </summary>
public sealed class CachetRules(CachetInput input)
{
    private readonly List<ApiError> errors = [];

    public static string Attribute(string key) => key.Replace('_', ' ');

    public void Fail(string key, string message) =>
        errors.Add(ApiError.ForStatus(400, message) with { Code = "validation", Pointer = key });

    public bool Failed(string key) => errors.Any(e => e.Pointer == key);

    /// <summary>
    /// One line of text by default: a CR/LF in a name breaks mail subjects and other control characters break the
    /// Atom feed, so none are taken; <paramref name="multiLine"/> fields (messages, descriptions, templates) may hold
    /// tab, CR and LF.
    /// </summary>
    public string? String(string key, bool required = false, int max = 255, bool multiLine = false)
    {
        if (!Present(key, required))
        {
            return null;
        }
        if (input.Raw(key) is not JsonValue value || value.GetValueKind() is JsonValueKind.Object or JsonValueKind.Array)
        {
            Fail(key, $"The {Attribute(key)} must be a string.");
            return null;
        }
        var text = input.Text(key)!;
        if (required && text.Length == 0)
        {
            Fail(key, $"The {Attribute(key)} field is required.");
            return null;
        }
        if (text.Length > max)
        {
            Fail(key, $"The {Attribute(key)} may not be greater than {max} characters.");
            return null;
        }
        if (ControlCharacters.In(text, multiLine))
        {
            Fail(key, ControlMessage(key, multiLine));
            return null;
        }
        return text;
    }

    private static string ControlMessage(string key, bool multiLine) => multiLine
        ? $"The {Attribute(key)} may not contain control characters."
        : $"The {Attribute(key)} must be one line of text, without control characters.";

    /// <summary>Text taken as sent (Cachet does not trim incident and schedule messages).</summary>
    public string? Message(string key, bool required = false, int max = 16_000)
    {
        var raw = input.Raw(key) is JsonValue value ? CachetInput.Scalar(value) : null;
        var text = String(key, required, max, multiLine: true);
        return text is null ? null : raw;
    }

    public int? Int(string key, bool required = false, int? min = null, int? max = null, bool between = false)
    {
        if (!Present(key, required))
        {
            return null;
        }
        var text = input.Raw(key) is JsonValue value ? CachetInput.Scalar(value) : null;
        if (text is null || !long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) || number is < int.MinValue or > int.MaxValue)
        {
            Fail(key, $"The {Attribute(key)} must be an integer.");
            return null;
        }
        if (between && (number < min || number > max))
        {
            Fail(key, $"The {Attribute(key)} must be between {min} and {max}.");
            return null;
        }
        if (number < min)
        {
            Fail(key, $"The {Attribute(key)} must be at least {min}.");
            return null;
        }
        if (number > max)
        {
            Fail(key, $"The {Attribute(key)} may not be greater than {max}.");
            return null;
        }
        return (int)number;
    }

    public double? Number(string key, bool required = false)
    {
        if (!Present(key, required))
        {
            return null;
        }
        var text = input.Raw(key) is JsonValue value ? CachetInput.Scalar(value) : null;
        if (text is null || !double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !double.IsFinite(number))
        {
            Fail(key, $"The {Attribute(key)} must be a number.");
            return null;
        }
        return number;
    }

    /// <summary>
    /// true/1/"1"/"true"/"on"/"yes" and false/0/"0"/""/"false"/"off"/"no". Cachet reads the string "false" as true;
    /// we read it as anyone would (docs/decisions/0010-status-pages.md).
    /// </summary>
    public bool? Bool(string key)
    {
        if (!input.Has(key))
        {
            return null;
        }
        switch (input.Text(key)?.ToLowerInvariant())
        {
            case "1" or "true" or "on" or "yes":
                return true;
            case "0" or "false" or "off" or "no" or "":
                return false;
            default:
                Fail(key, $"The {Attribute(key)} field must be true or false.");
                return null;
        }
    }

    /// <summary>An object or array (PHP's "array"), at most <paramref name="max"/> characters of JSON, as a table column holds it.</summary>
    public JsonNode? Array(string key, int max = 16_000)
    {
        if (!input.Has(key))
        {
            return null;
        }
        if (input.Raw(key) is not (JsonObject or JsonArray))
        {
            Fail(key, $"The {Attribute(key)} must be an array.");
            return null;
        }
        if (input.Raw(key)!.ToJsonString().Length > max)
        {
            Fail(key, $"The {Attribute(key)} may not be greater than {max} characters.");
            return null;
        }
        if (HasControlAnywhere(input.Raw(key)))
        {
            Fail(key, ControlMessage(key, multiLine: true));
            return null;
        }
        return input.Raw(key);
    }

    private static bool HasControlAnywhere(JsonNode? node) => node switch
    {
        JsonObject obj => obj.Any(p => ControlCharacters.In(p.Key, multiLine: false) || HasControlAnywhere(p.Value)),
        JsonArray array => array.Any(HasControlAnywhere),
        JsonValue value => CachetInput.Scalar(value) is { } text && ControlCharacters.In(text, multiLine: true),
        _ => false,
    };

    public string? Url(string key)
    {
        var text = String(key);
        if (!string.IsNullOrEmpty(text) && !(Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
        {
            Fail(key, $"The {Attribute(key)} format is invalid.");
            return null;
        }
        return text;
    }

    public string? Email(string key, bool required = false)
    {
        var text = String(key, required);
        if (text is not null && !EmailAddresses.IsValid(text))
        {
            Fail(key, $"The {Attribute(key)} must be a valid email address.");
            return null;
        }
        return text;
    }

    /// <summary><c>"YYYY-MM-DD HH:MM"</c> (seconds allowed) in the request's time zone, as UTC.</summary>
    public DateTimeOffset? Date(string key, CachetClock clock, bool required = false)
    {
        var text = String(key, required);
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }
        if (clock.TryParse(text, out var when))
        {
            return when;
        }
        Fail(key, $"The {Attribute(key)} does not match the format Y-m-d H:i.");
        return null;
    }

    public void RequiredWith(string key, string other)
    {
        if (input.Has(other) && !input.Has(key) && !Failed(key))
        {
            Fail(key, $"The {Attribute(key)} field is required when {Attribute(other)} is present.");
        }
    }

    public void ThrowIfAny()
    {
        if (errors.Count > 0)
        {
            throw new ApiException(errors);
        }
    }

    private bool Present(string key, bool required)
    {
        if (input.Has(key))
        {
            return true;
        }
        if (required)
        {
            Fail(key, $"The {Attribute(key)} field is required.");
        }
        return false;
    }
}
