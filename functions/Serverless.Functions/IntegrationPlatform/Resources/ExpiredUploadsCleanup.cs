using System.Globalization;
using Serverless.Functions.Hosting;
using Serverless.Functions.Storage;

namespace Serverless.Functions.IntegrationPlatform.Resources;

/// <summary>Every ten minutes, deletes uploads whose signed URLs have expired (their expiry is in their name).</summary>
public sealed class ExpiredUploadsCleanup(StorageAccount storage, TimeProvider time, ILogger<ExpiredUploadsCleanup> logger) : ITimerJob
{
    public const string Name = "ExpiredUploadsCleanup";
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(10);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var container = storage.Container(StorageLayout.Containers.Uploads);
        var deleted = 0;
        await foreach (var blob in container.GetBlobsAsync(cancellationToken: cancellationToken))
        {
            if (ExpiresAt(blob.Name) is { } expires && expires < now)
            {
                await container.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: cancellationToken);
                deleted++;
            }
        }
        logger.LogInformation("Deleted {Count} expired uploads", deleted);
    }

    internal static long? ExpiresAt(string name)
    {
        var file = name[(name.LastIndexOf('/') + 1)..];
        var dash = file.IndexOf('-', StringComparison.Ordinal);
        return dash > 0 && long.TryParse(file[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var expires) ? expires : null;
    }
}
