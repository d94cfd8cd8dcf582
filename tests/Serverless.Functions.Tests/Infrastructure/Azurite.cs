using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Serverless.Functions.Tests.Infrastructure;

/// <summary>
/// One real Azurite for the whole test run, started from the repository's node_modules with in-memory persistence on
/// free ports, so nothing needs to be running beforehand. Each fixture isolates itself with a name prefix.
/// </summary>
public static class Azurite
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private static readonly Lazy<Task<string>> Started = new(StartAsync);

    /// <summary>The connection string of the running Azurite, starting it on first use.</summary>
    public static Task<string> ConnectionStringAsync() => Started.Value;

    public static string RepositoryRoot { get; } = Serverless.Functions.Hosting.FunctionMetadata.RepositoryRoot(AppContext.BaseDirectory);

    /// <summary>
    /// Starts Azurite on three free ports. A port found free can be taken again before Azurite binds it, and a loaded
    /// machine can start it slowly, so a failed start is retried with new ports; the last failure reports Azurite's output.
    /// </summary>
    private static async Task<string> StartAsync()
    {
        var failures = new List<string>();
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            int[] ports = [FreePort(), FreePort(), FreePort()];
            var (process, output) = await LaunchAsync(ports, ["--inMemoryPersistence"]);
            if (process is not null)
            {
                AppDomain.CurrentDomain.ProcessExit += (_, _) =>
                {
                    if (!process.HasExited)
                    {
                        process.Kill(entireProcessTree: true);
                    }
                };
                return ConnectionString(ports);
            }
            failures.Add($"attempt {attempt} on ports {string.Join(", ", ports)}: {string.Join(" | ", output)}");
        }
        throw new InvalidOperationException("Azurite did not start: " + string.Join("; ", failures));
    }

    internal static string ConnectionString(int[] ports) =>
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + AccountKey + ";" +
        $"BlobEndpoint=http://127.0.0.1:{ports[0]}/devstoreaccount1;" +
        $"QueueEndpoint=http://127.0.0.1:{ports[1]}/devstoreaccount1;" +
        $"TableEndpoint=http://127.0.0.1:{ports[2]}/devstoreaccount1;";

    /// <summary>Azurite listening on the blob, queue and table <paramref name="ports"/> (or null), and what it prints.</summary>
    internal static async Task<(Process? Process, System.Collections.Concurrent.ConcurrentQueue<string> Output)> LaunchAsync(int[] ports, string[] persistence)
    {
        var azurite = Path.Combine(RepositoryRoot, "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(azurite))
        {
            throw new InvalidOperationException($"Azurite is not installed at {azurite}; run `npm ci` (./test.sh does).");
        }
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])[azurite, "--silent", .. persistence, "--skipApiVersionCheck", "--loose", "--disableProductStyleUrl",
                     "--blobHost", "127.0.0.1", "--blobPort", ports[0].ToString(),
                     "--queueHost", "127.0.0.1", "--queuePort", ports[1].ToString(),
                     "--tableHost", "127.0.0.1", "--tablePort", ports[2].ToString()])
        {
            start.ArgumentList.Add(argument);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("Azurite did not start.");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { output.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { output.Enqueue(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (await ListeningAsync(process, ports, TimeSpan.FromSeconds(60)))
        {
            return (process, output);
        }
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }
        return (null, output);
    }

    private static async Task<bool> ListeningAsync(Process process, int[] ports, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        foreach (var port in ports)
        {
            while (!await AcceptsAsync(port))
            {
                if (process.HasExited || DateTime.UtcNow > deadline)
                {
                    return false;
                }
                await Task.Delay(100);
            }
        }
        return true;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

/// <summary>
/// An Azurite of one test's own, for a test that stops and restarts storage: its data lives in a folder
/// (<c>--location</c>) rather than in memory, on ports fixed at the first start, so <see cref="StopAsync"/> then
/// <see cref="StartAsync"/> brings the same account back where the app expects it.
/// </summary>
public sealed class PrivateAzurite : IAsyncDisposable
{
    private readonly string location = Directory.CreateTempSubdirectory("azurite-").FullName;
    private readonly int[] ports = [Azurite.FreePort(), Azurite.FreePort(), Azurite.FreePort()];
    private Process? process;
    private System.Collections.Concurrent.ConcurrentQueue<string> output = new();

    public string ConnectionString => Azurite.ConnectionString(ports);

    public async Task StartAsync()
    {
        var (started, output) = await Azurite.LaunchAsync(ports, ["--location", location, "--disableTelemetry"]);
        process = started ?? throw new InvalidOperationException($"Azurite did not start on ports {string.Join(", ", ports)}: {string.Join(" | ", output)}");
        this.output = output;
    }

    /// <summary>
    /// Stops it the way an operator does (SIGTERM): it stops listening and writes its data to the folder, which it
    /// otherwise does every 5 s, so a bare SIGKILL would lose writes it had acknowledged and test Azurite, not the app.
    /// Once its three services say they are closed the process is killed, rather than waiting on the app's open connections.
    /// </summary>
    public async Task StopAsync()
    {
        if (process is null)
        {
            return;
        }
        using (var term = Process.Start("kill", ["-TERM", process.Id.ToString()]))
        {
            await term.WaitForExitAsync();
        }
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!process.HasExited && output.Count(line => line.Contains("service successfully closed", StringComparison.Ordinal)) < 3 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        process.Dispose();
        process = null;
    }

    public async ValueTask DisposeAsync()
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
        }
        process?.Dispose();
        await Task.Run(() => Directory.Delete(location, recursive: true));
    }
}
