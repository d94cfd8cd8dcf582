using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Serverless.Functions.Storage;

namespace Serverless.Functions.Incidents.Access;

/// <summary>
/// The access tokens <c>/oauth/access-token</c> issues: JWTs signed with HMAC-SHA256 that expire after 48 hours, as the
/// seed's example does (<c>expires_at − issued_at</c> = 172,800 s). They carry the user, the tenant and which refresh
/// token minted them, so every request can check that the token is still there (revocation) and what role it grants
/// now. The key is <c>INCIDENT_TOKEN_SIGNING_KEY</c> (Key Vault in Azure); unset, it is derived from
/// <c>ENCRYPTION_KEY</c> with HKDF, so a local run needs no second secret.
/// </summary>
public sealed class AccessTokens
{
    public const string SigningKeySetting = "INCIDENT_TOKEN_SIGNING_KEY";
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(48);

    private const string Issuer = "serverless-ops-backend";
    private const string Audience = "incidents";

    private readonly SymmetricSecurityKey key;
    private readonly TimeProvider time;
    private readonly JsonWebTokenHandler handler = new();

    public AccessTokens(IConfiguration configuration, TimeProvider time)
    {
        this.time = time;
        var configured = configuration[SigningKeySetting];
        byte[] bytes;
        if (!string.IsNullOrWhiteSpace(configured))
        {
            bytes = new byte[96];
            if (!Convert.TryFromBase64String(configured.Trim(), bytes, out var length) || length < 32)
            {
                throw new InvalidOperationException($"{SigningKeySetting} must be at least 32 random bytes in base64 (`openssl rand -base64 32`).");
            }
            bytes = bytes[..length];
        }
        else
        {
            var master = Convert.FromBase64String(configuration[EncryptionOptions.KeySetting]
                ?? throw new InvalidOperationException($"Set {SigningKeySetting} or {EncryptionOptions.KeySetting}."));
            bytes = HKDF.DeriveKey(HashAlgorithmName.SHA256, master, 32, info: Encoding.UTF8.GetBytes("incident-access-tokens"));
        }
        key = new SymmetricSecurityKey(bytes);
    }

    public sealed record Issued(string Token, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt);

    /// <summary>What a valid token says: whose it is and which refresh token (by id, and a check of its hash) minted it.</summary>
    public sealed record Claims(string TenantId, string UserId, string TokenId, string KeyCheck);

    public Issued Issue(string tenantId, string userId, string tokenId, string keyCheck)
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(time.GetUtcNow().ToUnixTimeSeconds());
        var expires = now + Lifetime;
        var token = handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
            Claims = new Dictionary<string, object>
            {
                ["sub"] = userId,
                ["tid"] = tenantId,
                ["rt"] = tokenId,
                ["kc"] = keyCheck,
                ["jti"] = Guid.NewGuid().ToString("N"),
            },
        });
        return new Issued(token, now, expires);
    }

    /// <summary>The token's claims when its signature holds and it has not expired (by the app's clock); otherwise null.</summary>
    public async Task<Claims?> ValidateAsync(string token)
    {
        if (token.Length > 4096)
        {
            return null;
        }
        var result = await handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = Audience,
            IssuerSigningKey = key,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            // Expiry is checked below against the app's TimeProvider, so tests can move time.
            ValidateLifetime = false,
        });
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt || jwt.ValidTo <= time.GetUtcNow().UtcDateTime)
        {
            return null;
        }
        return jwt.TryGetPayloadValue<string>("tid", out var tenantId) && jwt.TryGetPayloadValue<string>("sub", out var userId) &&
            jwt.TryGetPayloadValue<string>("rt", out var tokenId) && jwt.TryGetPayloadValue<string>("kc", out var keyCheck)
            ? new Claims(tenantId, userId, tokenId, keyCheck)
            : null;
    }
}
