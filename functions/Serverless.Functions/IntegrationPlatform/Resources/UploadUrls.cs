using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Serverless.Functions.Storage;

namespace Serverless.Functions.IntegrationPlatform.Resources;

/// <summary>
/// The signatures of the signed URLs' <c>sig</c> parameter: an HMAC-SHA256 over the method and the upload's blob
/// name, which holds its expiry, under a key derived from <c>ENCRYPTION_KEY</c> for this purpose alone. The method is
/// signed, so a get_url cannot upload and a put_url cannot read; the name is signed, so no URL reaches another upload.
/// </summary>
public sealed class UploadUrls(IOptions<EncryptionOptions> options)
{
    private readonly byte[] key = HKDF.DeriveKey(HashAlgorithmName.SHA256, Convert.FromBase64String(options.Value.Key!), 32,
        info: "signed-url upload signatures"u8.ToArray());

    public string Sign(string method, string blobName) =>
        Convert.ToBase64String(Mac(method, blobName)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public bool Verifies(string method, string blobName, string? signature)
    {
        if (string.IsNullOrEmpty(signature) || signature.Length > 64)
        {
            return false;
        }
        var expected = Encoding.ASCII.GetBytes(Sign(method, blobName));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signature));
    }

    private byte[] Mac(string method, string blobName) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{method}\n{blobName}"));
}
