using System.Text.Json.Nodes;
using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests.Hosting;

public sealed class HostJsonTests
{
    [Fact]
    public void HostJsonConfiguresTheCustomHandler()
    {
        var host = JsonNode.Parse(File.ReadAllText(Path.Combine(Azurite.RepositoryRoot, "host.json")))!;
        Assert.Equal("2.0", host["version"]!.GetValue<string>());
        Assert.Equal("bin/Serverless.Functions", host["customHandler"]!["description"]!["defaultExecutablePath"]!.GetValue<string>());
        Assert.True(host["customHandler"]!["enableForwardingHttpRequest"]!.GetValue<bool>());
        Assert.True(host["customHandler"]!["enableProxyingHttpRequest"]!.GetValue<bool>());
        Assert.Equal("", host["extensions"]!["http"]!["routePrefix"]!.GetValue<string>());
    }
}
