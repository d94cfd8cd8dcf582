using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Serverless.Functions.StatusPage;

/// <summary>
/// The output cache of the status pages' guest reads (the HTML, the Cachet and Statuspage JSON, badges, feeds): an
/// incident sends everyone to the page at once. A view is kept in memory with the version its page had before it was
/// rendered (<see cref="StatusPageVersions"/>), and served again only while that version is still the page's: one
/// point read per request, so a write through any app instance is seen by the next read through any other.
/// Requests carrying a key (<c>Authorization</c>, <c>X-Cachet-Token</c>) are never served from or kept in it, and a
/// private page's views never are either. Every guest view has a content-hash <c>ETag</c> (answered <c>304</c> on
/// <c>If-None-Match</c>) and a short public <c>Cache-Control</c> for browsers and CDNs, whether or not
/// <c>STATUS_PAGE_CACHE</c> turns the memory off (docs/decisions/0027-status-page-output-cache.md).
/// </summary>
public sealed class StatusPageCache(StatusPageVersions versions, IConfiguration configuration, TimeProvider time) : IDisposable
{
    public const string Setting = "STATUS_PAGE_CACHE";

    /// <summary>A browser or CDN keeps a guest view 5 s, then may show it 15 s more while it fetches the next one.</summary>
    public const string PublicPolicy = "public, max-age=5, stale-while-revalidate=15";

    public const string PrivatePolicy = "private, no-store";

    /// <summary>What a guest view depends on besides its URL: the key says so to shared caches.</summary>
    private const string VaryOn = "Accept, Origin, Time-Zone, Authorization, X-Cachet-Token";

    /// <summary>
    /// Views show relative times and today's uptime, so one is rendered again at least this often even when nothing is
    /// written, and never kept past a quarter hour (every time zone's midnight falls on one: the bars' day changes).
    /// </summary>
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan Quarter = TimeSpan.FromMinutes(15);

    private static readonly object SlotKey = new();

    private readonly bool enabled = configuration.GetValue(Setting, true);

    /// <summary>Any URL's query makes a key, so memory is bounded by the bytes kept.</summary>
    private readonly MemoryCache entries = new(new MemoryCacheOptions { SizeLimit = 64L << 20 });

    /// <summary>One render per key at a time: the others wait for it, then check its version as a hit would.</summary>
    private readonly ConcurrentDictionary<string, Task<Entry?>> rendering = new();

    /// <summary>Per page, the version read under way and the one queued behind it (see <see cref="VersionAsync"/>).</summary>
    private readonly ConcurrentDictionary<string, Reads> reads = new();

    /// <summary>Endpoint metadata of a route group whose GETs are views of one page.</summary>
    public static readonly ViewsMetadata Views = new();

    /// <summary>Endpoint metadata of a GET in such a group that is no view (a subscriber's link: it writes, or is theirs).</summary>
    public static readonly NotAViewMetadata NotAView = new();

    public sealed class ViewsMetadata;

    public sealed class NotAViewMetadata;

    private sealed record Entry(string PageId, string Version, string ContentType, string? AllowOrigin, byte[] Body, string ETag, DateTimeOffset Expires);

    private sealed class Reads
    {
        public TaskCompletionSource<string>? Running;
        public TaskCompletionSource<string>? Queued;
    }

    /// <summary>What the handler's page lookup tells the request's render: which page, and its version before any read of it.</summary>
    private sealed class Slot
    {
        public string? PageId;
        public string? Version;
        public bool Private;
    }

    /// <summary>
    /// Called where a view looks up its page, before it reads anything of it: the version read here is the one the view
    /// is kept under, so a write that lands during the render makes it stale at once rather than lost.
    /// </summary>
    public static async ValueTask PageFoundAsync(HttpContext context, StatusPageEntity page)
    {
        if (context.Items[SlotKey] is Slot slot)
        {
            slot.PageId = page.PageId;
            slot.Private = page.Private;
            slot.Version = await context.RequestServices.GetRequiredService<StatusPageCache>().VersionAsync(page.PageId, context.RequestAborted);
        }
    }

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var metadata = context.GetEndpoint()?.Metadata;
        if (metadata?.GetMetadata<ViewsMetadata>() is null || metadata.GetMetadata<NotAViewMetadata>() is not null || !HttpMethods.IsGet(context.Request.Method))
        {
            await next(context);
            return;
        }
        var request = context.Request;
        if (request.Headers.ContainsKey(HeaderNames.Authorization) || request.Headers.ContainsKey("X-Cachet-Token"))
        {
            // Someone's own view (it may show what guests do not): no shared cache may keep it.
            context.Response.OnStarting(() =>
            {
                context.Response.Headers.CacheControl = PrivatePolicy;
                return Task.CompletedTask;
            });
            await next(context);
            return;
        }
        if (!enabled)
        {
            await WriteAsync(context, await RenderAsync(context, next, null));
            return;
        }
        var key = KeyOf(request);
        if (await CurrentAsync(entries.Get<Entry>(key), context.RequestAborted) is { } hit)
        {
            await WriteAsync(context, hit);
            return;
        }
        var leader = new TaskCompletionSource<Entry?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = rendering.GetOrAdd(key, leader.Task);
        if (running != leader.Task && await CurrentAsync(await running, context.RequestAborted) is { } shared)
        {
            await WriteAsync(context, shared);
            return;
        }
        Entry? rendered = null;
        try
        {
            rendered = await RenderAsync(context, next, new Slot());
            if (rendered is { PageId.Length: > 0 })
            {
                entries.Set(key, rendered, new MemoryCacheEntryOptions { Size = rendered.Body.Length + key.Length * 2 + 256, AbsoluteExpirationRelativeToNow = Lifetime });
            }
        }
        finally
        {
            if (running == leader.Task)
            {
                leader.SetResult(rendered is { PageId.Length: > 0 } ? rendered : null);
                rendering.TryRemove(new(key, leader.Task));
            }
        }
        await WriteAsync(context, rendered);
    }

    /// <summary>The entry, if its page has not been written since it was rendered and it is not too old.</summary>
    private async Task<Entry?> CurrentAsync(Entry? entry, CancellationToken cancellationToken) =>
        entry is not null && entry.Expires > time.GetUtcNow() && await VersionAsync(entry.PageId, cancellationToken) == entry.Version ? entry : null;

    /// <summary>
    /// The page's version, from a point read that started after this call: a write finished before the request came is
    /// in it. Requests for one page share reads: while one is under way, the callers that come wait for the next, which
    /// starts when it ends; so a spike costs a read per round trip to storage, not one per request.
    /// </summary>
    private Task<string> VersionAsync(string pageId, CancellationToken cancellationToken)
    {
        var page = reads.GetOrAdd(pageId, _ => new Reads());
        TaskCompletionSource<string> mine;
        var start = false;
        lock (page)
        {
            if (page.Running is null)
            {
                page.Running = mine = new(TaskCreationOptions.RunContinuationsAsynchronously);
                start = true;
            }
            else
            {
                mine = page.Queued ??= new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
        if (start)
        {
            _ = ReadAllAsync(pageId, page, mine);
        }
        return mine.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Reads for the running waiters, then for the queued ones, until nobody waits.</summary>
    private async Task ReadAllAsync(string pageId, Reads page, TaskCompletionSource<string> running)
    {
        while (true)
        {
            try
            {
                // Not the caller's token: others wait on this read too.
                running.SetResult(await versions.CurrentAsync(pageId, CancellationToken.None));
            }
            catch (Exception ex)
            {
                running.SetException(ex);
            }
            lock (page)
            {
                (page.Running, page.Queued) = (page.Queued, null);
                if (page.Running is null)
                {
                    return;
                }
                running = page.Running;
            }
        }
    }

    /// <summary>
    /// Runs the handler into memory. A guest's 200 becomes an entry (kept only when <paramref name="slot"/> learnt a
    /// public page and its version); anything else is left as the handler wrote it, and null is returned.
    /// </summary>
    private async Task<Entry?> RenderAsync(HttpContext context, RequestDelegate next, Slot? slot)
    {
        var response = context.Response;
        var original = response.Body;
        using var buffer = new MemoryStream();
        response.Body = buffer;
        try
        {
            if (slot is not null)
            {
                context.Items[SlotKey] = slot;
            }
            await next(context);
        }
        finally
        {
            response.Body = original;
            context.Items.Remove(SlotKey);
        }
        var body = buffer.ToArray();
        var cacheControl = response.Headers.CacheControl.ToString();
        if (response.StatusCode != StatusCodes.Status200OK || response.Headers.ContainsKey(HeaderNames.SetCookie)
            || cacheControl.Contains("private", StringComparison.OrdinalIgnoreCase) || cacheControl.Contains("no-store", StringComparison.OrdinalIgnoreCase)
            || slot is { Private: true })
        {
            await original.WriteAsync(body, context.RequestAborted);
            return null;
        }
        var now = time.GetUtcNow();
        var quarterEnd = new DateTimeOffset((now.UtcTicks / Quarter.Ticks + 1) * Quarter.Ticks, TimeSpan.Zero);
        return new Entry(slot?.PageId ?? "", slot?.Version ?? "", response.ContentType ?? "application/octet-stream",
            response.Headers.AccessControlAllowOrigin.Count > 0 ? response.Headers.AccessControlAllowOrigin.ToString() : null, body,
            $"\"{Convert.ToHexStringLower(SHA256.HashData(body), 0, 16)}\"", now + Lifetime < quarterEnd ? now + Lifetime : quarterEnd);
    }

    /// <summary>Writes a guest view, or <c>304</c> when the caller holds it already; null when the render was written as it was.</summary>
    private static async Task WriteAsync(HttpContext context, Entry? entry)
    {
        if (entry is null)
        {
            return;
        }
        var response = context.Response;
        response.Headers.ETag = entry.ETag;
        response.Headers.CacheControl = PublicPolicy;
        response.Headers.Vary = VaryOn;
        if (Holds(context.Request.Headers.IfNoneMatch, entry.ETag))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = entry.ContentType;
        if (entry.AllowOrigin is { } origin)
        {
            response.Headers.AccessControlAllowOrigin = origin;
        }
        response.ContentLength = entry.Body.Length;
        await response.Body.WriteAsync(entry.Body, context.RequestAborted);
    }

    /// <summary><c>If-None-Match</c>'s weak comparison: any listed tag, or <c>*</c>.</summary>
    private static bool Holds(StringValues ifNoneMatch, string etag) =>
        ifNoneMatch.Count > 0 && EntityTagHeaderValue.TryParseList(ifNoneMatch, out var tags)
        && tags.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(new EntityTagHeaderValue(etag), useStrongComparison: false));

    /// <summary>The URL as the request gave it (links are absolute), and the headers a view depends on.</summary>
    private static string KeyOf(HttpRequest request) =>
        string.Join('\n', $"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}{request.QueryString}", request.Headers.Accept.ToString(),
            request.Headers["Time-Zone"].ToString(), request.Headers.Origin.Count > 0 ? "origin" : "");

    public void Dispose() => entries.Dispose();
}

public static class StatusPageCacheMiddleware
{
    /// <summary>After routing, authentication and the rate limits: a cached read counts as any other.</summary>
    public static WebApplication UseStatusPageCache(this WebApplication app)
    {
        var cache = app.Services.GetRequiredService<StatusPageCache>();
        app.Use(next => context => cache.InvokeAsync(context, next));
        return app;
    }
}
