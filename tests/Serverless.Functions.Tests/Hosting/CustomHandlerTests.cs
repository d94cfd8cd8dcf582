using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Serverless.Functions.Hosting;

namespace Serverless.Functions.Tests.Hosting;

public sealed class CustomHandlerTests
{
    [Theory]
    [InlineData(null, null, "http://127.0.0.1:7071")]
    [InlineData(null, "8080", "http://127.0.0.1:8080")]
    [InlineData("40123", "8080", "http://127.0.0.1:40123")]
    public void ListenAddressFollowsTheMode(string? hostPort, string? port, string expected)
    {
        var configuration = Settings(hostPort, port);
        Assert.Equal(expected, CustomHandler.ListenUrl(configuration));
        Assert.Equal(hostPort is null ? HostingMode.Standalone : HostingMode.FunctionsHost, CustomHandler.ModeOf(configuration));
    }

    [Theory]
    [InlineData(null, "http")]
    [InlineData(null, "70000")]
    [InlineData("0", null)]
    public void ABadPortStopsStartWithAClearMessage(string? hostPort, string? port)
    {
        var error = Assert.Throws<InvalidOperationException>(() => CustomHandler.ListenUrl(Settings(hostPort, port)));
        Assert.Contains("PORT", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnresolvedKeyVaultReferenceIsNamedAndRefused()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ENCRYPTION_KEY"] = "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2U=",
            ["BOOTSTRAP_ADMIN_API_KEY"] = "@Microsoft.KeyVault(VaultName=kv-abc;SecretName=bootstrap-admin-api-key)",
            ["OTHER"] = " @microsoft.appconfiguration(Endpoint=https://x.azconfig.io; Key=k)",
        }).Build();
        var error = Assert.Throws<InvalidOperationException>(() => Serverless.Functions.Hosting.Settings.RefuseUnresolvedReferences(configuration));
        Assert.Contains("BOOTSTRAP_ADMIN_API_KEY, OTHER", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("kv-abc", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Right after provisioning the host may pass the reference text itself: the executable stops instead of making it a key.</summary>
    [Fact]
    public async Task TheExecutableStopsOnAnUnresolvedReferenceInsteadOfUsingIt()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "Serverless.Functions.dll") },
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["PORT"] = Infrastructure.Azurite.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["AzureWebJobsStorage"] = "UseDevelopmentStorage=true";
        start.Environment["ENCRYPTION_KEY"] = Convert.ToBase64String(new byte[32]);
        start.Environment["BOOTSTRAP_ADMIN_EMAIL"] = "admin@example.com";
        start.Environment["BOOTSTRAP_ADMIN_API_KEY"] = "@Microsoft.KeyVault(VaultName=kv-abc;SecretName=bootstrap-admin-api-key)";
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        Assert.NotEqual(0, process.ExitCode);
        var output = await stderr + await stdout;
        Assert.Contains("unresolved Key Vault references: BOOTSTRAP_ADMIN_API_KEY", output, StringComparison.Ordinal);
    }

    private static IConfiguration Settings(string? hostPort, string? port) => new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?>
        {
            [CustomHandler.HostPortSetting] = hostPort,
            [CustomHandler.PortSetting] = port,
        })
        .Build();
}
