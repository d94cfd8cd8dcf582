using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Serverless.Functions.Errors;

namespace Serverless.Functions.StatusPage.Cachet;

/// <summary>
/// The part of Twig that Cachet's template sandbox allows (I-3): <c>{{ name }}</c> and <c>{{ a.b }}</c> with the
/// <c>escape</c> (<c>e</c>) filter, output HTML-escaped, and <c>{% if x %}…{% else %}…{% endif %}</c> (with
/// <c>not</c>). No other tag, filter or function. Unknown variables render empty.
/// </summary>
public static partial class TemplateRenderer
{
    [GeneratedRegex(@"\{\{(.*?)\}\}|\{%(.*?)%\}", RegexOptions.Singleline)]
    private static partial Regex Token();

    [GeneratedRegex(@"^(not\s+)?([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)(\s*\|\s*(e|escape))?$")]
    private static partial Regex Expression();

    public static bool TryCheck(string source, out string problem)
    {
        try
        {
            Render(source, []);
            problem = "";
            return true;
        }
        catch (FormatException ex)
        {
            problem = ex.Message;
            return false;
        }
    }

    /// <summary>The most a rendering may produce: an incident message's own limit.</summary>
    public const int MaxOutput = 16_000;

    /// <summary>
    /// Renders the template; a construct outside the sandbox throws <see cref="FormatException"/>. Output beyond
    /// <see cref="MaxOutput"/> is a 400 as soon as it is reached, because a short template repeating a long variable
    /// would otherwise build hundreds of millions of characters before anything could measure them.
    /// </summary>
    public static string Render(string source, JsonObject vars)
    {
        var output = new StringBuilder();
        // Each open if pushes whether its branch is live; text is written only when every enclosing branch is.
        var stack = new Stack<(bool Live, bool Taken, bool InElse)>();
        bool Live() => stack.All(s => s.Live);
        var at = 0;
        foreach (Match match in Token().Matches(source))
        {
            if (Live())
            {
                output.Append(source, at, match.Index - at);
                CheckLength(output);
            }
            at = match.Index + match.Length;
            if (match.Groups[1].Success)
            {
                var (negated, value) = Evaluate(match.Groups[1].Value.Trim(), vars);
                if (negated)
                {
                    throw new FormatException("'not' belongs in an if.");
                }
                if (Live())
                {
                    output.Append(WebUtility.HtmlEncode(Text(value)));
                    CheckLength(output);
                }
                continue;
            }
            var tag = match.Groups[2].Value.Trim();
            var word = tag.Split(' ', 2)[0];
            switch (word)
            {
                case "if":
                    var (not, condition) = Evaluate(tag[2..].Trim(), vars);
                    var truth = Truthy(condition) != not;
                    stack.Push((truth, truth, false));
                    break;
                case "else" when stack.Count > 0 && !stack.Peek().InElse:
                    var open = stack.Pop();
                    stack.Push((!open.Taken, true, true));
                    break;
                case "endif" when stack.Count > 0:
                    stack.Pop();
                    break;
                default:
                    throw new FormatException($"'{{% {word} %}}' is not allowed; only if, else and endif are.");
            }
        }
        if (stack.Count > 0)
        {
            throw new FormatException("An if has no endif.");
        }
        output.Append(source, at, source.Length - at);
        CheckLength(output);
        return output.ToString();
    }

    private static void CheckLength(StringBuilder output)
    {
        if (output.Length > MaxOutput)
        {
            throw new ApiException(ApiError.ForStatus(400, $"The template renders more than {MaxOutput} characters.") with { Code = "validation", Pointer = "template" });
        }
    }

    private static (bool Negated, JsonNode? Value) Evaluate(string expression, JsonObject vars)
    {
        var match = Expression().Match(expression);
        if (!match.Success)
        {
            throw new FormatException($"'{expression}' is not a variable; only names, a.b paths and the escape filter are allowed.");
        }
        JsonNode? node = vars;
        foreach (var part in match.Groups[2].Value.Split('.'))
        {
            node = node is JsonObject obj ? obj[part] : null;
        }
        return (match.Groups[1].Success, node);
    }

    private static bool Truthy(JsonNode? node) => node switch
    {
        null => false,
        JsonValue v => CachetInput.Scalar(v) is { } s && s is not ("" or "0"),
        JsonArray a => a.Count > 0,
        JsonObject o => o.Count > 0,
        _ => true,
    };

    private static string Text(JsonNode? node) => node switch
    {
        null => "",
        JsonValue v => CachetInput.Scalar(v) ?? "",
        _ => "Array",
    };
}
