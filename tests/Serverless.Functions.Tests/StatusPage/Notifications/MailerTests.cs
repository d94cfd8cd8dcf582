using System.Net.Sockets;
using System.Text;
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
        // SmtpClient's quoted-printable sends line breaks as =0D=0A, so these leading dots stay mid-line on the wire; the
        // test below puts one at the start of a wire line.
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
    }

    /// <summary>
    /// SmtpClient's quoted-printable wraps the body's first line after 65 characters, so a dot the text has mid-line
    /// starts a line on the wire; it must reach the server doubled, or a lone one would end the message early.
    /// </summary>
    [Theory]
    [InlineData(65, ".")]
    [InlineData(65, ".hidden")]
    [InlineData(65, ". and on")]
    public async Task DotsThatQuotedPrintableWrapsToTheStartOfALineSurvive(int before, string after)
    {
        await using var sink = await SmtpSink.StartAsync();
        var body = new string('x', before) + after;

        await MailerFor(sink.Settings).SendAsync("dots@example.com", "Dots", body);

        var message = await sink.WaitForAsync(m => m.Subject == "Dots", Wait);
        Assert.Equal(body, message.Body);
        Assert.Contains("=\r\n.", message.Data, StringComparison.Ordinal);
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

    /// <summary>The sink's own dialogue, spoken by hand: what SmtpClient never sends (RSET, NOOP, HELO, AUTH PLAIN).</summary>
    [Fact]
    public async Task TheSinkSpeaksSmtpAndUndoesDotStuffing()
    {
        await using var sink = await SmtpSink.StartAsync();
        using var client = new TcpClient();
        await client.ConnectAsync(sink.Host, sink.Port);
        using var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII);

        async Task<string> SendAsync(string line)
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n"));
            return (await reader.ReadLineAsync())!;
        }

        Assert.StartsWith("220 ", await reader.ReadLineAsync());
        Assert.StartsWith("250 ", await SendAsync("HELO tester"));
        Assert.StartsWith("503 ", await SendAsync("RCPT TO:<early@example.com>"));
        Assert.StartsWith("235 ", await SendAsync("AUTH PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes("\0hand\0pw"))));
        Assert.StartsWith("250 ", await SendAsync("MAIL FROM:<dropped@example.com>"));
        Assert.StartsWith("250 ", await SendAsync("RCPT TO:<dropped@example.com>"));
        Assert.StartsWith("250 ", await SendAsync("RSET"));
        Assert.StartsWith("503 ", await SendAsync("DATA"));
        Assert.StartsWith("250 ", await SendAsync("NOOP"));
        Assert.StartsWith("502 ", await SendAsync("STARTTLS"));
        Assert.StartsWith("250 ", await SendAsync("MAIL FROM:<me@example.com> SIZE=100"));
        Assert.StartsWith("250 ", await SendAsync("RCPT TO:<you@example.com>"));
        Assert.StartsWith("250 ", await SendAsync("RCPT TO:<them@example.com>"));
        Assert.StartsWith("354 ", await SendAsync("DATA"));
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            "Subject: =?utf-8?Q?Gr=C3=BC=C3=9Fe_aus?= =?utf-8?B?S8O2bG4=?=\r\n\r\n..leading dot\r\n...\r\nlast\r\n.\r\n"));
        Assert.StartsWith("250 ", await reader.ReadLineAsync());
        Assert.StartsWith("221 ", await SendAsync("QUIT"));

        var message = Assert.Single(sink.Messages);
        Assert.Equal("me@example.com", message.From);
        Assert.Equal(["you@example.com", "them@example.com"], message.To);
        Assert.Equal("Grüße ausKöln", message.Subject);
        Assert.Equal(".leading dot\n..\nlast", message.Body);
        Assert.Equal("hand", message.AuthenticatedUser);
    }

    [Fact]
    public async Task WaitingForMailThatNeverComesSaysWhatDidCome()
    {
        await using var sink = await SmtpSink.StartAsync();
        await MailerFor(sink.Settings).SendAsync("x@example.com", "Something else", "body");

        var error = await Assert.ThrowsAsync<TimeoutException>(() => sink.WaitForAsync(m => m.Subject == "Never", TimeSpan.FromMilliseconds(300)));
        Assert.Contains("Something else", error.Message, StringComparison.Ordinal);
    }
}
