using System.Globalization;
using System.Net;
using System.Net.Mail;
using System.Net.Mime;
using System.Text;

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

    // SmtpClient's own Timeout covers only the synchronous Send; a server that accepts the connection and then stalls
    // would otherwise hold a notification job forever.
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Without <c>SMTP_HOST</c> nothing is sent: callers record the notification and skip the mail.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(configuration[HostSetting]);

    /// <summary>
    /// Sends one message to <paramref name="to"/>: <paramref name="textBody"/> as text/plain, and when given
    /// <paramref name="htmlBody"/> as its text/html alternative. Throws <see cref="InvalidOperationException"/> when
    /// SMTP is not configured or a setting is malformed, <see cref="FormatException"/> for a malformed address,
    /// <see cref="SmtpException"/> when the server refuses, and <see cref="TimeoutException"/> when it stalls.
    /// </summary>
    public async Task SendAsync(string to, string subject, string textBody, string? htmlBody = null, CancellationToken cancellationToken = default)
    {
        var host = configuration[HostSetting];
        if (string.IsNullOrWhiteSpace(host))
        {
            throw new InvalidOperationException($"Mail cannot be sent: {HostSetting} is not set.");
        }
        var port = Port();
        var enableSsl = EnableSsl();
        var from = configuration[FromSetting];
        var username = configuration[UsernameSetting];

        using var message = new MailMessage(new MailAddress(string.IsNullOrWhiteSpace(from) ? DefaultFrom : from), new MailAddress(to))
        {
            Subject = subject,
            SubjectEncoding = Encoding.UTF8,
            // Callers write \n; text/plain's canonical line break, which the recipient decodes, is CRLF (RFC 2046).
            Body = textBody.ReplaceLineEndings("\r\n"),
            BodyEncoding = Encoding.UTF8,
            // Mostly-ASCII notices stay readable in the raw message, where base64 (the UTF-8 default) would not.
            BodyTransferEncoding = TransferEncoding.QuotedPrintable,
        };
        if (htmlBody is not null)
        {
            var html = AlternateView.CreateAlternateViewFromString(htmlBody.ReplaceLineEndings("\r\n"), Encoding.UTF8, MediaTypeNames.Text.Html);
            html.TransferEncoding = TransferEncoding.QuotedPrintable;
            message.AlternateViews.Add(html);
        }

        using var client = new SmtpClient(host, port)
        {
            DeliveryMethod = SmtpDeliveryMethod.Network,
            EnableSsl = enableSsl,
            Credentials = string.IsNullOrEmpty(username) ? null : new NetworkCredential(username, configuration[PasswordSetting] ?? ""),
        };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(SendTimeout);
        try
        {
            await client.SendMailAsync(message, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The SMTP server {host}:{port} did not take the message within {SendTimeout.TotalSeconds:0} s.");
        }
        logger.LogInformation("Sent mail {Subject} through {SmtpHost}:{SmtpPort}", subject, host, port);
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
