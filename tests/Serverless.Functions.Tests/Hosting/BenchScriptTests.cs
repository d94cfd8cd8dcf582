using System.Diagnostics;
using System.Globalization;
using System.Text;
using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests.Hosting;

/// <summary>
/// bench/run.sh leaves nothing running: the Azurite and the app it started are stopped when it is interrupted (Ctrl-C)
/// and when a scenario fails. Run with the build the tests already have, on free ports, its files in a temporary folder.
/// </summary>
[Collection(Alone.Name)] // loads both cores for a minute: run after the parallel tests, not beside them
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // bench/run.sh is a bash script
public sealed class BenchScriptTests : IDisposable
{
    private readonly string output = Directory.CreateTempSubdirectory("bench-sh-").FullName;

    public void Dispose() => Directory.Delete(output, recursive: true);

    [Fact]
    public async Task CtrlCStopsTheAzuriteAndTheAppItStarted()
    {
        using var script = Start("hold");
        var log = await WaitForAsync(script, "bench: holding");
        var (azurite, app) = (Pid("azurite"), Pid("app"));
        Assert.True(IsRunning(azurite) && IsRunning(app), log.ToString());

        using (var interrupt = Process.Start("kill", ["-INT", script.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await interrupt.WaitForExitAsync();
        }
        await script.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(130, script.ExitCode);
        Assert.False(IsRunning(azurite), "Azurite is still running");
        Assert.False(IsRunning(app), "the app is still running");
    }

    [Fact]
    public async Task AFailingScenarioStopsTheAzuriteAndTheAppItStarted()
    {
        using var script = Start("no-such");
        var log = await WaitForAsync(script, null);

        Assert.NotEqual(0, script.ExitCode);
        var (azurite, app) = (Pid("azurite"), Pid("app"));
        Assert.False(IsRunning(azurite), "Azurite is still running\n" + log);
        Assert.False(IsRunning(app), "the app is still running\n" + log);
    }

    private Process Start(string scenario)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(Azurite.RepositoryRoot, "bench", "run.sh"), scenario])
        {
            WorkingDirectory = Azurite.RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["BENCH_SKIP_SETUP"] = "1"; // the test run has built the app and the bench already
        start.Environment["BENCH_CONFIGURATION"] = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        start.Environment["BENCH_OUT"] = output;
        start.Environment["BENCH_WRITE_README"] = "0";
        start.Environment["BENCH_AZURITE_PORT"] = Azurite.FreePort().ToString(CultureInfo.InvariantCulture);
        start.Environment["BENCH_APP_PORT"] = Azurite.FreePort().ToString(CultureInfo.InvariantCulture);
        return Process.Start(start)!;
    }

    /// <summary>Collects the script's output until a line starts with <paramref name="line"/>, or until it exits.</summary>
    private static async Task<StringBuilder> WaitForAsync(Process script, string? line)
    {
        var log = new StringBuilder();
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Read(string? data)
        {
            lock (log)
            {
                log.AppendLine(data);
            }
            if (line is not null && data?.StartsWith(line, StringComparison.Ordinal) == true)
            {
                seen.TrySetResult();
            }
        }
        script.OutputDataReceived += (_, e) => Read(e.Data);
        script.ErrorDataReceived += (_, e) => Read(e.Data);
        script.BeginOutputReadLine();
        script.BeginErrorReadLine();
        var exited = script.WaitForExitAsync();
        var first = await Task.WhenAny(seen.Task, exited).WaitAsync(TimeSpan.FromSeconds(180));
        if (line is not null && first != seen.Task)
        {
            throw new Xunit.Sdk.XunitException($"bench/run.sh exited before '{line}':\n{log}");
        }
        return log;
    }

    private int Pid(string name) => int.Parse(File.ReadAllText(Path.Combine(output, name + ".pid")).Trim(), CultureInfo.InvariantCulture);

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
