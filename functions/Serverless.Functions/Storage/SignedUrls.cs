using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;

namespace Serverless.Functions.Storage;

/// <summary>
/// Signed blob URLs. With an account key (Azurite, connection strings) they are service SAS; under
/// a managed identity, where shared keys are off, they are user delegation SAS, signed with a delegation key that is
/// fetched once and reused until shortly before it expires.
/// </summary>
public sealed class SignedUrls(StorageAccount storage, TimeProvider time)
{
    /// <summary>Signatures start a little in the past, so a client whose clock runs behind can use them at once.</summary>
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    private readonly SemaphoreSlim keyLock = new(1, 1);
    private UserDelegationKey? delegationKey;

    public async Task<Uri> SignAsync(BlobClient blob, BlobSasPermissions permissions, DateTimeOffset expiresOn, CancellationToken cancellationToken = default)
    {
        var builder = new BlobSasBuilder
        {
            BlobContainerName = blob.BlobContainerName,
            BlobName = blob.Name,
            Resource = "b",
            StartsOn = time.GetUtcNow() - ClockSkew,
            ExpiresOn = expiresOn,
        };
        builder.SetPermissions(permissions);
        if (blob.CanGenerateSasUri)
        {
            return blob.GenerateSasUri(builder);
        }
        var key = await DelegationKeyAsync(expiresOn, cancellationToken);
        return new BlobUriBuilder(blob.Uri) { Sas = builder.ToSasQueryParameters(key, storage.Blobs.AccountName) }.ToUri();
    }

    /// <summary>A key valid past <paramref name="until"/>; delegation keys live at most 7 days.</summary>
    private async Task<UserDelegationKey> DelegationKeyAsync(DateTimeOffset until, CancellationToken cancellationToken)
    {
        await keyLock.WaitAsync(cancellationToken);
        try
        {
            if (delegationKey is null || delegationKey.SignedExpiresOn < until)
            {
                var now = time.GetUtcNow();
                delegationKey = (await storage.Blobs.GetUserDelegationKeyAsync(now - ClockSkew, now.AddDays(7) - ClockSkew, cancellationToken)).Value;
            }
            return delegationKey;
        }
        finally
        {
            keyLock.Release();
        }
    }
}
