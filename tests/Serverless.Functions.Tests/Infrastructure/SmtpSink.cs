using System.Buffers;
using System.Net;
using System.Text;
using MimeKit;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.ComponentModel;
using SmtpServer.Mail;
using SmtpServer.Net;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Serverless.Functions.Tests.Infrastructure;

/// <summary>
/// One message as the sink received it. <see cref="Data"/> is the raw message after dot-unstuffing; <see cref="Subject"/>
/// has its RFC 2047 encoded-words decoded; <see cref="Body"/> and <see cref="Html"/> are the text/plain and text/html
/// bodies with their transfer encoding and charset decoded, CRLF line breaks as "\n", and no line breaks at the end.
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
/// A real SMTP server (the SmtpServer package) on a free 127.0.0.1 port that accepts every message, and any AUTH
/// credentials, and keeps it parsed by MimeKit, so tests check what the product's mailer really puts on the wire.
/// No TLS: it offers no STARTTLS.
/// </summary>
public sealed class SmtpSink : MessageStore, IAsyncDisposable
{
    private readonly List<SmtpMessage> messages = [];
    private readonly List<(Func<SmtpMessage, bool> Match, TaskCompletionSource<SmtpMessage> Found)> waiters = [];
    private readonly CancellationTokenSource stopping = new();
    private SmtpServer.SmtpServer? server;
    private Task running = Task.CompletedTask;

    private SmtpSink()
    {
    }

    public string Host => "127.0.0.1";

    public int Port { get; private set; }

    /// <summary>The settings that point <c>Mailer</c> here, for UseSetting or an in-memory configuration.</summary>
    public IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["SMTP_HOST"] = Host,
        ["SMTP_PORT"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Points the app a fixture hosts at this sink.</summary>
    public void Configure(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
    {
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
    }

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

    /// <summary>Listens on port 0, so the system picks a free port, and returns once the port is known.</summary>
    public static async Task<SmtpSink> StartAsync()
    {
        var sink = new SmtpSink();
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(endpoint => endpoint
                .Endpoint(new IPEndPoint(IPAddress.Loopback, 0))
                // The mailer's AUTH is under test, and there is no TLS here for it to wait for.
                .AllowUnsecureAuthentication())
            .Build();
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var listeners = new EndpointListenerFactory();
        listeners.EndpointStarted += (_, e) => listening.TrySetResult(((IPEndPoint)e.LocalEndPoint).Port);
        var services = new ServiceProvider();
        services.Add(listeners);
        services.Add(sink);
        services.Add(new DelegatingUserAuthenticator((_, _) => true));
        sink.server = new SmtpServer.SmtpServer(options, services);
        sink.running = sink.server.StartAsync(sink.stopping.Token);
        // A failure to listen ends StartAsync before any endpoint starts; without this the wait below would hang.
        var started = await Task.WhenAny(listening.Task, sink.running);
        if (started != listening.Task)
        {
            await sink.running;
            throw new InvalidOperationException("The SMTP sink stopped before it listened.");
        }
        sink.Port = await listening.Task;
        return sink;
    }

    public override Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer,
        CancellationToken cancellationToken)
    {
        var data = buffer.ToArray();
        using var parsed = MimeMessage.Load(new MemoryStream(data), cancellationToken);
        // MimeKit keeps the Content-* fields with the body they describe; on the wire they are the message's own.
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in parsed.Headers.Concat(parsed.Body?.Headers ?? []))
        {
            headers.TryAdd(header.Field, header.Value);
        }
        Received(new SmtpMessage(
            transaction.From.AsAddress(),
            [.. transaction.To.Select(to => to.AsAddress())],
            Encoding.UTF8.GetString(data),
            parsed.Subject ?? "",
            Text(parsed.TextBody) ?? "",
            Text(parsed.HtmlBody),
            headers,
            context.Authentication.IsAuthenticated ? context.Authentication.User : null));
        return Task.FromResult(SmtpResponse.Ok);
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
        try
        {
            await running;
        }
        catch (OperationCanceledException)
        {
            // Stopping is how the server's run ends.
        }
        if (server is not null)
        {
            await server.ShutdownTask;
        }
        stopping.Dispose();
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

    // Senders end a body with line breaks of their own, which are not the text's.
    private static string? Text(string? body) => body?.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n');
}
