using System.Globalization;
using Azure.Data.Tables;
using Serverless.Functions.Hosting;
using Serverless.Functions.Storage;

namespace Serverless.Functions.IntegrationPlatform.Resources;

// UploadQuotas: PK = tenantId, RK = "{userId}:{yyyyMMddHH}" (the UTC hour, from the app's clock) → how many signed-URL
// pairs that user was given in that hour. A row per user and hour makes each count one small row to bump with its ETag,
// and a new hour starts from nothing without anyone resetting it.
public sealed class UploadQuotaEntity : TableRow
{
    public int Count { get; set; }
}

/// <summary>
/// The hourly quota of signed-URL pairs per user (<c>SIGNED_URL_QUOTA_PER_HOUR</c>). Every pair names a new blob an
/// upload can fill, so without a quota one API key could mint storage without end.
/// </summary>
public sealed class UploadQuotaStore(StorageAccount storage, IConfiguration configuration, TimeProvider time)
{
    public const string QuotaSetting = "SIGNED_URL_QUOTA_PER_HOUR";
    public const int DefaultQuota = 100;

    private readonly TableClient table = storage.Table(StorageLayout.Tables.UploadQuotas);
    private readonly long quota = Settings.PositiveWholeNumber(configuration, QuotaSetting, DefaultQuota);

    /// <summary>
    /// Counts one pair for the user in the current hour, or, with the hour's quota used up, returns how long until the
    /// next hour and writes nothing.
    /// </summary>
    public Task<TimeSpan?> TryTakeAsync(string tenantId, string userId, CancellationToken cancellationToken = default) =>
        OptimisticConcurrency.RetryAsync<TimeSpan?>(async () =>
        {
            var now = time.GetUtcNow();
            var hour = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
            var rowKey = $"{userId}:{hour.ToString("yyyyMMddHH", CultureInfo.InvariantCulture)}";
            var found = await table.GetEntityIfExistsAsync<UploadQuotaEntity>(tenantId, rowKey, cancellationToken: cancellationToken);
            if (!found.HasValue)
            {
                // A 409 here means a concurrent request added the hour's row first; the retry then counts on it.
                await table.AddEntityAsync(new UploadQuotaEntity { PartitionKey = tenantId, RowKey = rowKey, Count = 1 }, cancellationToken);
                return null;
            }
            var row = found.Value!;
            if (row.Count >= quota)
            {
                return hour.AddHours(1) - now;
            }
            row.Count++;
            await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken);
            return null;
        });
}
