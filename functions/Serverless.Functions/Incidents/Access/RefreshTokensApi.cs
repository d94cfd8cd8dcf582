using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Errors;
using Serverless.Functions.Hosting;
using Serverless.Functions.Identity;
using Serverless.Functions.Incidents.Wire;

namespace Serverless.Functions.Incidents.Access;

/// <summary>
/// Further refresh tokens (IM-2..IM-4, Squadcast's "Users/Api Token"): each has a role no higher than its creator's
/// (and its user's), chosen at creation and fixed, and is shown once and stored hashed. An account owner manages every
/// user's tokens; others their own.
/// </summary>
public static class RefreshTokensApi
{
    public sealed record TokenView(string Id, string OrganizationId, string UserId, string Name, string Role, DateTimeOffset CreatedAt,
        DateTimeOffset? LastRefresh, bool Deleted);

    public sealed record CreatedTokenView(string Id, string OrganizationId, string UserId, string Name, string Role, DateTimeOffset CreatedAt,
        string Token, string Note);

    public static void MapRefreshTokensApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapIncidentGroup("RefreshTokens", "/v3/refresh-token");
        group.MapGet("/", ListTokens);
        group.MapPost("/", CreateToken);
        group.MapDelete("/{refreshTokenId}", DeleteToken);
    }

    [EndpointId("IM-2")]
    public static async Task<JsonHttpResult<DataEnvelope<List<TokenView>>>> ListTokens(IncidentCaller caller, RefreshTokenStore tokens,
        CancellationToken cancellationToken)
    {
        var list = await tokens.ListAsync(caller.TenantId, caller.Is(IncidentRoles.AccountOwner) ? null : caller.UserId, cancellationToken);
        return IncidentResults.Data(list.Select(ToView).ToList());
    }

    /// <summary>IM-3: <c>{user_id?, role?, name?}</c>; the role defaults to the user's and may not exceed the caller's.</summary>
    [EndpointId("IM-3")]
    public static async Task<JsonHttpResult<DataEnvelope<CreatedTokenView>>> CreateToken(HttpRequest request, IncidentCaller caller, UserStore users,
        RefreshTokenStore tokens, CancellationToken cancellationToken)
    {
        var input = await IncidentInput.ReadAsync(request, cancellationToken);
        var userId = input.Text("user_id") ?? caller.UserId;
        var role = input.OneOf("role", IncidentRoles.All);
        var name = input.Text("name", max: 100) ?? "API token";
        input.ThrowIfAny();
        if (userId != caller.UserId)
        {
            caller.Require(IncidentRoles.AccountOwner);
        }
        var user = await users.GetAsync(caller.TenantId, userId, cancellationToken)
            ?? throw new ApiException(IncidentInput.Invalid("user_id", $"No user with id '{userId}' is in this organization."));
        var userRole = IncidentRoles.OfTenantRole(user.TenantRole);
        role ??= IncidentRoles.Lower(userRole, caller.Role);
        if (IncidentRoles.Rank(role) > IncidentRoles.Rank(caller.Role))
        {
            throw new ApiException(ApiError.Forbidden($"A token's role may not exceed its creator's: this token's role is {caller.Role}.")
                with { Code = "insufficient_role", Pointer = "role" });
        }
        if (IncidentRoles.Rank(role) > IncidentRoles.Rank(userRole))
        {
            throw new ApiException(IncidentInput.Invalid("role", $"The user's role is {userRole}; their token cannot be {role}."));
        }
        var (entity, token) = await tokens.CreateAsync(caller.TenantId, user.Id, role, name, cancellationToken);
        return IncidentResults.Secret(request.HttpContext.Response, new CreatedTokenView(entity.Id, entity.TenantId, entity.UserId, entity.Name,
            entity.Role, entity.Created, token, "Store this token now: it is shown only once."), StatusCodes.Status201Created);
    }

    /// <summary>IM-4: revokes the token and, with it, every access token it minted.</summary>
    [EndpointId("IM-4")]
    public static async Task<NoContent> DeleteToken(string refreshTokenId, IncidentCaller caller, RefreshTokenStore tokens, CancellationToken cancellationToken)
    {
        var token = await tokens.GetAsync(caller.TenantId, refreshTokenId, cancellationToken);
        if (token is null || (token.UserId != caller.UserId && !caller.Is(IncidentRoles.AccountOwner)))
        {
            throw new ApiException(ApiError.NotFound("refresh token", refreshTokenId, "refreshTokenID") with { Code = "not_found" });
        }
        await tokens.DeleteAsync(token, cancellationToken);
        return TypedResults.NoContent();
    }

    private static TokenView ToView(RefreshTokenEntity t) => new(t.Id, t.TenantId, t.UserId, t.Name, t.Role, t.Created, t.LastRefresh, false);
}
