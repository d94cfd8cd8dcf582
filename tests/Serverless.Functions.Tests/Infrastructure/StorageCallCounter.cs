using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using Azure.Core.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Serverless.Functions.Tests.Infrastructure;

/// <summary>
/// The storage calls the app made while answering one request, found by its <c>X-Request-Id</c>. The Azure SDK writes one
/// <c>Azure-Core</c> <c>Request</c> event per call (per try), on the calling flow and synchronously to in-process
/// listeners, where <see cref="IHttpContextAccessor"/> still sees the request that made it; so calls of other tests,
/// fixtures and background work are not counted against it. The app must have the accessor registered
/// (<see cref="AddRequestAccessor"/>): without it ASP.NET Core does not track the current request.
/// </summary>
public sealed class StorageCallCounter : IDisposable
{
    private readonly ConcurrentDictionary<string, int> calls = new(StringComparer.Ordinal);
    private readonly HttpContextAccessor current = new();
    private readonly AzureEventSourceListener listener;

    public StorageCallCounter() =>
        listener = new AzureEventSourceListener((e, _) =>
        {
            if (e.EventSource.Name == "Azure-Core" && e.EventName == "Request" && current.HttpContext?.TraceIdentifier is { } requestId)
            {
                calls.AddOrUpdate(requestId, 1, (_, n) => n + 1);
            }
        }, EventLevel.Informational);

    /// <summary>For a fixture's <c>ConfigureTestServices</c>.</summary>
    public static void AddRequestAccessor(IServiceCollection services) => services.AddHttpContextAccessor();

    /// <summary>The storage calls made for the request <paramref name="response"/> answers.</summary>
    public int For(HttpResponseMessage response) => calls.GetValueOrDefault(Assert.Single(response.Headers.GetValues("X-Request-Id")));

    public void Dispose() => listener.Dispose();
}
