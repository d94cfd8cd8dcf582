using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;
using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests.Hosting;

/// <summary>
/// infra/ compiles and lints with no diagnostics at all. Bicep exits 0 on warnings, so the output is checked too:
/// an unknown property or API version is only a warning, and would otherwise reach a deploy unnoticed.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // the scripts are checked for their run bit
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

    /// <summary>The siteConfig properties Flex Consumption accepts; any other (ftpsState, alwaysOn, linuxFxVersion, …) fails the deploy.</summary>
    private static readonly string[] FlexSiteConfig = ["minTlsVersion", "cors", "http20Enabled"];

    /// <summary>App settings Flex Consumption rejects or ignores ("Flex Consumption plan deprecations").</summary>
    private static readonly string[] NotOnFlex =
    [
        "FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_EXTENSION_VERSION", "WEBSITE_RUN_FROM_PACKAGE", "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
        "WEBSITE_CONTENTSHARE", "SCM_DO_BUILD_DURING_DEPLOYMENT", "ENABLE_ORYX_BUILD", "WEBSITE_TIME_ZONE", "TZ", "AzureWebJobsStorage",
    ];

    [Fact]
    public async Task TheSiteSetsNothingFlexConsumptionRejects()
    {
        var template = await CompiledAsync();
        var site = Resources(template).Single(r => r["type"]!.GetValue<string>() == "Microsoft.Web/sites");
        var siteConfig = site["properties"]!["siteConfig"]!.AsObject();
        Assert.All(siteConfig.Select(p => p.Key), key => Assert.Contains(key, FlexSiteConfig));
        // The settings compile to an ARM expression, union(createObject('NAME', value, …), …), in which each name is quoted.
        var properties = Resources(template).Single(r => r["type"]!.GetValue<string>() == "Microsoft.Web/sites/config")["properties"]!;
        var settings = properties is JsonValue expression ? expression.GetValue<string>() : properties.ToJsonString().Replace('"', '\'');
        Assert.All(NotOnFlex, name => Assert.DoesNotContain($"'{name}'", settings, StringComparison.Ordinal));
        Assert.All(new[] { "APPLICATIONINSIGHTS_CONNECTION_STRING", "PUBLIC_BASE_URL", "ENCRYPTION_KEY", "INCIDENT_TOKEN_SIGNING_KEY" },
            name => Assert.Contains($"'{name}'", settings, StringComparison.Ordinal));
    }

    /// <summary>A deploy never replaces a key: the secrets are written only when a key is given, and none is by default.</summary>
    [Fact]
    public async Task KeysAreWrittenOnlyWhenGivenSoARedeployKeepsThem()
    {
        var template = await CompiledAsync();
        foreach (var parameter in new[] { "encryptionKey", "tokenSigningKey" })
        {
            Assert.Equal("", template["parameters"]![parameter]!["defaultValue"]!.GetValue<string>());
        }
        var secrets = Resources(template).Where(r => r["type"]!.GetValue<string>() == "Microsoft.KeyVault/vaults/secrets").ToList();
        foreach (var name in new[] { "encryption-key", "incident-token-signing-key" })
        {
            var secret = secrets.Single(s => s["name"]!.ToJsonString().Contains(name, StringComparison.Ordinal));
            Assert.NotNull(secret["condition"]);
        }
        var keys = await File.ReadAllTextAsync(Path.Combine(Azurite.RepositoryRoot, "scripts", "azd-keys.sh"));
        Assert.Contains("az keyvault secret show", keys, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheLocationIsARegionWithFlexConsumption()
    {
        var location = (await CompiledAsync())["parameters"]!["location"]!;
        Assert.Null(location["defaultValue"]); // a resource group's region may lack Flex; azd asks from the list
        var allowed = location["allowedValues"]!.AsArray().Select(v => v!.GetValue<string>()).ToList();
        Assert.Contains("eastus", allowed);
        Assert.DoesNotContain("westindia", allowed);
    }

    /// <summary>azd up provisions and then deploys code, the way Flex accepts a zip, and ends with the smoke test.</summary>
    [Fact]
    public async Task AzdUpDeploysThePackageWithAHook()
    {
        var azure = await File.ReadAllTextAsync(Path.Combine(Azurite.RepositoryRoot, "azure.yaml"));
        Assert.Contains("preprovision:", azure, StringComparison.Ordinal);
        Assert.Contains("run: ./scripts/azd-keys.sh", azure, StringComparison.Ordinal);
        Assert.Contains("postprovision:", azure, StringComparison.Ordinal);
        Assert.Contains("run: ./scripts/azd-deploy.sh", azure, StringComparison.Ordinal);
        var deploy = await File.ReadAllTextAsync(Path.Combine(Azurite.RepositoryRoot, "scripts", "azd-deploy.sh"));
        Assert.Contains("./scripts/publish.sh", deploy, StringComparison.Ordinal);
        Assert.Contains("az functionapp deployment source config-zip", deploy, StringComparison.Ordinal);
        Assert.DoesNotContain("az functionapp deploy ", deploy, StringComparison.Ordinal);
        Assert.Contains("./scripts/smoke.sh", deploy, StringComparison.Ordinal);
        // Every azd value the hook reads is an output of main.bicep.
        var outputs = (await CompiledAsync())["outputs"]!.AsObject().Select(o => o.Key).ToList();
        foreach (var name in new[] { "AZURE_RESOURCE_GROUP", "AZURE_FUNCTION_APP_NAME", "SERVICE_API_URI" })
        {
            Assert.Contains("$" + name, deploy, StringComparison.Ordinal);
            Assert.Contains(name, outputs);
        }
        foreach (var script in new[] { "azd-keys.sh", "azd-deploy.sh", "smoke.sh", "publish.sh" })
        {
            Assert.True((File.GetUnixFileMode(Path.Combine(Azurite.RepositoryRoot, "scripts", script)) & UnixFileMode.UserExecute) != 0, $"scripts/{script} is not executable.");
        }
    }

    [Fact]
    public async Task TheDeployFilesSayWhatEachIsFor()
    {
        var main = await File.ReadAllTextAsync(Path.Combine(Azurite.RepositoryRoot, "infra", "main.bicep"));
        Assert.DoesNotContain("-p infra/main.parameters.json", main, StringComparison.Ordinal);
        Assert.Contains("azd only", main, StringComparison.Ordinal);
        var sample = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Azurite.RepositoryRoot, "local.settings.sample.json")))!["Values"]!.AsObject();
        Assert.Contains("ENCRYPTION_KEY", sample.Select(p => p.Key));
    }

    private static async Task<JsonObject> CompiledAsync()
    {
        var start = new ProcessStartInfo(Bicep)
        {
            ArgumentList = { "build", Path.Combine(Azurite.RepositoryRoot, "infra", "main.bicep"), "--stdout" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, await stderr);
        return JsonNode.Parse(await stdout)!.AsObject();
    }

    /// <summary>Every resource of the template, modules (nested deployments) included.</summary>
    private static IEnumerable<JsonObject> Resources(JsonObject template) =>
        (template["resources"] switch
        {
            JsonArray array => array.OfType<JsonObject>(),
            JsonObject map => map.Select(p => p.Value).OfType<JsonObject>(),
            _ => [],
        }).SelectMany(r => r["type"]?.GetValue<string>() == "Microsoft.Resources/deployments" && r["properties"]?["template"] is JsonObject inner
            ? Resources(inner).Prepend(r)
            : [r]);
}
