using System.Net;
using System.Net.Sockets;

namespace Serverless.Functions.Hosting;

/// <summary>
/// The one <see cref="HttpClient"/> for calls to other people's systems (components, token refresh). Tenants choose
/// those URLs, so the client refuses what would turn the product into a proxy into its own network: only http and
/// https; the host is resolved here and the address actually connected to must not be loopback, private, link-local
/// (the cloud metadata endpoint 169.254.169.254 among them) or unspecified, so a name that resolves differently on a
/// second lookup (DNS rebinding) gains nothing. <c>OUTBOUND_ALLOW_PRIVATE_NETWORKS=true</c> lets loopback and private
/// addresses through, for local development and tests that stand in a server on 127.0.0.1; link-local never. Redirects
/// are not followed (a 3xx is the answer), and a response body is read to at most <see cref="MaxResponseBytes"/>.
/// </summary>
public static class OutboundHttp
{
    public const string ClientName = "outbound";
    public const string AllowPrivateNetworksSetting = "OUTBOUND_ALLOW_PRIVATE_NETWORKS";

    /// <summary>1 MiB: token answers and component replies are small; a bigger one is a mistake or an attack on memory.</summary>
    public const int MaxResponseBytes = 1024 * 1024;

    public static IServiceCollection AddOutboundHttp(this IServiceCollection services)
    {
        services.AddTransient<SchemeGuard>();
        services.AddHttpClient(ClientName, c =>
            {
                // Bounded, so a stuck server cannot hold a worker.
                c.Timeout = TimeSpan.FromSeconds(30);
                c.MaxResponseContentBufferSize = MaxResponseBytes;
            })
            .ConfigurePrimaryHttpMessageHandler(sp =>
            {
                var allowPrivate = sp.GetRequiredService<IConfiguration>().GetValue<bool>(AllowPrivateNetworksSetting);
                return new SocketsHttpHandler
                {
                    AllowAutoRedirect = false,
                    // A proxy would be what the callback connects to, and the destination would go unchecked.
                    UseProxy = false,
                    ConnectCallback = (context, cancellationToken) => ConnectAsync(context.DnsEndPoint, allowPrivate, cancellationToken),
                };
            })
            .AddHttpMessageHandler<SchemeGuard>();
        return services;
    }

    public static HttpClient Create(IHttpClientFactory factory) => factory.CreateClient(ClientName);

    /// <summary>For input checks where a URL is stored: the only kind the client will call.</summary>
    public static bool IsHttpUrl(string? value) => TryHttpUrl(value, out _);

    /// <summary>An absolute http(s) URL, the only kind the client will call; false for anything else.</summary>
    public static bool TryHttpUrl(string? value, out Uri uri) =>
        Uri.TryCreate(value, UriKind.Absolute, out uri!) && uri.Scheme is "http" or "https";

    /// <summary>The guard's refusal, when that is what <paramref name="exception"/> is or wraps.</summary>
    public static OutboundRefusedException? RefusalOf(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is OutboundRefusedException refused)
            {
                return refused;
            }
        }
        return null;
    }

    /// <summary>Whether a call may connect to <paramref name="address"/>.</summary>
    public static bool IsAllowed(IPAddress address, bool allowPrivateNetworks)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b switch
            {
                [0, ..] => false,                                   // 0.0.0.0/8: "this host", which reaches loopback
                [169, 254, ..] => false,                            // link-local, the metadata endpoint's range
                [>= 224, ..] => false,                              // multicast, reserved, broadcast
                [127, ..] => allowPrivateNetworks,
                [10, ..] => allowPrivateNetworks,
                [172, >= 16 and <= 31, ..] => allowPrivateNetworks,
                [192, 168, ..] => allowPrivateNetworks,
                [100, >= 64 and <= 127, ..] => allowPrivateNetworks, // carrier-grade NAT, private to the provider
                _ => true,
            };
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }
        if (address.Equals(IPAddress.IPv6Any) || address.IsIPv6LinkLocal || address.IsIPv6Multicast)
        {
            return false;
        }
        if (address.Equals(IPAddress.IPv6Loopback))
        {
            return allowPrivateNetworks;
        }
        var bytes = address.GetAddressBytes();
        // IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) forms carry an IPv4 address the same checks apply to.
        if (bytes.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0 || bytes.AsSpan(0, 12).SequenceEqual(Nat64Prefix))
        {
            return IsAllowed(new IPAddress(bytes.AsSpan(12)), allowPrivateNetworks);
        }
        // fc00::/7 unique local, fec0::/10 the deprecated site-local.
        return (bytes[0] & 0xFE) == 0xFC || address.IsIPv6SiteLocal ? allowPrivateNetworks : true;
    }

    private static readonly byte[] Nat64Prefix = [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0];

    private static async ValueTask<Stream> ConnectAsync(DnsEndPoint endpoint, bool allowPrivateNetworks, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(endpoint.Host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(endpoint.Host, cancellationToken);
        // Connect to an address checked here, never to a name resolved again by someone else.
        var allowed = addresses.Where(a => IsAllowed(a, allowPrivateNetworks)).ToList();
        if (allowed.Count == 0)
        {
            throw new OutboundRefusedException($"'{endpoint.Host}' is not an address outbound calls may reach.");
        }
        SocketException? last = null;
        foreach (var address in allowed)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last!;
    }

    /// <summary>Only http and https leave the product; checked before anything is sent.</summary>
    private sealed class SchemeGuard : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            request.RequestUri is { IsAbsoluteUri: true, Scheme: "http" or "https" }
                ? base.SendAsync(request, cancellationToken)
                : throw new OutboundRefusedException("Outbound calls use http or https URLs only.");
    }
}

/// <summary>The outbound guard refused a destination; its message names no more than the host.</summary>
public sealed class OutboundRefusedException(string message) : HttpRequestException(message);
