using System.Text;
using Microsoft.OpenApi;
using Serverless.Functions.Hosting;

namespace Serverless.Functions.Tests.Resilience.Fuzzing;

/// <summary>One operation of one surface's OpenAPI document, as the fuzzer sends it.</summary>
/// <param name="Document">The document's name (<see cref="ApiDocument.Name"/>): which credentials and error body apply.</param>
/// <param name="Method">The HTTP method.</param>
/// <param name="Template">The path template, as the document writes it.</param>
/// <param name="PathParameters">The template's parameters, in order.</param>
/// <param name="Fields">Every property name its request and success bodies document, to fill, drop and retype.</param>
public sealed record FuzzRoute(string Document, string Method, string Template, IReadOnlyList<string> PathParameters, IReadOnlyList<string> Fields)
{
    public bool HasBody => Method is "POST" or "PUT" or "PATCH";

    public override string ToString() => $"{Method} {Template}";
}

/// <summary>
/// Every operation of the three documents the app serves, read with Microsoft.OpenApi: the fuzzer's map of the app.
/// The documents leave out the query parameters handlers read themselves, so <see cref="KnownQueryParameters"/> adds them.
/// </summary>
public static class RouteCatalog
{
    public static async Task<IReadOnlyList<FuzzRoute>> ReadAsync(HttpClient client)
    {
        var routes = new List<FuzzRoute>();
        foreach (var source in ApiReference.Documents)
        {
            using var stream = new MemoryStream(Encoding.UTF8.GetBytes(await client.GetStringAsync(source.Url)));
            var read = OpenApiDocument.Load(stream, "json");
            var document = read.Document ?? throw new InvalidOperationException($"{source.Url} did not read: {string.Join("; ", read.Diagnostic?.Errors.Select(e => e.Message) ?? [])}");
            foreach (var (template, item) in document.Paths)
            {
                foreach (var (method, operation) in item.Operations ?? [])
                {
                    var fields = new SortedSet<string>(StringComparer.Ordinal);
                    foreach (var media in operation.RequestBody?.Content?.Values ?? [])
                    {
                        Collect(media.Schema, fields, 0);
                    }
                    foreach (var (status, response) in operation.Responses ?? [])
                    {
                        if (status.StartsWith('2'))
                        {
                            foreach (var media in response.Content?.Values ?? [])
                            {
                                Collect(media.Schema, fields, 0);
                            }
                        }
                    }
                    var parameters = template.Split('/').Where(s => s.StartsWith('{')).Select(s => s.Trim('{', '}', '*')).ToList();
                    routes.Add(new FuzzRoute(source.Name, method.Method.ToUpperInvariant(), template, parameters, [.. fields]));
                }
            }
        }
        return routes;
    }

    /// <summary>Query parameters that handlers read and no document lists, by surface (docs/resilience.md).</summary>
    public static readonly IReadOnlyDictionary<string, string[]> KnownQueryParameters = new Dictionary<string, string[]>
    {
        ["integration-platform"] =
        [
            "page[size]", "page[number]", "workspace_id", "contract_id", "tenant_id", "owner_id", "email", "include", "search", "sort",
            "filter[component]", "filter[access]", "filter[user]", "filter[auth_client]", "filter[id]", "filter[has_draft]",
            "filter[status]", "filter[type]", "from", "to", "offset", "limit", "levels[]", "levels", "flow_ids[]", "flow_ids",
        ],
        ["status-page"] =
        [
            "page", "per_page", "sort", "order", "status", "name", "id", "component_id", "group_id", "enabled", "visible", "days",
            "start_date", "month", "filter", "subscribed", "metric", "email",
        ],
        ["incidents"] =
        [
            "type", "start_time", "end_time", "status", "tags", "owner_id", "email", "fromDate", "toDate", "page", "limit",
        ],
    };

    private static void Collect(IOpenApiSchema? schema, ISet<string> fields, int depth)
    {
        if (schema is null || depth > 6)
        {
            return;
        }
        foreach (var (name, property) in schema.Properties ?? new Dictionary<string, IOpenApiSchema>())
        {
            fields.Add(name);
            Collect(property, fields, depth + 1);
        }
        Collect(schema.Items, fields, depth + 1);
        foreach (var part in (schema.AllOf ?? []).Concat(schema.AnyOf ?? []).Concat(schema.OneOf ?? []))
        {
            Collect(part, fields, depth + 1);
        }
    }
}
