using System.Diagnostics;
using System.IO.Compression;
using Serverless.Functions.Hosting;
using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests.Hosting;

/// <summary>
/// The deploy package, checked before anyone deploys it: scripts/publish.sh builds out/app.zip, which holds host.json,
/// every function folder and the self-contained executable (with its run bit), and that executable, unzipped and started
/// as the Functions host starts it, answers <c>GET /</c> well within the host's 30 s.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // the package is linux-x64, built and run by bash
[Collection(Alone.Name)]
public sealed class PublishPackageTests : IDisposable
{
    /// <summary>Native libraries the handler loads, which a publish must carry beside it in bin/.</summary>
    private static readonly string[] NativeLibraries =
    [
        // JSONata and the code step run in V8 (docs/decisions/0022).
        "bin/ClearScriptV8.linux-x64.so",
    ];

    private const int Executable = 0b111_101_101; // 0755

    private readonly string unpacked = Directory.CreateTempSubdirectory("app-zip-").FullName;

    public void Dispose() => Directory.Delete(unpacked, recursive: true);

    [Fact]
    public async Task ThePublishedPackageHasTheHostsShapeAndItsExecutableAnswersRootQuickly()
    {
        await PublishAsync();
        var zipPath = Path.Combine(Azurite.RepositoryRoot, "out", "app.zip");
        using (var zip = ZipFile.OpenRead(zipPath))
        {
            var entries = zip.Entries.ToDictionary(e => e.FullName);
            Assert.Contains("host.json", entries.Keys);
            var functions = FunctionMetadata.Read(Path.Combine(Azurite.RepositoryRoot, FunctionMetadata.DefaultDirectory)).Keys;
            Assert.NotEmpty(functions);
            Assert.All(functions, name => Assert.True(entries.ContainsKey($"{name}/function.json"), $"The package lacks {name}/function.json."));
            var executable = entries.GetValueOrDefault("bin/Serverless.Functions");
            Assert.True(executable is not null, "The package lacks bin/Serverless.Functions (host.json's defaultExecutablePath).");
            Assert.Equal(Executable, (executable.ExternalAttributes >> 16) & 0x1FF);
            Assert.All(NativeLibraries, library => Assert.True(entries.ContainsKey(library), $"The package lacks {library}."));
            // A file the host cannot read makes it register no function at all, silently.
            Assert.All(zip.Entries.Where(e => !e.FullName.EndsWith('/')), e => Assert.True(((e.ExternalAttributes >> 16) & 0x124) == 0x124, $"{e.FullName} is not readable by all."));
            zip.ExtractToDirectory(unpacked);
            File.SetUnixFileMode(Path.Combine(unpacked, "bin", "Serverless.Functions"), (UnixFileMode)Executable);
        }

        var port = Azurite.FreePort();
        var start = new ProcessStartInfo(Path.Combine(unpacked, "bin", "Serverless.Functions"))
        {
            WorkingDirectory = Path.Combine(unpacked, "bin"), // host.json's workingDirectory
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["FUNCTIONS_CUSTOMHANDLER_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["AzureWebJobsStorage"] = await Azurite.ConnectionStringAsync();
        start.Environment["STORAGE_NAME_PREFIX"] = "zip" + Guid.NewGuid().ToString("N")[..8];
        start.Environment["ENCRYPTION_KEY"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        foreach (var name in new[] { "PORT", "BOOTSTRAP_ADMIN_EMAIL", "BOOTSTRAP_ADMIN_API_KEY", "DOTNET_ROOT" })
        {
            start.Environment.Remove(name);
        }
        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var (index, elapsed) = await HostingTests.FirstIndexAsync(port, process, stopwatch);
            Assert.True(index is not null, process.HasExited ? $"The packaged executable exited with {process.ExitCode}." : "The packaged executable did not answer GET / in 30 s.");
            Assert.Equal("serverless-ops-backend", index["name"]!.GetValue<string>());
            Assert.True(elapsed < TimeSpan.FromSeconds(10), $"GET / first answered after {elapsed.TotalSeconds:0.0} s; the host gives up at 30 s.");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
        }
    }

    private static async Task PublishAsync()
    {
        var start = new ProcessStartInfo(Path.Combine(Azurite.RepositoryRoot, "scripts", "publish.sh"))
        {
            WorkingDirectory = Azurite.RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"scripts/publish.sh failed:\n{await stdout}\n{await stderr}");
    }
}

/// <summary>
/// Tests that time a start-up run here, after the parallel ones, so that a dozen apps starting beside them do not
/// measure the machine instead of the app.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class Alone
{
    public const string Name = "Alone";
}
