namespace Serverless.Bench;

/// <summary>The API scenario's request shapes, as bench/wrk/*.lua sends them (one Lua file per shape).</summary>
public static class Shapes
{
    public static readonly string[] Api = ["flows-list", "flows-create", "users-me", "components-guest", "warroom-note", "access-token"];

    public static async Task SendAsync(Api api, string shape)
    {
        var admin = ("Authorization", Bench.Api.Env("BENCH_ADMIN_BASIC"));
        switch (shape)
        {
            case "flows-list":
                await api.GetAsync($"/v2/flows?workspace_id={Bench.Api.Env("BENCH_LIST_WORKSPACE")}&page[size]=50", admin);
                break;
            case "flows-create":
                await api.PostAsync("/v2/flows", Seed.FlowJson.Replace("NAME", "Bench", StringComparison.Ordinal)
                    .Replace("WORKSPACE", Bench.Api.Env("BENCH_CREATE_WORKSPACE"), StringComparison.Ordinal), admin);
                break;
            case "users-me":
                await api.GetAsync("/v2/users/me", admin);
                break;
            case "components-guest":
                await api.GetAsync("/api/v1/components");
                break;
            case "warroom-note":
                await api.PostAsync($"/v3/incidents/{Bench.Api.Env("BENCH_INCIDENT")}/warroom",
                    """{"message":"Rolling back the 14:02 deploy.","attachments":["https://logs.example.com/checkout"]}""",
                    ("Authorization", "Bearer " + Bench.Api.Env("BENCH_ACCESS_TOKEN")));
                break;
            case "access-token":
                await api.GetAsync("/oauth/access-token", ("X-Refresh-Token", Bench.Api.Env("BOOTSTRAP_ADMIN_API_KEY")));
                break;
            default:
                throw new ArgumentException($"Unknown shape '{shape}'.", nameof(shape));
        }
    }
}
