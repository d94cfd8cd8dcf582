using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Serverless.Functions.Storage;

public sealed class EncryptionOptions
{
    public const string KeySetting = "ENCRYPTION_KEY";

    /// <summary>32 random bytes, base64 (<c>openssl rand -base64 32</c>); Key Vault in Azure.</summary>
    public string? Key { get; set; }
}

/// <summary>
/// Encrypts credentials, secrets and anything else secret before it reaches storage: AES-256-GCM with a random 96-bit
/// nonce per value, and the value's purpose (say, "operation-input") as associated data, so a ciphertext copied into
/// another column does not decrypt there. Format: "v1:" + base64(nonce | tag | ciphertext).
/// </summary>
public sealed class SecretBox(IOptions<EncryptionOptions> options)
{
    private const string Version = "v1:";
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly byte[] key = Convert.FromBase64String(options.Value.Key!);

    public string Seal(string plaintext, string purpose)
    {
        var data = Encoding.UTF8.GetBytes(plaintext);
        var sealedBytes = new byte[NonceSize + TagSize + data.Length];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, data, sealedBytes.AsSpan(NonceSize + TagSize), sealedBytes.AsSpan(NonceSize, TagSize), Encoding.UTF8.GetBytes(purpose));
        return Version + Convert.ToBase64String(sealedBytes);
    }

    public string Open(string sealedText, string purpose)
    {
        if (!sealedText.StartsWith(Version, StringComparison.Ordinal))
        {
            throw new CryptographicException("Not a sealed value.");
        }
        var sealedBytes = Convert.FromBase64String(sealedText[Version.Length..]);
        var data = new byte[sealedBytes.Length - NonceSize - TagSize];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize + TagSize), sealedBytes.AsSpan(NonceSize, TagSize), data,
            Encoding.UTF8.GetBytes(purpose));
        return Encoding.UTF8.GetString(data);
    }

    public static IServiceCollection AddSecretBox(IServiceCollection services)
    {
        services.AddOptions<EncryptionOptions>()
            .Configure<IConfiguration>((o, configuration) => o.Key = configuration[EncryptionOptions.KeySetting])
            .Validate(o => IsKey(o.Key), $"{EncryptionOptions.KeySetting} must be 32 random bytes in base64 (`openssl rand -base64 32`).")
            .ValidateOnStart();
        services.AddSingleton<SecretBox>();
        return services;
    }

    private static bool IsKey(string? value)
    {
        Span<byte> bytes = stackalloc byte[64];
        return value is not null && Convert.TryFromBase64String(value, bytes, out var length) && length == 32;
    }
}
