using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Functions.StatusPage.Notifications;
using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests.StatusPage.Notifications;

/// <summary>The mailer against a real SMTP server (the sink), so what is checked is what goes over the wire.</summary>
public sealed class MailerTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static Mailer MailerFor(IEnumerable<KeyValuePair<string, string?>> settings) =>
        new(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), NullLogger<Mailer>.Instance);

    [Fact]
    public async Task ANonAsciiSubjectAndABodyWithLeadingDotsArriveExactly()
    {
        await using var sink = await SmtpSink.StartAsync();
        var mailer = MailerFor(sink.Settings);
        // Long enough that the encoded subject folds over several encoded-words, and the body's long line over soft breaks.
        // The text's own line breaks are line breaks on the wire, so these leading dots start wire lines and are doubled.
        const string subject = "Störung behoben: Zahlungs-API wieder verfügbar — Ελληνικά, 日本語 und ein 🚑 am Ende";
        var body = string.Join("\n",
            "Hallo,",
            "",
            ".a line that starts with a dot",
            ".",
            "..two dots",
            "Grüße vom Status-Team — " + new string('x', 100) + " = the end",
            "trailing spaces   ");

        Assert.True(mailer.IsConfigured);
        await mailer.SendAsync("subscriber@example.com", subject, body);

        var message = await sink.WaitForAsync(m => m.To.Contains("subscriber@example.com"), Wait);
        Assert.Equal(subject, message.Subject);
        Assert.Equal(body, message.Body);
        Assert.Null(message.Html);
        Assert.Equal(Mailer.DefaultFrom, message.From);
        Assert.Equal(["subscriber@example.com"], message.To);
        Assert.Null(message.AuthenticatedUser);
        Assert.Contains("quoted-printable", message.Headers["Content-Transfer-Encoding"], StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Störung", message.Data, StringComparison.Ordinal);
        Assert.Contains("\r\n..two dots\r\n", message.Data, StringComparison.Ordinal);
    }

    /// <summary>
    /// Quoted-printable wraps a long line with soft breaks, so a dot the text has mid-line can start a line on the wire;
    /// it must reach the server doubled, or a lone one would end the message early. Line lengths around the encoder's
    /// limit put the dot at the start of a wire line whatever column the encoder wraps at.
    /// </summary>
    [Theory]
    [InlineData(".")]
    [InlineData(".hidden")]
    [InlineData(". and on")]
    public async Task DotsThatQuotedPrintableWrapsToTheStartOfALineSurvive(string after)
    {
        await using var sink = await SmtpSink.StartAsync();
        var mailer = MailerFor(sink.Settings);
        var bodies = Enumerable.Range(60, 20).Select(before => new string('x', before) + after).ToList();

        foreach (var (body, i) in bodies.Select((body, i) => (body, i)))
        {
            await mailer.SendAsync("dots@example.com", $"Dots {i}", body);
        }

        var messages = sink.Messages;
        Assert.Equal(bodies, messages.OrderBy(m => int.Parse(m.Subject[5..], System.Globalization.CultureInfo.InvariantCulture)).Select(m => m.Body));
        Assert.Contains(messages, m => m.Data.Contains("=\r\n.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnHtmlAlternativeTheSenderAndCredentialsAreUsed()
    {
        await using var sink = await SmtpSink.StartAsync();
        var mailer = MailerFor(sink.Settings.Concat(new Dictionary<string, string?>
        {
            [Mailer.FromSetting] = "Acme Status <status@acme.example>",
            [Mailer.UsernameSetting] = "mailer-user",
            [Mailer.PasswordSetting] = "s3cret",
        }));
        const string html = "<p>Alles <b>grün</b> — wieder.</p>\n<p>.dot</p>";

        await mailer.SendAsync("ops@example.com", "Resolved", "Alles grün.", html);

        var message = Assert.Single(sink.Messages);
        Assert.Equal("status@acme.example", message.From);
        Assert.Equal("mailer-user", message.AuthenticatedUser);
        Assert.Equal("Resolved", message.Subject);
        Assert.Equal("Alles grün.", message.Body);
        Assert.Equal(html, message.Html);
        Assert.StartsWith("multipart/alternative", message.Headers["Content-Type"], StringComparison.Ordinal);
        Assert.Contains("Acme Status", message.Headers["From"], StringComparison.Ordinal);
    }

    /// <summary>SMTP_ENABLE_SSL asks for STARTTLS; a server that does not offer it gets nothing, not a clear-text copy.</summary>
    [Fact]
    public async Task WithSslEnabledAServerWithoutStartTlsIsRefusedRatherThanSentToInClearText()
    {
        await using var sink = await SmtpSink.StartAsync();
        var mailer = MailerFor(sink.Settings.Append(new(Mailer.EnableSslSetting, "true")));

        await Assert.ThrowsAsync<NotSupportedException>(() => mailer.SendAsync("tls@example.com", "Secret", "body"));
        Assert.Empty(sink.Messages);
    }

    [Fact]
    public async Task WithoutSmtpHostTheMailerIsNotConfiguredAndRefusesToSend()
    {
        var mailer = MailerFor(new Dictionary<string, string?> { [Mailer.PortSetting] = "2525" });

        Assert.False(mailer.IsConfigured);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => mailer.SendAsync("a@example.com", "s", "b"));
        Assert.Contains(Mailer.HostSetting, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Mailer.PortSetting, "smtp")]
    [InlineData(Mailer.PortSetting, "70000")]
    [InlineData(Mailer.EnableSslSetting, "yes please")]
    public async Task AMalformedSettingIsNamedWhenSending(string setting, string value)
    {
        var mailer = MailerFor(new Dictionary<string, string?> { [Mailer.HostSetting] = "127.0.0.1", [setting] = value });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => mailer.SendAsync("a@example.com", "s", "b"));
        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SettingsAddedAfterTheMailerIsMadeAreUsed()
    {
        await using var sink = await SmtpSink.StartAsync();
        var configuration = new ConfigurationManager();
        var mailer = new Mailer(configuration, NullLogger<Mailer>.Instance);
        Assert.False(mailer.IsConfigured);

        configuration.AddInMemoryCollection(sink.Settings);

        Assert.True(mailer.IsConfigured);
        await mailer.SendAsync("late@example.com", "Late", "Configured later.");
        Assert.Equal("Configured later.", (await sink.WaitForAsync(m => m.Subject == "Late", Wait)).Body);
    }

    [Fact]
    public async Task WaitingForMailThatNeverComesSaysWhatDidCome()
    {
        await using var sink = await SmtpSink.StartAsync();
        await MailerFor(sink.Settings).SendAsync("x@example.com", "Something else", "body");

        // The server stored the message before it acknowledged it, so no time need pass for the wait to know what came.
        var error = await Assert.ThrowsAsync<TimeoutException>(() => sink.WaitForAsync(m => m.Subject == "Never", TimeSpan.Zero));
        Assert.Contains("Something else", error.Message, StringComparison.Ordinal);
    }
}
