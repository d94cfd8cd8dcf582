using Microsoft.AspNetCore.HttpOverrides;
using Serverless.Functions.Errors;

namespace Serverless.Functions.Hosting;

/// <summary>The two ways this one executable runs.</summary>
public enum HostingMode
{
    /// <summary>Started by the Azure Functions host, which forwards HTTP and POSTs timer and queue invocations.</summary>
    FunctionsHost,

    /// <summary>Everywhere else: in-process services stand in for the host's timers and queues.</summary>
    Standalone,
}

public static class CustomHandler
{
    public const string HostPortSetting = "FUNCTIONS_CUSTOMHANDLER_PORT";
    public const string PortSetting = "PORT";
    public const int DefaultPort = 7071;

    public static HostingMode ModeOf(IConfiguration configuration) =>
        string.IsNullOrWhiteSpace(configuration[HostPortSetting]) ? HostingMode.Standalone : HostingMode.FunctionsHost;

    /// <summary>
    /// The Functions host always calls the handler at http://127.0.0.1 on the port it chose, so host mode binds exactly
    /// there; standalone binds loopback too, because nothing in front of it terminates TLS or filters paths.
    /// </summary>
    public static string ListenUrl(IConfiguration configuration)
    {
        var (setting, value) = ModeOf(configuration) == HostingMode.FunctionsHost
            ? (HostPortSetting, configuration[HostPortSetting])
            : (PortSetting, configuration[PortSetting] ?? DefaultPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (!int.TryParse(value, out var port) || port is < 1 or > 65535)
        {
            throw new InvalidOperationException($"{setting} must be a TCP port number (1-65535), not '{value}'.");
        }
        return $"http://127.0.0.1:{port}";
    }

    public static WebApplicationBuilder UseCustomHandlerHosting(this WebApplicationBuilder builder)
    {
        Settings.RefuseUnresolvedReferences(builder.Configuration);
        var mode = ModeOf(builder.Configuration);
        builder.WebHost.UseUrls(ListenUrl(builder.Configuration));
        builder.Services.AddSingleton<PublicUrls>();
        if (mode == HostingMode.FunctionsHost)
        {
            // The host captures stdout line by line as worker logs; one line per entry keeps them readable there.
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        }
        return builder;
    }

    /// <summary>
    /// The middleware every request passes, in this order: its id first (so every error carries it) and its telemetry tags, then
    /// errors (so anything later is written in the surface's format) with unreachable storage as 503, routing, the body cap (which an endpoint may raise), the
    /// start-up gate, the limits on credentials (before authentication, so what they turn away costs no storage call),
    /// authentication, then the per-user and anonymous rate limits.
    /// </summary>
    public static WebApplication UseApiPipeline(this WebApplication app)
    {
        app.UseRequestIds();
        app.UseTelemetryTags();
        if (ModeOf(app.Configuration) == HostingMode.FunctionsHost)
        {
            // Only the Functions host can reach the handler on 127.0.0.1, so its X-Forwarded-Proto/Host/For are the
            // caller's (For is the address anonymous rate limits count by); standalone, nothing in front sets them and
            // a caller's own are ignored.
            app.UseForwardedHeaders(new ForwardedHeadersOptions
            {
                ForwardedHeaders = ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost | ForwardedHeaders.XForwardedFor,
            });
        }
        app.UseSurfaceErrors();
        app.UseStorageOutageAnswers();
        app.UseRouting();
        app.UseRequestBodyLimit();
        app.UseStartupGate();
        // Before authentication, which reads storage: a credential over its allowance, or any unproven credential from an
        // address that has had too many refused, is answered 429 without a lookup (docs/decisions/0030).
        foreach (var gate in app.Services.GetServices<PreAuthenticationGate>())
        {
            app.Use((context, next) => gate.InvokeAsync(context, () => next(context)));
        }
        app.UseAuthentication();
        app.UseAuthorization();
        // After authorization, so that a request whose key checks out counts against its user, whichever key or
        // spelling of the email it came with, and a guest's against its address.
        app.UseRateLimiter();
        return app;
    }

    /// <summary>Serves, unless the command line asks for the function metadata to be written (see <see cref="FunctionMetadata"/>).</summary>
    public static void RunOrWriteFunctionMetadata(this WebApplication app, string[] args)
    {
        if (!FunctionMetadata.TryRunCommand(app, args))
        {
            app.Run();
        }
    }
}
