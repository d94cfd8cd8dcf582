using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests.Resilience.Fuzzing;

/// <summary>
/// The app as the fuzzer meets it: behind real Kestrel, which parses what a client really sends (TestServer refuses
/// some requests itself, such as a path with an escaped NUL, before the app sees them); rate limits and quotas out of
/// the way (a campaign sends thousands of requests with one key); and the guarded outbound client at its default, so
/// generated URLs reach no local server.
/// </summary>
public sealed class FuzzFixture : KestrelApiFixture
{
    private Task<FuzzWorld>? world;

    /// <summary>The tenants and resources every run fuzzes against, made once per fixture.</summary>
    public Task<FuzzWorld> WorldAsync() => world ??= FuzzWorld.CreateAsync(this);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("RATE_LIMIT_PER_KEY", "10000000");
        builder.UseSetting("RATE_LIMIT_ANONYMOUS_READS", "10000000");
        builder.UseSetting("RATE_LIMIT_ANONYMOUS_WRITES", "10000000");
        // The fuzzer sends wrong and malformed credentials by the thousand from one address.
        builder.UseSetting("RATE_LIMIT_FAILED_AUTH", "10000000");
        builder.UseSetting("WEBHOOK_REQUESTS_PER_MINUTE", "10000000");
        builder.UseSetting("SIGNED_URL_QUOTA_PER_HOUR", "10000000");
        builder.UseSetting("OUTBOUND_ALLOW_PRIVATE_NETWORKS", "false");
    }
}

/// <summary>
/// Two tenants with real resources on every surface: the first (the bootstrap admin's) is the one the fuzzer's valid
/// credentials belong to; the second's ids are sent at the first's credentials, and its key at the first's ids.
/// Ids are kept by document and kind: a path parameter's name, or for <c>{id}</c> the segment before it.
/// </summary>
public sealed class FuzzWorld
{
    private readonly Dictionary<string, List<string>> real = [];
    private readonly Dictionary<string, List<string>> foreign = [];

    public static FuzzWorld Empty { get; } = new();

    public string Email { get; private set; } = "";

    public string Key { get; private set; } = "";

    public string Bearer { get; private set; } = "";

    public string OtherEmail { get; private set; } = "";

    public string OtherKey { get; private set; } = "";

    public string OtherBearer { get; private set; } = "";

    /// <summary>The kind of a route's path parameter: its name, or for <c>{id}</c> the literal segment before it.</summary>
    public static string Kind(FuzzRoute route, int index)
    {
        var name = route.PathParameters[index];
        if (name != "id")
        {
            return name;
        }
        var segments = route.Template.Split('/');
        var at = Array.FindIndex(segments, s => s == "{id}");
        return at > 0 ? segments[at - 1] : name;
    }

    public IReadOnlyList<string> Real(string document, string kind) => real.GetValueOrDefault($"{document}:{kind}") ?? [];

    public IReadOnlyList<string> Foreign(string document, string kind) => foreign.GetValueOrDefault($"{document}:{kind}") ?? [];

    /// <summary>The first tenant's ids whose kind a body field's name suggests (<c>workspace_id</c>: workspaces).</summary>
    public IReadOnlyList<string> AnyIdsFor(string field) => IdsFor(real, field);

    public string? AnyForeignIdFor(string field, int pick) => IdsFor(foreign, field) is { Count: > 0 } ids ? ids[pick % ids.Count] : null;

    private static List<string> IdsFor(Dictionary<string, List<string>> ids, string field)
    {
        var stem = field.Replace("_ids", "", StringComparison.Ordinal).Replace("_id", "", StringComparison.Ordinal).Replace("Id", "", StringComparison.Ordinal);
        return [.. ids.Where(p => p.Key.EndsWith(":" + stem + "s", StringComparison.Ordinal) || p.Key.EndsWith(":" + stem + "Id", StringComparison.Ordinal)
            || p.Key.EndsWith(":" + stem, StringComparison.Ordinal)).SelectMany(p => p.Value).Distinct()];
    }

    private void Add(Dictionary<string, List<string>> into, string document, string kind, string? id)
    {
        if (id is null)
        {
            return;
        }
        var key = $"{document}:{kind}";
        if (!into.TryGetValue(key, out var list))
        {
            into[key] = list = [];
        }
        if (!list.Contains(id))
        {
            list.Add(id);
        }
    }

    public static async Task<FuzzWorld> CreateAsync(ApiFixture api)
    {
        var world = new FuzzWorld { Email = api.AdminEmail, Key = api.AdminKey };
        using var admin = api.AdminClient();
        await world.PopulateAsync(api, admin, world.real, "default", isFirst: true);

        // The second tenant: an organization made by the operator, with resources of its own on every surface.
        var tenant = await Json(await admin.PostAsync("/v2/tenants", Content(new JsonObject
        {
            ["data"] = new JsonObject { ["type"] = "tenant", ["attributes"] = new JsonObject { ["name"] = "Fuzz other", ["admin_email"] = $"other@{api.Prefix}.example.com" } },
        })));
        world.OtherEmail = $"other@{api.Prefix}.example.com";
        world.OtherKey = tenant["meta"]!["api_key"]!.GetValue<string>();
        using var other = api.ClientFor(world.OtherEmail, world.OtherKey);
        var slug = "fuzz-" + api.Prefix;
        await Json(await other.PostAsync("/v2/status-pages", Content(new JsonObject
        {
            ["data"] = new JsonObject { ["type"] = "status-page", ["attributes"] = new JsonObject { ["slug"] = slug, ["name"] = "Other" } },
        })));
        await world.PopulateAsync(api, other, world.foreign, slug, isFirst: false);
        world.Add(world.foreign, "incidents", "organizationId", tenant["data"]!["id"]!.GetValue<string>());
        return world;
    }

    /// <summary>A contract, workspace, flow, credential and user on /v2; a component, group, incident, metric and point on the
    /// tenant's page; a service, an incident with a note and a card on the incident surface.</summary>
    private async Task PopulateAsync(ApiFixture api, HttpClient client, Dictionary<string, List<string>> into, string slug, bool isFirst)
    {
        const string v2 = "integration-platform", status = "status-page", incidents = "incidents";
        var user = isFirst ? await api.CreateUserAsync() : null;
        Add(into, v2, "users", user?.Id);
        Add(into, v2, "userId", user?.Id);
        var contract = Id(await Json(await client.PostAsync("/v2/contracts", Document("contract", new JsonObject { ["name"] = "Fuzz" }))));
        Add(into, v2, "contracts", contract);
        var workspace = Id(await Json(await client.PostAsync("/v2/workspaces", Document("workspace", new JsonObject { ["name"] = "Fuzz" },
            new JsonObject { ["contract"] = Ref(contract, "contract") }))));
        Add(into, v2, "workspaces", workspace);
        Add(into, v2, "workspace", workspace);
        Add(into, v2, "workspaceId", workspace);
        var flow = Id(await Json(await client.PostAsync("/v2/flows", Document("flow", new JsonObject
        {
            ["name"] = "Fuzz", ["type"] = "ordinary", ["default_mapper_type"] = "jsonata",
            ["graph"] = JsonNode.Parse("""{"nodes":[{"id":"step_1","command":"components/webhook:receive","fields":{"auth":{"type":"NO_AUTH"}}},{"id":"step_2","command":"components/request-reply:reply"}],"edges":[{"source":"step_1","target":"step_2","config":{"mapper":{"responseBody":"name"}}}]}"""),
        }, new JsonObject { ["workspace"] = Ref(workspace, "workspace") }))));
        Add(into, v2, "flows", flow);
        Add(into, v2, "flowId", flow);
        Add(into, v2, "stepId", "step_1");
        var components = await Json(await client.GetAsync($"/v2/components?contract_id={contract}"));
        var statusComponent = components["data"]!.AsArray().First(c => c!["attributes"]!["name"]!.GetValue<string>() == "status-page")!["id"]!.GetValue<string>();
        Add(into, v2, "components", statusComponent);
        Add(into, v2, "revision", "latest");
        var credential = Id(await Json(await client.PostAsync("/v2/credentials", Document("credential",
            new JsonObject { ["name"] = "Fuzz", ["keys"] = new JsonObject { ["baseUrl"] = "https://status.example.com", ["apiToken"] = "fuzz-token" } },
            new JsonObject { ["component"] = Ref(statusComponent, "component"), ["workspace"] = Ref(workspace, "workspace") }))));
        Add(into, v2, "credentials", credential);
        var pages = await Json(await client.GetAsync("/v2/status-pages"));
        foreach (var page in pages["data"]!.AsArray())
        {
            Add(into, status, "status-pages", page!["id"]!.GetValue<string>());
        }
        Add(into, status, "slug", slug);

        // The page's Cachet API: the default page at /api/v1, every page at /pages/{slug}/api/v1.
        var root = $"/pages/{slug}/api/v1";
        var component = Id(await Json(await client.PostAsJsonAsync($"{root}/components", new { name = "Fuzz API", status = 1 })));
        Add(into, status, "components", component);
        Add(into, status, "groups", Id(await Json(await client.PostAsJsonAsync($"{root}/components/groups", new { name = "Fuzz group" }))));
        var incident = Id(await Json(await client.PostAsJsonAsync($"{root}/incidents",
            new { name = "Fuzz incident", message = "Looking", status = 1, component_id = int.Parse(component!), component_status = 3 })));
        Add(into, status, "incidents", incident);
        Add(into, status, "updateId", Id(await Json(await client.PostAsJsonAsync($"{root}/incidents/{incident}/updates", new { status = 2, message = "Found it" }))));
        var metric = Id(await Json(await client.PostAsJsonAsync($"{root}/metrics", new { name = "Latency", suffix = "ms", default_value = 0 })));
        Add(into, status, "metrics", metric);
        Add(into, status, "pointId", Id(await Json(await client.PostAsJsonAsync($"{root}/metrics/{metric}/points", new { value = 5 }))));

        // The incident surface: a Bearer token from the key, a service, an alert's incident, a note and a card.
        using var exchange = new HttpRequestMessage(HttpMethod.Get, "/oauth/access-token");
        exchange.Headers.Add("X-Refresh-Token", isFirst ? Key : OtherKey);
        using var anonymous = api.AnonymousClient();
        var token = (await Json(await anonymous.SendAsync(exchange)))["data"]!["access_token"]!.GetValue<string>();
        if (isFirst)
        {
            Bearer = token;
        }
        else
        {
            OtherBearer = token;
        }
        using var bearer = api.AnonymousClient();
        bearer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var organization = Id(await Json(await bearer.GetAsync("/v3/organization")));
        Add(into, incidents, "organizationId", organization);
        var service = (await Json(await bearer.PostAsJsonAsync("/v3/services", new { name = "Fuzz service" })))["data"]!;
        Add(into, incidents, "serviceId", service["id"]!.GetValue<string>());
        Add(into, incidents, "serviceKey", service["api_key"]!.GetValue<string>());
        Add(into, incidents, "source", "api");
        var alert = await Json(await anonymous.PostAsJsonAsync($"/v2/incidents/api/{service["api_key"]!.GetValue<string>()}",
            new { message = "Fuzz alert", description = "d", event_id = "fuzz", priority = "P2" }));
        var requestId = alert["request_id"]!.GetValue<string>();
        var requests = await Json(await bearer.PostAsJsonAsync("/v3/requests/status", new { request_ids = new[] { requestId } }));
        var incidentId = requests["data"]![requestId]!["incident_id"]?.GetValue<string>();
        Add(into, incidents, "incidentId", incidentId);
        Add(into, incidents, "noteId", Id(await Json(await bearer.PostAsJsonAsync($"/v3/incidents/{incidentId}/warroom", new { message = "A note" }))));
        Add(into, incidents, "cardId", Id(await Json(await bearer.PostAsJsonAsync($"/v3/incidents/{incidentId}/communication_cards",
            new { type = "video_conference", url = "https://meet.example.com/x", title = "Bridge" }))));
    }

    private static StringContent Content(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    private static StringContent Document(string type, JsonObject attributes, JsonObject? relationships = null) => Content(new JsonObject
    {
        ["data"] = new JsonObject { ["type"] = type, ["attributes"] = attributes, ["relationships"] = relationships ?? new JsonObject() },
    });

    private static JsonObject Ref(string? id, string type) => new() { ["data"] = new JsonObject { ["id"] = id, ["type"] = type } };

    /// <summary>The created resource's id, a string on most routes and a number on Cachet's and the war room's.</summary>
    private static string? Id(JsonObject body) => body["data"]?["id"]?.ToString();

        /// <summary>The body of a setup step, which must succeed: the fuzzer's world is only as good as its resources.</summary>
    private static async Task<JsonObject> Json(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"Setting up the fuzzer's world: {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }
}
