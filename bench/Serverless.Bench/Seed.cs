using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Serverless.Bench;

/// <summary>
/// The data every scenario reads or writes, made through the API as a user would: a contract with one workspace of
/// 50 flows (the page the list reads) and one empty workspace (where the POSTs go), twenty components on the default
/// status page, an incident (an alert on a service), a second tenant and a member of the first for the rate limits.
/// Prints shell assignments (bench/.out/seed.env) that the Lua scripts and the other subcommands read.
/// </summary>
public static class Seed
{
    public const string FlowJson = """{"data":{"type":"flow","attributes":{"name":"NAME","type":"ordinary","default_mapper_type":"jsonata","graph":{"nodes":[{"id":"step_1","command":"components/webhook:receive","fields":{"auth":{"type":"NO_AUTH"}}},{"id":"step_2","command":"components/rest-api:httpRequestAxios","fields":{"reader":{"method":"POST","url":"\"https://example.com/in\"","body":"$"}}}],"edges":[{"source":"step_1","target":"step_2","config":{"mapper":{"n":"n"}}}]}},"relationships":{"workspace":{"data":{"id":"WORKSPACE","type":"workspace"}}}}}""";

    public static async Task RunAsync(Uri baseUrl)
    {
        using var admin = new Api(baseUrl, Api.Admin());
        var contract = Id(await admin.PostAsync("/v2/contracts", """{"data":{"type":"contract","attributes":{"name":"Bench"}}}"""));
        var listWorkspace = await WorkspaceAsync(admin, contract, "Bench list");
        var createWorkspace = await WorkspaceAsync(admin, contract, "Bench create");
        await Task.WhenAll(Enumerable.Range(0, 5).Select(async t =>
        {
            for (var i = t; i < 50; i += 5)
            {
                await admin.PostAsync("/v2/flows", FlowJson.Replace("NAME", $"Flow {i}", StringComparison.Ordinal).Replace("WORKSPACE", listWorkspace, StringComparison.Ordinal));
            }
        }));

        var cachet = ("X-Cachet-Token", Api.Env("BOOTSTRAP_ADMIN_API_KEY"));
        for (var i = 0; i < 20; i++)
        {
            await admin.PostAsync("/api/v1/components", $$"""{"name":"Component {{i}}","status":1}""", cachet);
        }

        var token = (await admin.GetAsync("/oauth/access-token", ("X-Refresh-Token", Api.Env("BOOTSTRAP_ADMIN_API_KEY"))))["data"]!["access_token"]!.ToString();
        var bearer = ("Authorization", "Bearer " + token);
        using var incidents = new Api(baseUrl);
        var service = (await incidents.PostAsync("/v3/services", """{"name":"Checkout","description":"Card payments"}""", bearer))["data"]!.AsObject();
        var alert = await incidents.PostAsync($"/v2/incidents/api/{service["api_key"]}", """{"message":"Checkout is failing","event_id":"bench","priority":"P1"}""");
        var requestId = alert["request_id"]!.ToString();
        var status = await incidents.PostAsync("/v3/requests/status", $$"""{"request_ids":["{{requestId}}"]}""", bearer);
        var incident = status["data"]![requestId]!["incident_id"]!.ToString();

        var flooder = await admin.PostAsync("/v2/users", """{"data":{"type":"user","attributes":{"first_name":"Flood","last_name":"Er","email":"flooder@example.com","tenant_role":"member"}}}""");
        var tenant = await admin.PostAsync("/v2/tenants", """{"data":{"type":"tenant","attributes":{"name":"Other","admin_email":"other@example.com"}}}""");

        var values = new Dictionary<string, string>
        {
            ["BENCH_CONTRACT"] = contract,
            ["BENCH_LIST_WORKSPACE"] = listWorkspace,
            ["BENCH_CREATE_WORKSPACE"] = createWorkspace,
            ["BENCH_ACCESS_TOKEN"] = token,
            ["BENCH_INCIDENT"] = incident,
            ["BENCH_ADMIN_BASIC"] = Api.Admin().ToString(),
            ["BENCH_FLOOD_BASIC"] = Api.Basic("flooder@example.com", flooder["meta"]!["api_key"]!.ToString()).ToString(),
            ["BENCH_OTHER_BASIC"] = Api.Basic("other@example.com", tenant["meta"]!["api_key"]!.ToString()).ToString(),
        };
        var text = new StringBuilder();
        foreach (var (name, value) in values)
        {
            text.Append(CultureInfo.InvariantCulture, $"{name}='{value}'\n");
        }
        Console.Write(text);
    }

    private static string Id(JsonObject document) => document["data"]!["id"]!.ToString();

    private static async Task<string> WorkspaceAsync(Api admin, string contract, string name) =>
        Id(await admin.PostAsync("/v2/workspaces",
            """{"data":{"type":"workspace","attributes":{"name":"NAME"},"relationships":{"contract":{"data":{"id":"CONTRACT","type":"contract"}}}}}"""
                .Replace("NAME", name, StringComparison.Ordinal).Replace("CONTRACT", contract, StringComparison.Ordinal)));
}
