using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Serverless.Functions.Tests.Infrastructure;

/// <summary>
/// One message as the sink received it. <see cref="Data"/> is the raw message after dot-unstuffing; <see cref="Subject"/>
/// has its RFC 2047 encoded-words decoded; <see cref="Body"/> and <see cref="Html"/> are the first text/plain and
/// text/html parts with their transfer encoding and charset decoded, CRLF line breaks as "\n", and no line breaks at
/// the end.
/// </summary>
public sealed record SmtpMessage(
    string From,
    IReadOnlyList<string> To,
    string Data,
    string Subject,
    string Body,
    string? Html,
    IReadOnlyDictionary<string, string> Headers,
    string? AuthenticatedUser);

/// <summary>
/// A real SMTP server on a free 127.0.0.1 port that accepts every message (and any AUTH LOGIN or PLAIN credentials) and
/// keeps it, so tests check what the product's mailer really puts on the wire. No TLS: it offers no STARTTLS.
/// </summary>
public sealed partial class SmtpSink : IAsyncDisposable
{
    private readonly TcpListener listener;
    private readonly CancellationTokenSource stopping = new();
    private readonly List<SmtpMessage> messages = [];
    private readonly List<(Func<SmtpMessage, bool> Match, TaskCompletionSource<SmtpMessage> Found)> waiters = [];
    private readonly List<Task> sessions = [];
    private Task? accepting;

    private SmtpSink(TcpListener listener)
    {
        this.listener = listener;
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public string Host => "127.0.0.1";

    public int Port { get; }

    /// <summary>The settings that point <c>Mailer</c> here, for UseSetting or an in-memory configuration.</summary>
    public IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["SMTP_HOST"] = Host,
        ["SMTP_PORT"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Every message received so far, in order of arrival.</summary>
    public IReadOnlyList<SmtpMessage> Messages
    {
        get
        {
            lock (messages)
            {
                return [.. messages];
            }
        }
    }

    public static Task<SmtpSink> StartAsync()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var sink = new SmtpSink(listener);
        sink.accepting = sink.AcceptAsync();
        return Task.FromResult(sink);
    }

    /// <summary>The first message, received already or later, that <paramref name="match"/> accepts.</summary>
    public async Task<SmtpMessage> WaitForAsync(Func<SmtpMessage, bool> match, TimeSpan timeout)
    {
        var found = new TaskCompletionSource<SmtpMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (messages)
        {
            if (messages.FirstOrDefault(match) is { } message)
            {
                return message;
            }
            waiters.Add((match, found));
        }
        try
        {
            return await found.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            lock (messages)
            {
                waiters.RemoveAll(w => w.Found == found);
            }
            var received = Messages.Select(m => $"'{m.Subject}' to {string.Join(", ", m.To)}").DefaultIfEmpty("nothing");
            throw new TimeoutException($"No matching mail arrived within {timeout.TotalSeconds:0.#} s; received: {string.Join("; ", received)}.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        listener.Stop();
        Task[] running;
        lock (sessions)
        {
            running = [.. sessions];
        }
        await Task.WhenAll([accepting ?? Task.CompletedTask, .. running]);
        stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            lock (sessions)
            {
                sessions.RemoveAll(s => s.IsCompleted);
                sessions.Add(ServeAsync(client));
            }
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                await new Session(this, client.GetStream()).RunAsync(stopping.Token);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client hung up, or the sink is stopping: that session's unfinished message is simply dropped.
            }
        }
    }

    private void Received(SmtpMessage message)
    {
        lock (messages)
        {
            messages.Add(message);
            foreach (var waiter in waiters.Where(w => w.Match(message)).ToList())
            {
                waiters.Remove(waiter);
                waiter.Found.TrySetResult(message);
            }
        }
    }

    /// <summary>One connection: the SMTP dialogue of RFC 5321, and AUTH (RFC 4954) that takes any credentials.</summary>
    private sealed class Session(SmtpSink sink, NetworkStream stream)
    {
        private readonly byte[] buffer = new byte[8192];
        private int start;
        private int end;
        private string? from;
        private readonly List<string> to = [];
        private string? user;

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            await ReplyAsync("220 localhost SmtpSink ready", cancellationToken);
            while (await ReadLineAsync(cancellationToken) is { } line)
            {
                var space = line.IndexOf(' ');
                var verb = (space < 0 ? line : line[..space]).ToUpperInvariant();
                var argument = space < 0 ? "" : line[(space + 1)..].Trim();
                switch (verb)
                {
                    case "EHLO":
                        Reset();
                        await ReplyAsync("250-localhost\r\n250-AUTH LOGIN PLAIN\r\n250 HELP", cancellationToken);
                        break;
                    case "HELO":
                        Reset();
                        await ReplyAsync("250 localhost", cancellationToken);
                        break;
                    case "AUTH":
                        await AuthenticateAsync(argument, cancellationToken);
                        break;
                    case "MAIL" when argument.StartsWith("FROM:", StringComparison.OrdinalIgnoreCase):
                        Reset();
                        from = Address(argument[5..]);
                        await ReplyAsync("250 2.1.0 OK", cancellationToken);
                        break;
                    case "RCPT" when argument.StartsWith("TO:", StringComparison.OrdinalIgnoreCase):
                        if (from is null)
                        {
                            await ReplyAsync("503 5.5.1 MAIL first", cancellationToken);
                            break;
                        }
                        to.Add(Address(argument[3..]));
                        await ReplyAsync("250 2.1.5 OK", cancellationToken);
                        break;
                    case "DATA":
                        if (to.Count == 0)
                        {
                            await ReplyAsync("503 5.5.1 RCPT first", cancellationToken);
                            break;
                        }
                        await ReplyAsync("354 End data with <CR><LF>.<CR><LF>", cancellationToken);
                        var data = await ReadDataAsync(cancellationToken);
                        if (data is null)
                        {
                            return;
                        }
                        SmtpMessage message;
                        try
                        {
                            message = Parse(from!, [.. to], data, user);
                        }
                        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
                        {
                            // Refused with the reason, so the sender's SmtpException says what the sink could not decode.
                            Reset();
                            await ReplyAsync($"554 5.6.0 SmtpSink cannot decode the message: {e.Message.ReplaceLineEndings(" ")}", cancellationToken);
                            break;
                        }
                        sink.Received(message);
                        Reset();
                        await ReplyAsync("250 2.0.0 OK queued", cancellationToken);
                        break;
                    case "RSET":
                        Reset();
                        await ReplyAsync("250 2.0.0 OK", cancellationToken);
                        break;
                    case "NOOP":
                        await ReplyAsync("250 2.0.0 OK", cancellationToken);
                        break;
                    case "QUIT":
                        await ReplyAsync("221 2.0.0 Bye", cancellationToken);
                        return;
                    case "MAIL" or "RCPT":
                        await ReplyAsync("501 5.5.4 Syntax error in parameters", cancellationToken);
                        break;
                    default:
                        await ReplyAsync("502 5.5.1 Command not implemented", cancellationToken);
                        break;
                }
            }
        }

        private void Reset()
        {
            from = null;
            to.Clear();
        }

        /// <summary>LOGIN and PLAIN, with or without an initial response; the user name is kept and the password ignored.</summary>
        private async Task AuthenticateAsync(string argument, CancellationToken cancellationToken)
        {
            var parts = argument.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
            var mechanism = parts.Length > 0 ? parts[0].ToUpperInvariant() : "";
            var initial = parts.Length > 1 ? parts[1] : null;
            string? name;
            switch (mechanism)
            {
                case "PLAIN":
                    var plain = initial ?? await ChallengeAsync("", cancellationToken);
                    // authzid NUL authcid NUL password
                    name = Base64(plain)?.Split('\0') is [_, var authcid, _] ? authcid : null;
                    break;
                case "LOGIN":
                    name = Base64(initial ?? await ChallengeAsync("VXNlcm5hbWU6", cancellationToken));
                    await ChallengeAsync("UGFzc3dvcmQ6", cancellationToken);
                    break;
                default:
                    await ReplyAsync("504 5.5.4 Unrecognized authentication type", cancellationToken);
                    return;
            }
            if (name is null)
            {
                await ReplyAsync("501 5.5.2 Cannot decode the credentials", cancellationToken);
                return;
            }
            user = name;
            await ReplyAsync("235 2.7.0 Authentication successful", cancellationToken);
        }

        private async Task<string> ChallengeAsync(string prompt, CancellationToken cancellationToken)
        {
            await ReplyAsync("334 " + prompt, cancellationToken);
            return await ReadLineAsync(cancellationToken) ?? throw new IOException("The client hung up during AUTH.");
        }

        private static string? Base64(string text)
        {
            try
            {
                return Encoding.UTF8.GetString(Convert.FromBase64String(text.Trim()));
            }
            catch (FormatException)
            {
                return null;
            }
        }

        /// <summary>The path inside &lt;…&gt;, without the ESMTP parameters that may follow it (SIZE=, BODY=).</summary>
        private static string Address(string path)
        {
            path = path.Trim();
            var open = path.IndexOf('<');
            var close = path.IndexOf('>');
            return open >= 0 && close > open ? path[(open + 1)..close] : path.Split(' ')[0];
        }

        /// <summary>Lines up to the lone ".", with the leading dot that the client doubled (RFC 5321 §4.5.2) removed.</summary>
        private async Task<string?> ReadDataAsync(CancellationToken cancellationToken)
        {
            var data = new StringBuilder();
            while (await ReadLineAsync(cancellationToken) is { } line)
            {
                if (line == ".")
                {
                    return data.ToString();
                }
                data.Append(line.StartsWith('.') ? line[1..] : line).Append("\r\n");
            }
            return null;
        }

        /// <summary>A line ended by CRLF; a bare CR or LF inside it is kept, as the protocol has it.</summary>
        private async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
        {
            using var line = new MemoryStream();
            while (true)
            {
                for (var i = start; i < end; i++)
                {
                    if (buffer[i] == '\n' && (i > start ? buffer[i - 1] == '\r' : line.Length > 0 && line.GetBuffer()[line.Length - 1] == '\r'))
                    {
                        line.Write(buffer, start, i + 1 - start);
                        start = i + 1;
                        return Encoding.UTF8.GetString(line.GetBuffer(), 0, (int)line.Length - 2);
                    }
                }
                line.Write(buffer, start, end - start);
                start = 0;
                end = await stream.ReadAsync(buffer, cancellationToken);
                if (end == 0)
                {
                    return null;
                }
            }
        }

        private async Task ReplyAsync(string reply, CancellationToken cancellationToken) =>
            await stream.WriteAsync(Encoding.ASCII.GetBytes(reply + "\r\n"), cancellationToken);
    }

    private static SmtpMessage Parse(string from, IReadOnlyList<string> to, string data, string? user)
    {
        var (headers, body) = SplitHeaders(data);
        var (text, html) = TextParts(headers, body);
        return new SmtpMessage(from, to, data, DecodeWords(headers.GetValueOrDefault("Subject", "")), text ?? "", html, headers, user);
    }

    /// <summary>Headers unfolded (RFC 5322 §2.2.3), by case-insensitive name; the body after the first empty line.</summary>
    private static (Dictionary<string, string> Headers, string Body) SplitHeaders(string entity)
    {
        var blank = entity.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = blank < 0 ? entity : entity[..blank];
        var body = blank < 0 ? "" : entity[(blank + 4)..];
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var field in FoldedLine().Replace(head, "$1").Split("\r\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = field.IndexOf(':');
            if (colon > 0)
            {
                headers.TryAdd(field[..colon].Trim(), field[(colon + 1)..].Trim());
            }
        }
        return (headers, body);
    }

    /// <summary>The first text/plain and text/html parts, searching multipart entities depth first.</summary>
    private static (string? Text, string? Html) TextParts(Dictionary<string, string> headers, string body)
    {
        var contentType = headers.GetValueOrDefault("Content-Type", "text/plain");
        var mediaType = contentType.Split(';')[0].Trim().ToLowerInvariant();
        if (mediaType.StartsWith("multipart/", StringComparison.Ordinal))
        {
            var boundary = Parameter(contentType, "boundary") ?? throw new InvalidOperationException($"A multipart message without a boundary: {contentType}");
            string? text = null, html = null;
            foreach (var part in body.Split("--" + boundary).Skip(1))
            {
                if (part.StartsWith("--", StringComparison.Ordinal))
                {
                    break;
                }
                // The delimiter line's own CRLF starts the part, and the CRLF before the next delimiter belongs to it.
                var entity = part.StartsWith("\r\n", StringComparison.Ordinal) ? part[2..] : part;
                entity = entity.EndsWith("\r\n", StringComparison.Ordinal) ? entity[..^2] : entity;
                var (partHeaders, partBody) = SplitHeaders(entity);
                var (partText, partHtml) = TextParts(partHeaders, partBody);
                text ??= partText;
                html ??= partHtml;
            }
            return (text, html);
        }
        if (mediaType is not ("text/plain" or "text/html"))
        {
            return (null, null);
        }
        var charset = Encoding.GetEncoding(Parameter(contentType, "charset") ?? "utf-8");
        var decoded = headers.GetValueOrDefault("Content-Transfer-Encoding", "7bit").ToLowerInvariant() switch
        {
            "base64" => charset.GetString(Convert.FromBase64String(string.Concat(body.Where(c => !char.IsWhiteSpace(c))))),
            "quoted-printable" => charset.GetString(QuotedPrintable(body)),
            _ => body,
        };
        // Senders end the text with line breaks of their own (SmtpClient adds an empty line), which are not the text's.
        decoded = decoded.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n');
        return mediaType == "text/plain" ? (decoded, null) : (null, decoded);
    }

    private static string? Parameter(string headerValue, string name)
    {
        var match = Regex.Match(headerValue, $@";\s*{name}\s*=\s*(?:""([^""]*)""|([^;\s]+))", RegexOptions.IgnoreCase);
        return match.Success ? (match.Groups[1].Success ? match.Groups[1].Value : match.Groups[2].Value) : null;
    }

    /// <summary>RFC 2045 §6.7: "=XX" is a byte, "=" at a line's end is a soft break, and other characters stand for themselves.</summary>
    private static byte[] QuotedPrintable(string text)
    {
        var bytes = new List<byte>(text.Length);
        var literal = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '=')
            {
                continue;
            }
            // Characters other than "=" pass through as they are, in runs, so that raw 8-bit text stays whole.
            bytes.AddRange(Encoding.UTF8.GetBytes(text[literal..i]));
            if (text.AsSpan(i + 1).StartsWith("\r\n"))
            {
                i += 2;
            }
            else if (i + 2 < text.Length && Uri.IsHexDigit(text[i + 1]) && Uri.IsHexDigit(text[i + 2]))
            {
                bytes.Add(Convert.ToByte(text.Substring(i + 1, 2), 16));
                i += 2;
            }
            else
            {
                bytes.Add((byte)'=');
            }
            literal = i + 1;
        }
        bytes.AddRange(Encoding.UTF8.GetBytes(text[literal..]));
        return [.. bytes];
    }

    /// <summary>RFC 2047 encoded-words (=?charset?B|Q?text?=); the white space between two adjacent ones is dropped.</summary>
    private static string DecodeWords(string value) =>
        EncodedWord().Replace(BetweenEncodedWords().Replace(value, "$1"), match =>
        {
            var charset = Encoding.GetEncoding(match.Groups["charset"].Value);
            var text = match.Groups["text"].Value;
            return match.Groups["encoding"].Value.ToUpperInvariant() == "B"
                ? charset.GetString(Convert.FromBase64String(text))
                : charset.GetString(QuotedPrintable(text.Replace('_', ' ')));
        });

    [GeneratedRegex(@"\r\n([ \t])")]
    private static partial Regex FoldedLine();

    [GeneratedRegex(@"(=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=)\s+(?==\?[^?\s]+\?[BbQq]\?[^?\s]*\?=)")]
    private static partial Regex BetweenEncodedWords();

    [GeneratedRegex(@"=\?(?<charset>[^?\s]+)\?(?<encoding>[BbQq])\?(?<text>[^?\s]*)\?=")]
    private static partial Regex EncodedWord();
}
