using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests.Hosting;

public sealed class HostingTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task RootAnswersWithTheIndexWithoutCredentials()
    {
        using var client = api.AnonymousClient();
        var body = await (await client.GetAsync("/")).ReadJsonAsync();
        Assert.Equal("serverless-ops-backend", body["name"]!.GetValue<string>());
        Assert.Matches(@"^\d+\.\d+\.\d+", body["version"]!.GetValue<string>());
        Assert.Contains(body["surfaces"]!.AsArray(), s => s!["base_path"]!.GetValue<string>() == "/v2");
    }

    /// <summary>The real executable, started the way the Functions host starts it, answers its readiness ping.</summary>
    [Fact]
    public async Task InHostModeTheExecutableListensOnTheHostsPortAndAnswersRoot()
    {
        var port = Azurite.FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "Serverless.Functions.dll") },
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["FUNCTIONS_CUSTOMHANDLER_PORT"] = port.ToString();
        start.Environment["AzureWebJobsStorage"] = await Azurite.ConnectionStringAsync();
        start.Environment["STORAGE_NAME_PREFIX"] = api.Prefix + "host";
        start.Environment["ENCRYPTION_KEY"] = api.EncryptionKey;
        start.Environment.Remove("PORT");
        using var process = Process.Start(start)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var (index, _) = await FirstIndexAsync(port, process);
            Assert.NotNull(index);
            Assert.Equal("serverless-ops-backend", index["name"]!.GetValue<string>());
        }
        finally
        {
            process.Kill(entireProcessTree: true);
        }
    }

    /// <summary>Polls <c>GET /</c> of an executable started in host mode until it answers, for at most 30 s (the host's limit).</summary>
    internal static async Task<(JsonObject? Index, TimeSpan Elapsed)> FirstIndexAsync(int port, Process process, Stopwatch? since = null)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var stopwatch = since ?? Stopwatch.StartNew();
        JsonObject? index = null;
        while (index is null && stopwatch.Elapsed < TimeSpan.FromSeconds(30) && !process.HasExited)
        {
            try
            {
                index = await http.GetFromJsonAsync<JsonObject>("/");
            }
            catch (HttpRequestException)
            {
                await Task.Delay(25);
            }
        }
        return (index, stopwatch.Elapsed);
    }
}
