using System.Globalization;
using System.Security.Cryptography;
using Azure;
using Azure.Storage.Blobs.Models;
using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Errors;
using Serverless.Functions.Hosting;
using Serverless.Functions.Identity;
using Serverless.Functions.Storage;

namespace Serverless.Functions.IntegrationPlatform.Resources;

/// <summary>
/// Resources / Storage (RS-1): a pair of signed URLs for one new upload, to PUT bytes to and GET them back, both valid
/// for <c>expires</c> seconds (<c>SIGNED_URL_EXPIRES_SECONDS</c>, default 18000 as in the seed's example). The answer
/// is not JSON:API, as in the seed. Any authenticated user may ask: the upload is new, named under the caller's tenant,
/// and reachable only through the URLs. Each user may ask for <c>SIGNED_URL_QUOTA_PER_HOUR</c> pairs an hour.
/// The URLs are ours (RS-2, RS-3; docs/decisions/0022), not storage's: a plain <c>PUT</c> with nothing but
/// Content-Length (and Content-Type) uploads, as elastic.io's components do, a plain <c>GET</c> downloads, and an
/// upload larger than <c>SIGNED_URL_MAX_BYTES</c> is refused before it is stored. The URL is the capability: no
/// credentials, its signature (<see cref="UploadUrls"/>) and the expiry in its name decide.
/// </summary>
public static class StorageApi
{
    public const string ExpiresSetting = "SIGNED_URL_EXPIRES_SECONDS";
    public const int DefaultExpiresSeconds = 18000;

    public static RouteGroupBuilder MapStorageApi(this IEndpointRouteBuilder app)
    {
        var maxBytes = Settings.PositiveWholeNumber(app.ServiceProvider.GetRequiredService<IConfiguration>(),
            ExpiredUploadsCleanup.MaxBytesSetting, ExpiredUploadsCleanup.DefaultMaxBytes);
        var group = app.MapIntegrationGroup("Resources", "/v2/resources");
        group.MapPost("/storage/signed-url", CreateSignedUrl);
        // Whoever holds the URL may use it, as with storage's own signed URLs.
        group.MapPut("/storage/files/{tenantId}/{file}", Upload).AllowAnonymous().WithRequestBodyCap(maxBytes);
        group.MapGet("/storage/files/{tenantId}/{file}", Download).AllowAnonymous();
        return group;
    }

    public sealed record SignedUrl(string PutUrl, string GetUrl, int Expires);

    [EndpointId("RS-1")]
    public static async Task<JsonHttpResult<SignedUrl>> CreateSignedUrl(Caller caller, UploadUrls urls, UploadQuotaStore quotas,
        IConfiguration configuration, TimeProvider time, HttpRequest request, CancellationToken cancellationToken)
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
        var file = $"{expiresOn.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}";
        var name = $"{caller.TenantId}/{file}";
        string Url(string method) => PublicUrls.Of(request).Absolute(request, $"/v2/resources/storage/files/{name}?sig={urls.Sign(method, name)}");
        return TypedResults.Json(new SignedUrl(Url("PUT"), Url("GET"), lifetime), JsonApi.JsonApiJson.Options, JsonApi.JsonApiResults.ContentType);
    }

    [EndpointId("RS-2")]
    public static async Task<Created> Upload(string tenantId, string file, string? sig, HttpRequest request, StorageAccount storage,
        UploadUrls urls, TimeProvider time, CancellationToken cancellationToken)
    {
        var blob = storage.Container(StorageLayout.Containers.Uploads).GetBlobClient(Authorized("PUT", tenantId, file, sig, urls, time));
        if (request.ContentLength is null)
        {
            throw new ApiException(ApiError.ForStatus(StatusCodes.Status411LengthRequired, "An upload needs a Content-Length header."));
        }
        await blob.UploadAsync(request.Body, new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = request.ContentType ?? "application/octet-stream" },
        }, cancellationToken);
        return TypedResults.Created();
    }

    [EndpointId("RS-3")]
    public static async Task<IResult> Download(string tenantId, string file, string? sig, HttpResponse response, StorageAccount storage,
        UploadUrls urls, TimeProvider time, CancellationToken cancellationToken)
    {
        var blob = storage.Container(StorageLayout.Containers.Uploads).GetBlobClient(Authorized("GET", tenantId, file, sig, urls, time));
        BlobDownloadStreamingResult content;
        try
        {
            content = (await blob.DownloadStreamingAsync(cancellationToken: cancellationToken)).Value;
        }
        catch (RequestFailedException e) when (e.Status == StatusCodes.Status404NotFound)
        {
            throw new ApiException(ApiError.ForStatus(StatusCodes.Status404NotFound, "Nothing has been uploaded to this URL yet."));
        }
        response.ContentLength = content.Details.ContentLength;
        return TypedResults.Stream(content.Content, content.Details.ContentType);
    }

    /// <summary>The upload's blob name, when the signature is the method's for it and its expiry has not passed.</summary>
    private static string Authorized(string method, string tenantId, string file, string? signature, UploadUrls urls, TimeProvider time)
    {
        var name = $"{tenantId}/{file}";
        if (!urls.Verifies(method, name, signature))
        {
            throw new ApiException(ApiError.ForStatus(StatusCodes.Status403Forbidden, $"This URL's signature is not valid for {method}.") with { Parameter = "sig" });
        }
        if (ExpiredUploadsCleanup.ExpiresAt(name) is not { } expires || expires < time.GetUtcNow().ToUnixTimeSeconds())
        {
            throw new ApiException(ApiError.ForStatus(StatusCodes.Status403Forbidden, "This URL has expired; ask for a new one."));
        }
        return name;
    }
}
