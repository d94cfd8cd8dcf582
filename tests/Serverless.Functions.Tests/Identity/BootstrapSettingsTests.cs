using Microsoft.Extensions.Configuration;
using Serverless.Functions.Identity;

namespace Serverless.Functions.Tests.Identity;

public sealed class BootstrapSettingsTests
{
    [Theory]
    [InlineData("admin@example.com", null)]
    [InlineData(null, "0123456789abcdef0123456789abcdef")]
    [InlineData("not-an-email", "0123456789abcdef0123456789abcdef")]
    [InlineData("admin@example.com", "short")]
    [InlineData("admin@example.com", "0123456789abcdef 0123456789abcdef")]
    public void BadBootstrapSettingsStopTheAppWithAClearMessage(string? email, string? key)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [Bootstrap.EmailSetting] = email, [Bootstrap.KeySetting] = key })
            .Build();
        var error = Assert.Throws<InvalidOperationException>(() => BootstrapSettings.From(configuration));
        Assert.Contains("BOOTSTRAP_ADMIN", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABootstrapEmailLongerThanAnSmtpPathAllowsIsRefused() =>
        Assert.False(BootstrapSettings.IsEmail(new string('a', 250) + "@b.co"));
}
