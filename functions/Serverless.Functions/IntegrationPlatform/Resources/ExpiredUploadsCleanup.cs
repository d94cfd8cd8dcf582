using System.Globalization;
using Serverless.Functions.Hosting;
using Serverless.Functions.Storage;

namespace Serverless.Functions.IntegrationPlatform.Resources;

/// <summary>
/// Every ten minutes, deletes uploads whose signed URLs have expired (their expiry is in their name), and any upload
/// larger than <c>SIGNED_URL_MAX_BYTES</c> (the put_url refuses those, so only one stored before a lower setting).
/// </summary>
public sealed class ExpiredUploadsCleanup(StorageAccount storage, IConfiguration configuration, TimeProvider time, ILogger<ExpiredUploadsCleanup> logger)
    : ITimerJob
{
    public const string Name = "ExpiredUploadsCleanup";
    public const string MaxBytesSetting = "SIGNED_URL_MAX_BYTES";
    public const long DefaultMaxBytes = 100 * 1024 * 1024;
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(10);

    private readonly long maxBytes = Settings.PositiveWholeNumber(configuration, MaxBytesSetting, DefaultMaxBytes);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var container = storage.Container(StorageLayout.Containers.Uploads);
        var expired = 0;
        var oversized = 0;
        await foreach (var blob in container.GetBlobsAsync(cancellationToken: cancellationToken))
        {
            if (ExpiresAt(blob.Name) is { } expires && expires < now)
            {
                await container.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: cancellationToken);
                expired++;
            }
            else if (blob.Properties.ContentLength > maxBytes)
            {
                await container.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: cancellationToken);
                oversized++;
            }
        }
        logger.LogInformation("Deleted {Expired} expired and {Oversized} oversized uploads", expired, oversized);
    }

    internal static long? ExpiresAt(string name)
    {
        var file = name[(name.LastIndexOf('/') + 1)..];
        var dash = file.IndexOf('-', StringComparison.Ordinal);
        return dash > 0 && long.TryParse(file[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var expires) ? expires : null;
    }
}
