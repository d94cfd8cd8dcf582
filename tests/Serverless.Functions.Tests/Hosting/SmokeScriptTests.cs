using System.Diagnostics;
using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests.Hosting;

/// <summary>scripts/smoke.sh, which ends every deploy, passes against a running app and fails on a wrong key.</summary>
public sealed class SmokeScriptTests(KestrelApiFixture api) : IClassFixture<KestrelApiFixture>
{
    [Fact]
    public async Task TheSmokeTestPassesAgainstARunningApp()
    {
        var (exitCode, output) = await SmokeAsync(api.AdminKey);
        Assert.True(exitCode == 0, output);
        Assert.Contains("smoke: ok   GET the operation's Location until it is done (303)", output, StringComparison.Ordinal);
        Assert.Contains("smoke: all checks passed", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheSmokeTestFailsWithAWrongKey()
    {
        var (exitCode, output) = await SmokeAsync("wrong-wrong-wrong-wrong-wrong-wrong-wrong");
        Assert.NotEqual(0, exitCode);
        Assert.Contains("smoke: FAIL GET /v2/users/me with the key: expected 200, got 401", output, StringComparison.Ordinal);
    }

    private async Task<(int ExitCode, string Output)> SmokeAsync(string key)
    {
        var start = new ProcessStartInfo(Path.Combine(Azurite.RepositoryRoot, "scripts", "smoke.sh"))
        {
            ArgumentList = { api.BaseUrl.ToString() },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["SMOKE_EMAIL"] = api.AdminEmail;
        start.Environment["SMOKE_API_KEY"] = key;
        start.Environment["SMOKE_WAIT"] = "30";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
