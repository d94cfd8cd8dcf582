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

    private static async Task<string> StartAsync()
    {
        var azurite = Path.Combine(RepositoryRoot, "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(azurite))
        {
            throw new InvalidOperationException($"Azurite is not installed at {azurite}; run `npm ci` (./test.sh does).");
        }
        int[] ports = [FreePort(), FreePort(), FreePort()];
        var start = new ProcessStartInfo("node")
        {
            ArgumentList =
            {
                azurite, "--silent", "--inMemoryPersistence", "--skipApiVersionCheck", "--loose", "--disableProductStyleUrl",
                "--blobHost", "127.0.0.1", "--blobPort", ports[0].ToString(),
                "--queueHost", "127.0.0.1", "--queuePort", ports[1].ToString(),
                "--tableHost", "127.0.0.1", "--tablePort", ports[2].ToString(),
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("Azurite did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        foreach (var port in ports)
        {
            while (!await AcceptsAsync(port))
            {
                if (process.HasExited || DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException($"Azurite did not start listening on port {port}.");
                }
                await Task.Delay(100);
            }
        }
        return "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + AccountKey + ";" +
               $"BlobEndpoint=http://127.0.0.1:{ports[0]}/devstoreaccount1;" +
               $"QueueEndpoint=http://127.0.0.1:{ports[1]}/devstoreaccount1;" +
               $"TableEndpoint=http://127.0.0.1:{ports[2]}/devstoreaccount1;";
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
