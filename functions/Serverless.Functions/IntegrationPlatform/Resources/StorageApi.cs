using System.Globalization;
using System.Security.Cryptography;
using Azure.Storage.Sas;
using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Errors;
using Serverless.Functions.Hosting;
using Serverless.Functions.Identity;
using Serverless.Functions.Storage;

namespace Serverless.Functions.IntegrationPlatform.Resources;

/// <summary>
/// Resources / Storage (RS-1): a pair of signed URLs for one new blob, to PUT bytes
/// to and GET them back, both valid for <c>expires</c> seconds (<c>SIGNED_URL_EXPIRES_SECONDS</c>, default 18000 as in
/// the seed's example). The answer is not JSON:API, as in the seed. Any authenticated user may ask: the blob is new,
/// named under the caller's tenant, and reachable only through the URLs. Each user may ask for
/// <c>SIGNED_URL_QUOTA_PER_HOUR</c> pairs an hour. A SAS cannot cap an upload's size, so uploads larger than
/// <c>SIGNED_URL_MAX_BYTES</c> are deleted by <see cref="ExpiredUploadsCleanup"/> on its next run.
/// </summary>
public static class StorageApi
{
    public const string ExpiresSetting = "SIGNED_URL_EXPIRES_SECONDS";
    public const int DefaultExpiresSeconds = 18000;

    public static RouteGroupBuilder MapStorageApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapIntegrationGroup("Resources", "/v2/resources");
        group.MapPost("/storage/signed-url", CreateSignedUrl);
        return group;
    }

    public sealed record SignedUrl(string PutUrl, string GetUrl, int Expires);

    [EndpointId("RS-1")]
    public static async Task<JsonHttpResult<SignedUrl>> CreateSignedUrl(Caller caller, StorageAccount storage, SignedUrls signer,
        UploadQuotaStore quotas, IConfiguration configuration, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await quotas.TryTakeAsync(caller.TenantId, caller.UserId, cancellationToken) is { } wait)
        {
            throw new ApiException(ApiError.ForStatus(StatusCodes.Status429TooManyRequests,
                "You have asked for as many signed URLs as one user may in an hour; try again as Retry-After says.") with { Code = "quota_exceeded" })
            {
                RetryAfter = wait,
            };
        }
        var lifetime = configuration.GetValue(ExpiresSetting, DefaultExpiresSeconds);
        var expiresOn = time.GetUtcNow().AddSeconds(lifetime);
        var name = $"{caller.TenantId}/{expiresOn.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}";
        var blob = storage.Container(StorageLayout.Containers.Uploads).GetBlobClient(name);
        var put = await signer.SignAsync(blob, BlobSasPermissions.Create | BlobSasPermissions.Write, expiresOn, cancellationToken);
        var get = await signer.SignAsync(blob, BlobSasPermissions.Read, expiresOn, cancellationToken);
        return TypedResults.Json(new SignedUrl(put.ToString(), get.ToString(), lifetime), JsonApi.JsonApiJson.Options, JsonApi.JsonApiResults.ContentType);
    }
}
