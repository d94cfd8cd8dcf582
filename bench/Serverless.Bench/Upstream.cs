using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Serverless.Bench;

/// <summary>
/// A local upstream for the operations: <c>/fast?n=…</c> answers at once, <c>/slow?n=…</c> after
/// <see cref="SlowDelay"/>; each arrival's time is kept by <c>n</c>, so the time from the 202 to the worker's call
/// (the pick-up) is measured where it happens.
/// </summary>
public sealed class Upstream : IDisposable
{
    public static readonly TimeSpan SlowDelay = TimeSpan.FromSeconds(2);

    private readonly HttpListener listener = new();

    public Upstream(int port)
    {
        Port = port;
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        _ = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (HttpListenerException)
                {
                    return;
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
                _ = Task.Run(async () =>
                {
                    if (int.TryParse(context.Request.QueryString["n"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
                    {
                        Arrivals.TryAdd(n, Stopwatch.GetTimestamp());
                    }
                    if (context.Request.Url!.AbsolutePath == "/slow")
                    {
                        await Task.Delay(SlowDelay);
                    }
                    context.Response.StatusCode = 200;
                    context.Response.Close();
                });
            }
        });
    }

    public int Port { get; }

    public ConcurrentDictionary<int, long> Arrivals { get; } = new();

    public void Dispose()
    {
        listener.Stop();
        listener.Close();
    }
}
