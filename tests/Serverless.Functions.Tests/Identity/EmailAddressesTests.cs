using Serverless.Functions.Identity;

namespace Serverless.Functions.Tests.Identity;

public sealed class EmailAddressesTests
{
    [Theory]
    [InlineData("a@b.co")]
    [InlineData("user+tag@example.com")]
    [InlineData("\"a b\"@example.com")]
    [InlineData("ä@bü.de")]
    [InlineData("a@xn--bcher-kva.example")]
    [InlineData("a@[127.0.0.1]")]
    public void ABareAddressWithADottedDomainIsAnEmail(string value) => Assert.True(EmailAddresses.IsValid(value));

    [Theory]
    [InlineData("nope")]
    [InlineData("nope.x")]
    [InlineData("a@localhost")]
    [InlineData("Name <a@b.co>")]
    [InlineData("<a@b.co>")]
    [InlineData("a@b.co, c@d.co")]
    [InlineData(" a@b.co")]
    [InlineData("a@b.co ")]
    [InlineData("a(comment)@b.co")]
    [InlineData("a..b@example.com")]
    [InlineData("a@@b.co")]
    [InlineData("a b@c.co")]
    public void AnythingButOneBareAddressIsNot(string value) => Assert.False(EmailAddresses.IsValid(value));
}
