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

    private static IConfiguration Settings(string? hostPort, string? port) => new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?>
        {
            [CustomHandler.HostPortSetting] = hostPort,
            [CustomHandler.PortSetting] = port,
        })
        .Build();
}
