extern alias JsonSchemaNet;

using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using JsonSchemaNet::Json.Schema;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Functions.Hosting;
using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests.Hosting;

/// <summary>
/// The API reference: a document per surface that lists every route of the app, is valid OpenAPI 3.1, and describes
/// what the app really answers to the seeds' example requests.
/// </summary>
public sealed partial class ApiReferenceTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task EveryRouteIsInTheDocumentOfItsSurface()
    {
        using var client = api.AnonymousClient();
        var documents = new Dictionary<string, JsonObject>();
        foreach (var document in ApiReference.Documents)
        {
            documents[document.Name] = await client.GetFromJsonAsync<JsonObject>(document.Url) ?? throw new InvalidOperationException(document.Url);
        }
        var missing = new List<string>();
        var checkedRoutes = 0;
        foreach (var endpoint in api.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            if (endpoint.Metadata.GetMetadata<HttpFunction>() is null || endpoint.Metadata.GetMetadata<HostInternal>() is not null
                || endpoint.Metadata.GetMetadata<ReferenceEndpoint>() is not null)
            {
                continue;
            }
            var path = OpenApiPath(endpoint.RoutePattern.RawText!);
            var document = ApiReference.DocumentFor(path);
            foreach (var method in endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["(any)"])
            {
                checkedRoutes++;
                if (document is null)
                {
                    missing.Add($"{method} {path}: no document's prefix covers it (ApiReference.Documents)");
                }
                else if (documents[document.Name]["paths"]?[path]?[method.ToLowerInvariant()] is null)
                {
                    missing.Add($"{method} {path}: not in {document.Url}");
                }
            }
        }
        Assert.Empty(missing);
        Assert.True(checkedRoutes > 100, $"Only {checkedRoutes} routes were walked.");
    }

    [Fact]
    public async Task EveryDocumentIsValidOpenApi31()
    {
        var text = await File.ReadAllTextAsync(
            Path.Combine(Azurite.RepositoryRoot, "node_modules", "@apidevtools", "openapi-schemas", "schemas", "v3.1", "schema.json"));
        // JsonSchema.Net 8.0.5 fails on a patternProperties key holding '/' ("^/", the paths); \x2F is the same pattern.
        var schema = JsonSchema.FromText(text.Replace("\"^/\"", "\"^\\\\x2F\"", StringComparison.Ordinal));
        // The check bites: a path that does not start with '/' and an operation without responses are refused.
        using var broken = JsonDocument.Parse("""{"openapi":"3.1.1","info":{"title":"t","version":"1"},"paths":{"v2/x":{"get":{"responses":7}}}}""");
        Assert.False(schema.Evaluate(broken.RootElement).IsValid);

        using var client = api.AnonymousClient();
        foreach (var document in ApiReference.Documents)
        {
            using var json = JsonDocument.Parse(await client.GetStringAsync(document.Url));
            Assert.Equal("3.1.1", json.RootElement.GetProperty("openapi").GetString());
            var result = schema.Evaluate(json.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
            Assert.True(result.IsValid, $"{document.Url} is not valid OpenAPI 3.1: {Errors(result)}");
        }
    }

    [Fact]
    public async Task TheIncidentsDocumentIsServedBeforeItsSurfaceLands()
    {
        using var client = api.AnonymousClient();
        var document = await client.GetFromJsonAsync<JsonObject>("/openapi/incidents.json");
        Assert.Equal("Incident Management API (Squadcast v3)", document!["info"]!["title"]!.GetValue<string>());
        Assert.NotNull(document["paths"]);
    }

    [Fact]
    public async Task TheIndexLinksTheDocsAndEachSurfacesDocument()
    {
        using var client = api.AnonymousClient();
        var index = (await client.GetFromJsonAsync<JsonObject>("/"))!;
        Assert.Equal("/docs", index["docs"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(index["docs"]!.GetValue<string>() + "/")).StatusCode);
        foreach (var surface in index["surfaces"]!.AsArray())
        {
            var document = (await client.GetFromJsonAsync<JsonObject>(surface!["openapi"]!.GetValue<string>()))!;
            Assert.Contains(document["paths"]!.AsObject(), p => p.Key.StartsWith(surface["base_path"]!.GetValue<string>() + "/", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task AnUnknownDocumentIsNotFound()
    {
        using var client = api.AnonymousClient();
        var response = await client.GetAsync("/openapi/nothing.json");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task TheReferenceUiOffersEveryDocument()
    {
        using var client = api.AnonymousClient();
        var page = await client.GetAsync("/docs/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var configuration = await (await client.GetAsync("/docs/scalar.aspnetcore.js")).Content.ReadAsStringAsync();
        foreach (var document in ApiReference.Documents)
        {
            Assert.Contains(document.Name, await page.Content.ReadAsStringAsync() + configuration, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task EachSurfaceDocumentsItsAuthSchemeAndErrorBody()
    {
        using var client = api.AnonymousClient();
        var v2 = (await client.GetFromJsonAsync<JsonObject>("/openapi/integration-platform.json"))!;
        Assert.Equal("basic", v2["components"]!["securitySchemes"]!["basic"]!["scheme"]!.GetValue<string>());
        var me = v2["paths"]!["/v2/users/me"]!["get"]!;
        Assert.Equal("US-1", me["operationId"]!.GetValue<string>());
        Assert.Equal("#/components/schemas/JsonApiErrorDocument", me["responses"]!["4XX"]!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>());
        Assert.NotNull(me["security"]![0]!["basic"]);

        var cachet = (await client.GetFromJsonAsync<JsonObject>("/openapi/status-page.json"))!;
        Assert.Equal("X-Cachet-Token", cachet["components"]!["securitySchemes"]!["cachetToken"]!["name"]!.GetValue<string>());
        var list = cachet["paths"]!["/api/v1/components"]!["get"]!;
        Assert.Empty(list["security"]![0]!.AsObject()); // reads are public: no key is one of the choices
        var create = cachet["paths"]!["/pages/{slug}/api/v1/components"]!["post"]!;
        Assert.DoesNotContain(create["security"]!.AsArray(), requirement => requirement!.AsObject().Count == 0);
        Assert.Contains(create["parameters"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "slug" && p["in"]!.GetValue<string>() == "path");
        Assert.Equal("#/components/schemas/CachetErrorBody", create["responses"]!["4XX"]!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>());
    }

    public static TheoryData<string, string, string, string?> SeedExamples() => new()
    {
        // 002 (Integration Platform): the first example of the users and contracts groups.
        { "basic", "GET", "/v2/users/me", null },
        { "basic", "GET", "/v2/contracts", null },
        { "basic", "POST", "/v2/contracts", """{"data":{"type":"contract","attributes":{"name":"My Contract"}}}""" },
        { "basic", "GET", "/v2/users/0000000000000000deadbeef", null },
        { "basic", "POST", "/v2/contracts", """{"data":{"type":"contract","attributes":{"name":17}}}""" },
        // 003 (Cachet): the seed's own curl, with the token and with Basic, and the reads it lists.
        { "token", "POST", "/api/v1/components", """{"name":"API","description":"An example description","status":1}""" },
        { "basic", "POST", "/api/v1/components", """{"name":"API","description":"An example description","status":1}""" },
        { "none", "GET", "/api/v1/components", null },
        { "none", "GET", "/api/v1/ping", null },
        { "none", "GET", "/api/v1/components/999999", null },
        { "token", "POST", "/api/v1/components", """{"description":"no name","status":9}""" },
    };

    [Theory]
    [MemberData(nameof(SeedExamples))]
    public async Task SeedExampleResponsesMatchTheDocumentedSchemas(string auth, string method, string path, string? body)
    {
        using var client = auth == "none" ? api.AnonymousClient() : api.AdminClient();
        if (auth == "token")
        {
            client.DefaultRequestHeaders.Authorization = null;
            client.DefaultRequestHeaders.Add("X-Cachet-Token", api.AdminKey);
        }
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }
        var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        var document = ApiReference.DocumentFor(path)!;
        var openApi = (await client.GetFromJsonAsync<JsonObject>(document.Url))!;
        var (template, operation) = Operation(openApi, method, path);
        var status = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var documented = operation["responses"]![status] ?? operation["responses"]![status[0] + "XX"];
        Assert.True(documented is not null, $"{method} {template} answered {status}, which its operation does not document: {text}");
        var schema = documented!["content"]?["application/json"]?["schema"];
        Assert.True(schema is not null, $"{method} {template} documents no JSON body for {status}.");
        var result = JsonSchema.FromText(Inline(schema!, openApi).ToJsonString())
            .Evaluate(JsonDocument.Parse(text).RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(result.IsValid, $"{method} {path} answered {status} with a body its schema refuses: {Errors(result)}\n{text}");
    }

    /// <summary>The document's operation whose path template matches the request path.</summary>
    private static (string Template, JsonNode Operation) Operation(JsonObject document, string method, string path)
    {
        foreach (var (template, item) in document["paths"]!.AsObject())
        {
            var pattern = "^" + Regex.Replace(Regex.Escape(template), @"\\\{[^/]+?}", "[^/]+") + "$";
            if (Regex.IsMatch(path.Split('?')[0], pattern) && item![method.ToLowerInvariant()] is { } operation)
            {
                return (template, operation);
            }
        }
        throw new Xunit.Sdk.XunitException($"No operation of the document matches {method} {path}.");
    }

    /// <summary>Replaces each <c>#/components/…</c> reference with its target, so the schema stands alone.</summary>
    private static JsonNode Inline(JsonNode node, JsonObject document) => node switch
    {
        JsonObject o when o["$ref"]?.GetValue<string>() is { } reference => Inline(
            reference.TrimStart('#', '/').Split('/').Aggregate((JsonNode)document, (n, part) => n[part]!), document),
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, p.Value is null ? null : Inline(p.Value, document)))),
        JsonArray a => new JsonArray([.. a.Select(i => i is null ? null : Inline(i, document))]),
        _ => node.DeepClone(),
    };

    /// <summary>A route pattern as OpenAPI writes it: constraints, defaults and a trailing slash dropped.</summary>
    private static string OpenApiPath(string pattern) =>
        "/" + RouteParameter().Replace(pattern.Trim('/'), m => "{" + m.Groups[1].Value + "}");

    [GeneratedRegex(@"\{\**([A-Za-z0-9_]+)[^}]*}")]
    private static partial Regex RouteParameter();

    private static string Errors(EvaluationResults result) =>
        string.Join("; ", (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} ({d.EvaluationPath}): {e.Value}")).Take(10));
}
