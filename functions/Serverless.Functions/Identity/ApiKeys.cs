using System.Security.Cryptography;
using System.Text;

namespace Serverless.Functions.Identity;

/// <summary>
/// API keys are 256 random bits, shown once and stored only as a SHA-256 hash. A slow password hash is not needed:
/// guessing a 256-bit key is hopeless whatever the hash costs, and a fast one keeps every authenticated request cheap.
/// </summary>
public static class ApiKeys
{
    /// <summary>Marks our keys so secret scanners and people can tell them apart from other tokens.</summary>
    public const string Prefix = "ops_";

    /// <summary>The shortest key accepted from configuration; generated keys are far longer.</summary>
    public const int MinimumLength = 32;

    public static string New() => Prefix + Base64UrlEncode(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
