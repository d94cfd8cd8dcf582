using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests.Hosting;

/// <summary>
/// A newcomer's first run: <c>./run.sh</c> with nothing set gives a working key, a status page and the docs, keeps the
/// same admin across restarts, and lets exported BOOTSTRAP_ADMIN_* win. Run on free ports with its data in a temporary
/// folder, so it disturbs nothing else on the machine.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // run.sh is a bash script
public sealed partial class RunScriptTests : IDisposable
{
    private readonly string data = Directory.CreateTempSubdirectory("run-sh-").FullName;

    public void Dispose() => Directory.Delete(data, recursive: true);

    [Fact]
    public async Task AFirstRunPrintsAWorkingKeyAndKeepsItAndExportedSettingsWin()
    {
        string key;
        await using (var first = await RunAsync())
        {
            Assert.Equal("admin@example.com", first.Email);
            key = first.Key;
            using var client = new HttpClient { BaseAddress = first.Base };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{first.Email}:{first.Key}")));
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v2/users/me")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/ping")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/status")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/docs/")).StatusCode);
            Assert.Contains("/docs", first.Banner, StringComparison.Ordinal);
            Assert.Contains("/status", first.Banner, StringComparison.Ordinal);
        }
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(data, "admin.env")));

        await using (var second = await RunAsync())
        {
            Assert.Equal(key, second.Key);
        }

        var mine = "0123456789abcdef0123456789abcdef-mine";
        await using var exported = await RunAsync(("BOOTSTRAP_ADMIN_EMAIL", "me@example.com"), ("BOOTSTRAP_ADMIN_API_KEY", mine));
        Assert.Equal("me@example.com", exported.Email);
        Assert.Equal(mine, exported.Key);
        Assert.Contains(key, await File.ReadAllTextAsync(Path.Combine(data, "admin.env")), StringComparison.Ordinal);
    }

    private async Task<RunningScript> RunAsync(params (string Name, string Value)[] settings)
    {
        var port = Azurite.FreePort();
        var start = new ProcessStartInfo(Path.Combine(Azurite.RepositoryRoot, "run.sh"))
        {
            WorkingDirectory = Azurite.RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var name in new[] { "BOOTSTRAP_ADMIN_EMAIL", "BOOTSTRAP_ADMIN_API_KEY", "AzureWebJobsStorage", "AzureWebJobsStorage__accountName", "ENCRYPTION_KEY", "FUNCTIONS_CUSTOMHANDLER_PORT" })
        {
            start.Environment.Remove(name);
        }
        start.Environment["RUN_SKIP_SETUP"] = "1"; // the test run has built the app already
        start.Environment["CONFIGURATION"] = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        start.Environment["AZURITE_LOCATION"] = data;
        start.Environment["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["AZURITE_BLOB_PORT"] = Azurite.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["AZURITE_QUEUE_PORT"] = Azurite.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["AZURITE_TABLE_PORT"] = Azurite.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (name, value) in settings)
        {
            start.Environment[name] = value;
        }
        var process = Process.Start(start)!;
        var output = new StringBuilder();
        var banner = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var lines = new StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
                if (e.Data?.StartsWith("  The API is ready", StringComparison.Ordinal) == true || lines.Length > 0)
                {
                    lines.AppendLine(e.Data);
                    if (e.Data?.StartsWith("---", StringComparison.Ordinal) == true)
                    {
                        banner.TrySetResult(lines.ToString());
                    }
                }
            }
        };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var running = new RunningScript(process, new Uri($"http://127.0.0.1:{port}"));
        try
        {
            running.Banner = await banner.Task.WaitAsync(TimeSpan.FromSeconds(120));
        }
        catch (TimeoutException)
        {
            await running.DisposeAsync();
            lock (output)
            {
                throw new Xunit.Sdk.XunitException($"run.sh printed no banner within 120 s:\n{output}");
            }
        }
        var curl = CurlLine().Match(running.Banner);
        Assert.True(curl.Success, running.Banner);
        (running.Email, running.Key) = (curl.Groups[1].Value, curl.Groups[2].Value);
        return running;
    }

    [GeneratedRegex(@"curl -u '([^:']+):([^']+)' ")]
    private static partial Regex CurlLine();

    private sealed class RunningScript(Process process, Uri baseAddress) : IAsyncDisposable
    {
        public Uri Base { get; } = baseAddress;

        public string Banner { get; set; } = "";

        public string Email { get; set; } = "";

        public string Key { get; set; } = "";

        /// <summary>SIGTERM, as Ctrl-C would: run.sh's trap stops the app and the Azurite it started.</summary>
        public async ValueTask DisposeAsync()
        {
            if (!process.HasExited)
            {
                using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                await kill.WaitForExitAsync();
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                try
                {
                    await process.WaitForExitAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    process.Kill(entireProcessTree: true);
                }
            }
            process.Dispose();
        }
    }
}
