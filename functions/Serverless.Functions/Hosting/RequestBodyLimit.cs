using Microsoft.AspNetCore.Http.Features;
using Serverless.Functions.Errors;

namespace Serverless.Functions.Hosting;

/// <summary>
/// Every request body, on every surface, is capped at <see cref="MaxBytes"/>. Kestrel's own default (30 MB) let an
/// anonymous caller make a parser allocate hundreds of megabytes; no document this app takes comes near the cap, and
/// large content goes to blob storage through signed URLs instead.
/// </summary>
public static class RequestBodyLimit
{
    public const int MaxBytes = 1024 * 1024;

    /// <summary>A flow's webhook takes what elastic.io's gateway takes (component-model §4.8): 10 MB.</summary>
    public const int WebhookMaxBytes = 10 * 1024 * 1024;

    public static IApplicationBuilder UseRequestBodyLimit(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var max = context.Request.Path.StartsWithSegments("/hook") ? WebhookMaxBytes : MaxBytes;
        if (context.Request.ContentLength > max)
        {
            throw TooLarge(max);
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } kestrel)
        {
            kestrel.MaxRequestBodySize = max;
        }
        // Chunked bodies have no length to check up front, and the in-memory test server has no limit of its own.
        context.Request.Body = new CappedStream(context.Request.Body, max);
        return next(context);
    });

    private static ApiException TooLarge(int max) =>
        new(ApiError.ForStatus(StatusCodes.Status413PayloadTooLarge, $"The request body is larger than {max / 1024} KiB."));

    private sealed class CappedStream(Stream inner, int max) : Stream
    {
        private long read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Count(int n)
        {
            read += n;
            return read > max ? throw TooLarge(max) : n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
