using System.Text.Json;

namespace Serverless.Bench;

/// <summary>
/// The API scenario's writes, counted through the API afterwards: the flows in the workspace the POSTs went to and
/// the incident's war-room notes. The report compares them with the 2xx answers wrk and <c>calls</c> counted.
/// </summary>
public static class Verify
{
    public static async Task RunAsync(Uri baseUrl)
    {
        using var api = new Api(baseUrl);
        var flows = await api.GetAsync($"/v2/flows?workspace_id={Api.Env("BENCH_CREATE_WORKSPACE")}&page[size]=1",
            ("Authorization", Api.Env("BENCH_ADMIN_BASIC")));
        var notes = await api.GetAsync($"/v3/incidents/{Api.Env("BENCH_INCIDENT")}/warroom", ("Authorization", "Bearer " + Api.Env("BENCH_ACCESS_TOKEN")));
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            scenario = "verify",
            flows_created = flows["meta"]!["total"]!.GetValue<int>(),
            notes = notes["data"]!.AsArray().Count,
        }));
    }
}
