using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Serverless.Functions.Hosting;

namespace Serverless.Functions.StatusPage.Cachet;

/// <summary>The <c>{"data": …}</c> envelope, and Cachet's paginated lists.</summary>
public static class CachetResults
{
    /// <summary>PHP's json_encode defaults: non-ASCII escaped as <c>\uXXXX</c>, nothing indented.</summary>
    public static readonly JsonSerializerOptions Json = new();

    public const string ContentType = "application/json";

    /// <summary>What <see cref="Item(JsonNode?)"/> and <see cref="List"/> write, as the API reference shows it.</summary>
    public sealed record Envelope(JsonNode? Data)
    {
        /// <summary>Lists: <c>pagination</c> with <c>total</c>, <c>count</c>, <c>per_page</c>, <c>current_page</c>, <c>total_pages</c> and <c>links</c>.</summary>
        public JsonObject? Meta { get; init; }
    }

    public static JsonHttpResult<JsonObject> Item(JsonNode? data) => TypedResults.Json(new JsonObject { ["data"] = data }, Json, ContentType);

    public static JsonHttpResult<JsonObject> Item(JsonNode? data, JsonObject meta) =>
        TypedResults.Json(new JsonObject { ["meta"] = meta, ["data"] = data }, Json, ContentType);

    /// <summary>A list spec for one resource: the fields a client may filter on exactly, and those it may sort by.</summary>
    public sealed record ListRules(IReadOnlyList<string> Filters, IReadOnlyList<string> Sorts, bool NewestFirst = false)
    {
        public static readonly ListRules None = new([], []);
    }

    /// <summary>Filters (whitelisted keys only), sorts (honouring <c>order</c>) and pages the items.</summary>
    public static JsonHttpResult<JsonObject> List(HttpRequest request, CachetInput input, IEnumerable<JsonObject> items, ListRules rules)
    {
        var matching = items;
        foreach (var key in rules.Filters.Where(input.Has))
        {
            var wanted = input.Text(key);
            matching = matching.Where(item => Matches(item[key], wanted));
        }
        var sort = input.Text("sort");
        var descending = string.Equals(input.Text("order"), "desc", StringComparison.OrdinalIgnoreCase);
        IEnumerable<JsonObject> ordered;
        if (sort is not null && rules.Sorts.Contains(sort))
        {
            ordered = descending
                ? matching.OrderByDescending(i => i[sort], NodeOrder.Instance).ThenBy(i => (int)i["id"]!)
                : matching.OrderBy(i => i[sort], NodeOrder.Instance).ThenBy(i => (int)i["id"]!);
        }
        else
        {
            // Newest first is by created_at, as a point's may be given in the past; the id breaks ties.
            ordered = rules.NewestFirst
                ? matching.OrderByDescending(i => i["created_at"], NodeOrder.Instance).ThenByDescending(i => (int)i["id"]!)
                : matching.OrderBy(i => (int)i["id"]!);
        }
        var all = ordered.ToList();

        var perPage = int.TryParse(request.Query["per_page"], out var size) ? size : 20;
        perPage = perPage switch { 0 => 15, < 0 => 20, > 1000 => 1000, _ => perPage };
        var page = int.TryParse(request.Query["page"], out var number) && number > 0 ? number : 1;
        var slice = all.Skip((int)Math.Min((long)(page - 1) * perPage, int.MaxValue)).Take(perPage).ToList();
        var totalPages = Math.Max((all.Count + perPage - 1) / perPage, 1);

        var pagination = new JsonObject
        {
            ["total"] = all.Count,
            ["count"] = slice.Count,
            ["per_page"] = perPage,
            ["current_page"] = page,
            ["total_pages"] = totalPages,
            ["links"] = new JsonObject
            {
                ["next_page"] = page < totalPages ? PageLink(request, page + 1) : null,
                ["previous_page"] = page > 1 ? PageLink(request, page - 1) : null,
            },
        };
        var body = new JsonObject { ["meta"] = new JsonObject { ["pagination"] = pagination }, ["data"] = new JsonArray([.. slice]) };
        return TypedResults.Json(body, Json, ContentType);
    }

    /// <summary>The same URL with every query parameter but <c>page</c>, in their order, then <c>page=N</c>.</summary>
    private static string PageLink(HttpRequest request, int page)
    {
        var query = new StringBuilder();
        foreach (var (key, values) in QueryHelpers.ParseQuery(request.QueryString.Value))
        {
            if (key == "page")
            {
                continue;
            }
            foreach (var value in values)
            {
                query.Append(Uri.EscapeDataString(key)).Append('=').Append(Uri.EscapeDataString(value ?? "")).Append('&');
            }
        }
        query.Append("page=").Append(page.ToString(CultureInfo.InvariantCulture));
        return PublicUrls.Of(request).Absolute(request, $"{request.Path}?{query}");
    }

    /// <summary>Exact equality on the field's text; booleans match 1/0 (and true/false).</summary>
    private static bool Matches(JsonNode? field, string? wanted) => field switch
    {
        null => string.IsNullOrEmpty(wanted),
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False =>
            (v.GetValue<bool>() ? "1" : "0") == wanted || string.Equals(v.GetValue<bool>() ? "true" : "false", wanted, StringComparison.OrdinalIgnoreCase),
        JsonValue v => CachetInput.Scalar(v) == wanted,
        _ => false,
    };

    /// <summary>Nulls first, then numbers and booleans by value, then text ordinally.</summary>
    private sealed class NodeOrder : IComparer<JsonNode?>
    {
        public static readonly NodeOrder Instance = new();

        public int Compare(JsonNode? x, JsonNode? y)
        {
            if (x is null || y is null)
            {
                return (x is null ? 0 : 1) - (y is null ? 0 : 1);
            }
            return Key(x) is double a && Key(y) is double b ? a.CompareTo(b) : string.CompareOrdinal(x.ToString(), y.ToString());
        }

        private static double? Key(JsonNode node) => node is JsonValue v ? v.GetValueKind() switch
        {
            JsonValueKind.Number => double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture),
            JsonValueKind.True => 1,
            JsonValueKind.False => 0,
            _ => null,
        } : null;
    }
}
