using MimeKit;

namespace Serverless.Functions.Identity;

/// <summary>What the APIs accept as an e-mail address: one bare address with a dotted domain, exactly as written.</summary>
public static class EmailAddresses
{
    // MimeKit otherwise takes a lone local part ("nope") as an address on the local host.
    private static readonly ParserOptions Bare = WithoutLocalAddresses();

    /// <summary>
    /// True when <paramref name="value"/> parses as one mailbox whose address is the whole text, so a display name,
    /// angle brackets, comments or surrounding spaces are refused. A punycode domain counts as written, since MimeKit
    /// gives the address back with its domain decoded.
    /// </summary>
    public static bool IsValid(string value) =>
        MailboxAddress.TryParse(Bare, value, out var mailbox)
        && (mailbox.Address == value || mailbox.GetAddress(idnEncode: true) == value)
        && value.Contains('.', StringComparison.Ordinal);

    private static ParserOptions WithoutLocalAddresses()
    {
        var options = ParserOptions.Default.Clone();
        options.AllowAddressesWithoutDomain = false;
        return options;
    }
}
