using System.Globalization;
using System.Text;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using MimeKit.Text;

namespace Serverless.Functions.StatusPage.Notifications;

/// <summary>
/// Sends the status page's subscriber notifications over SMTP. The settings are read at each send, not at registration:
/// settings a test host adds (WebApplicationFactory's UseSetting) only exist once the app is built, and an operator's
/// change to them needs no restart where configuration reloads.
/// </summary>
public sealed class Mailer(IConfiguration configuration, ILogger<Mailer> logger)
{
    public const string HostSetting = "SMTP_HOST";
    public const string PortSetting = "SMTP_PORT";
    public const string FromSetting = "SMTP_FROM";
    public const string UsernameSetting = "SMTP_USERNAME";
    public const string PasswordSetting = "SMTP_PASSWORD";
    public const string EnableSslSetting = "SMTP_ENABLE_SSL";

    public const int DefaultPort = 25;
    public const string DefaultFrom = "status@localhost";

    // The whole exchange, from connecting to QUIT: the client's own Timeout covers one read or write at a time, so a
    // server that answers slowly but steadily would otherwise hold a notification job for as long as it likes.
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Without <c>SMTP_HOST</c> nothing is sent: callers record the notification and skip the mail.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(configuration[HostSetting]);

    /// <summary>
    /// Sends one message to <paramref name="to"/>: <paramref name="textBody"/> as text/plain, and when given
    /// <paramref name="htmlBody"/> as its text/html alternative. Throws <see cref="InvalidOperationException"/> when
    /// SMTP is not configured or a setting is malformed, <see cref="FormatException"/> (MimeKit's
    /// <see cref="ParseException"/>) for a malformed address, <see cref="SmtpCommandException"/> when the server
    /// refuses, and <see cref="TimeoutException"/> when it stalls.
    /// </summary>
    public async Task SendAsync(string to, string subject, string textBody, string? htmlBody = null, CancellationToken cancellationToken = default)
    {
        var host = configuration[HostSetting];
        if (string.IsNullOrWhiteSpace(host))
        {
            throw new InvalidOperationException($"Mail cannot be sent: {HostSetting} is not set.");
        }
        var port = Port();
        // No TLS, or STARTTLS that must succeed: never Auto, which would quietly send in clear text to a server that
        // does not offer STARTTLS when the operator asked for TLS.
        var security = EnableSsl() ? SecureSocketOptions.StartTls : SecureSocketOptions.None;
        var from = configuration[FromSetting];
        var username = configuration[UsernameSetting];

        using var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(string.IsNullOrWhiteSpace(from) ? DefaultFrom : from));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        var text = Text(TextFormat.Plain, textBody);
        message.Body = htmlBody is null ? text : new MultipartAlternative { text, Text(TextFormat.Html, htmlBody) };

        using var client = new SmtpClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(SendTimeout);
        try
        {
            await client.ConnectAsync(host, port, security, timeout.Token);
            if (!string.IsNullOrEmpty(username))
            {
                await client.AuthenticateAsync(username, configuration[PasswordSetting] ?? "", timeout.Token);
            }
            await client.SendAsync(message, timeout.Token);
            await client.DisconnectAsync(quit: true, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The SMTP server {host}:{port} did not take the message within {SendTimeout.TotalSeconds:0} s.");
        }
        logger.LogInformation("Sent mail {Subject} through {SmtpHost}:{SmtpPort}", subject, host, port);
    }

    private static TextPart Text(TextFormat format, string body)
    {
        // Mostly-ASCII notices stay readable in the raw message, where base64 would not.
        var part = new TextPart(format) { ContentTransferEncoding = ContentEncoding.QuotedPrintable };
        // Callers write \n; a text part's canonical line break, which the recipient decodes, is CRLF (RFC 2046).
        part.SetText(Encoding.UTF8, body.ReplaceLineEndings("\r\n"));
        return part;
    }

    private int Port()
    {
        var value = configuration[PortSetting];
        if (string.IsNullOrWhiteSpace(value))
        {
            return DefaultPort;
        }
        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535
            ? port
            : throw new InvalidOperationException($"{PortSetting} must be a TCP port number (1-65535), not '{value}'.");
    }

    private bool EnableSsl()
    {
        var value = configuration[EnableSslSetting];
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }
        return bool.TryParse(value, out var enabled)
            ? enabled
            : throw new InvalidOperationException($"{EnableSslSetting} must be true or false, not '{value}'.");
    }
}
