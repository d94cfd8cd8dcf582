using System.Diagnostics;
using System.Reflection;
using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests.Hosting;

/// <summary>
/// infra/ compiles and lints with no diagnostics at all. Bicep exits 0 on warnings, so the output is checked too:
/// an unknown property or API version is only a warning, and would otherwise reach a deploy unnoticed.
/// </summary>
public sealed class InfraTests
{
    private static readonly string Bicep = typeof(InfraTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "BicepPath").Value!;

    [Theory]
    [InlineData("build", "--stdout")]
    [InlineData("lint")]
    public async Task MainBicepHasNoDiagnostics(string command, string? option = null)
    {
        var start = new ProcessStartInfo(Bicep)
        {
            ArgumentList = { command, Path.Combine(Azurite.RepositoryRoot, "infra", "main.bicep") },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (option is not null)
        {
            start.ArgumentList.Add(option);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        await stdout;
        Assert.True(process.ExitCode == 0 && !stderr.Contains(" : Warning ", StringComparison.Ordinal) && !stderr.Contains(" : Error ", StringComparison.Ordinal),
            $"bicep {command} reported:\n{stderr}");
    }
}
