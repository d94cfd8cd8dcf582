using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Serverless.Functions.Tests.Infrastructure;

/// <summary>
/// <see cref="ApiFixture"/> served by real Kestrel on a free 127.0.0.1 port instead of the in-memory TestServer, for
/// clients outside the process: a browser (<see cref="Browser"/>), curl, another executable. Its HttpClients go over
/// that socket too, so every <see cref="ApiFixture"/> helper works unchanged.
/// </summary>
public class KestrelApiFixture : ApiFixture
{
    private Uri? baseUrl;

    // Port 0: the OS picks a free port as Kestrel binds it, so nothing else can take it between choosing and binding.
    public KestrelApiFixture() => UseKestrel(0);

    /// <summary>The app's real address, such as <c>http://127.0.0.1:41234/</c>; starts the app on first use.</summary>
    public Uri BaseUrl => baseUrl ??= Listening();

    public Uri UrlOf(string pathAndQuery) => new(BaseUrl, pathAndQuery);

    /// <summary>
    /// The factory's own clients for Kestrel take the default base address (http://localhost) from the options object
    /// the caller passes, and their handler follows redirects; a plain client on <see cref="BaseUrl"/> does neither.
    /// </summary>
    public override HttpClient AnonymousClient() =>
        new(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = BaseUrl };

    private Uri Listening()
    {
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var address = addresses.FirstOrDefault(a => a.StartsWith("http://127.0.0.1:", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"Kestrel is not listening on 127.0.0.1: {string.Join(", ", addresses)}");
        return new Uri(address);
    }
}
