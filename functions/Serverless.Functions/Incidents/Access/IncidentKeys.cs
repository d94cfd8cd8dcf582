using Serverless.Functions.Identity;

namespace Serverless.Functions.Incidents.Access;

/// <summary>Whose a refresh token is and what it may do: the lesser of its own role and its user's role today.</summary>
public sealed record KeyHolder(UserEntity User, string TokenId, string Role, string KeyCheck);

/// <summary>
/// Resolves refresh tokens (a user's own API key, or a further token made at <c>/v3/refresh-token</c>) and re-checks,
/// on every request, that the refresh token behind an access token still exists, so revoking it ends its access tokens.
/// </summary>
public sealed class IncidentKeys(UserStore users, RefreshTokenStore tokens)
{
    /// <summary>A user's own API key goes by this token id in access tokens.</summary>
    public const string OwnKeyId = "api-key";

    /// <summary>Longer than any key we issue; a longer one is refused without a lookup.</summary>
    private const int MaxTokenLength = 512;

    public async Task<KeyHolder?> ResolveAsync(string refreshToken, CancellationToken cancellationToken = default)
    {
        if (refreshToken.Length is 0 or > MaxTokenLength)
        {
            return null;
        }
        var check = ApiKeys.Hash(refreshToken)[..16];
        if (await users.FindByApiKeyAsync(refreshToken, cancellationToken) is { } owner)
        {
            return new KeyHolder(owner, OwnKeyId, IncidentRoles.OfTenantRole(owner.TenantRole), check);
        }
        var token = await tokens.FindAsync(refreshToken, cancellationToken);
        var user = token is null ? null : await users.GetAsync(token.TenantId, token.UserId, cancellationToken);
        return user is null ? null : new KeyHolder(user, token!.Id, IncidentRoles.Lower(token.Role, IncidentRoles.OfTenantRole(user.TenantRole)), check);
    }

    /// <summary>The holder of an access token's refresh token, when that token still exists and is still its user's.</summary>
    public async Task<KeyHolder?> ResolveAsync(AccessTokens.Claims claims, CancellationToken cancellationToken = default)
    {
        var user = await users.GetAsync(claims.TenantId, claims.UserId, cancellationToken);
        if (user is null)
        {
            return null;
        }
        if (claims.TokenId == OwnKeyId)
        {
            // The key the token was minted from must still be the user's key: a replaced key revokes its access tokens.
            return user.ApiKeyHash.StartsWith(claims.KeyCheck, StringComparison.Ordinal)
                ? new KeyHolder(user, OwnKeyId, IncidentRoles.OfTenantRole(user.TenantRole), claims.KeyCheck)
                : null;
        }
        var token = await tokens.GetAsync(claims.TenantId, claims.TokenId, cancellationToken);
        return token is not null && token.UserId == user.Id && token.TokenHash.StartsWith(claims.KeyCheck, StringComparison.Ordinal)
            ? new KeyHolder(user, token.Id, IncidentRoles.Lower(token.Role, IncidentRoles.OfTenantRole(user.TenantRole)), claims.KeyCheck)
            : null;
    }

    public Task TouchAsync(KeyHolder holder, CancellationToken cancellationToken = default) =>
        holder.TokenId == OwnKeyId
            ? users.TouchLastLoginAsync(holder.User, cancellationToken)
            : TouchTokenAsync(holder, cancellationToken);

    private async Task TouchTokenAsync(KeyHolder holder, CancellationToken cancellationToken)
    {
        if (await tokens.GetAsync(holder.User.TenantId, holder.TokenId, cancellationToken) is { } token)
        {
            await tokens.TouchAsync(token, cancellationToken);
        }
    }
}
