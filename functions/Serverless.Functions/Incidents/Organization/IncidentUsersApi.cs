using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Errors;
using Serverless.Functions.Hosting;
using Serverless.Functions.Identity;
using Serverless.Functions.Incidents.Access;
using Serverless.Functions.Incidents.Wire;

namespace Serverless.Functions.Incidents.Organization;

/// <summary>
/// Squadcast's users (IM-6..IM-10) over the product's one user model: the ids are the <c>/v2</c> user ids, and a role
/// is the tenant role it maps onto (<see cref="IncidentRoles"/>). Everyone reads; account owners add, change and
/// remove, and the organization always keeps one account owner.
/// </summary>
public static class IncidentUsersApi
{
    public sealed record ContactView(string DialCode, string PhoneNumber);

    public sealed record UserView(string Id, string FirstName, string LastName, string UsernameForDisplay, string Email, bool EmailVerified,
        string Role, string TimeZone, ContactView Contact)
    {
        /// <summary>Only in the answer that adds the user: its API key (its first refresh token), shown once.</summary>
        [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
        public string? ApiKey { get; init; }
    }

    public static void MapIncidentUsersApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapIncidentGroup("IncidentUsers", "/v3/users");
        group.MapGet("/", ListUsers);
        group.MapPost("/", AddUser);
        group.MapGet("/{userId}", GetUser);
        group.MapPut("/{userId}", UpdateUser);
        group.MapDelete("/{userId}", RemoveUser);
    }

    /// <summary>IM-6: the organization's users, or the one with <c>?email=</c>.</summary>
    [EndpointId("IM-6")]
    public static async Task<JsonHttpResult<DataEnvelope<List<UserView>>>> ListUsers(HttpRequest request, IncidentCaller caller, UserStore users,
        CancellationToken cancellationToken)
    {
        var email = request.Query["email"].ToString();
        var list = await users.ListAsync(caller.TenantId, email.Length > 0 ? email : null, cancellationToken);
        return IncidentResults.Data(list.Select(u => ToView(u)).ToList());
    }

    [EndpointId("IM-7")]
    public static async Task<JsonHttpResult<DataEnvelope<UserView>>> GetUser(string userId, IncidentCaller caller, UserStore users,
        CancellationToken cancellationToken) =>
        IncidentResults.Data(ToView(await FindAsync(users, caller, userId, cancellationToken)));

    /// <summary>IM-8: <c>{email, role, first_name, last_name}</c>; answers the user with its API key, shown once.</summary>
    [EndpointId("IM-8")]
    public static async Task<JsonHttpResult<DataEnvelope<UserView>>> AddUser(HttpRequest request, IncidentCaller caller, UserStore users,
        CancellationToken cancellationToken)
    {
        caller.Require(IncidentRoles.AccountOwner);
        var input = await IncidentInput.ReadAsync(request, cancellationToken);
        var email = input.Text("email", required: true, max: 254);
        input.Check(email is null || BootstrapSettings.IsEmail(email), "email", "'email' must be an email address.");
        var role = input.OneOf("role", IncidentRoles.All, required: true);
        var firstName = input.Text("first_name", required: true, max: 100);
        var lastName = input.Text("last_name", max: 100) ?? "";
        input.ThrowIfAny();
        var apiKey = ApiKeys.New();
        try
        {
            var user = await users.CreateAsync(new NewUser(caller.TenantId, firstName!, lastName, email!, null, IncidentRoles.ToTenantRole(role!), apiKey),
                cancellationToken);
            return IncidentResults.Secret(request.HttpContext.Response, ToView(user) with { ApiKey = apiKey }, StatusCodes.Status201Created);
        }
        catch (EmailTakenException)
        {
            throw new ApiException(ApiError.Conflict("email", "A user with this email already exists.") with { Code = "conflict" });
        }
    }

    /// <summary>IM-9: changes the user's <c>role</c>; the last account owner keeps theirs.</summary>
    [EndpointId("IM-9")]
    public static async Task<JsonHttpResult<DataEnvelope<UserView>>> UpdateUser(string userId, HttpRequest request, IncidentCaller caller, UserStore users,
        CancellationToken cancellationToken)
    {
        caller.Require(IncidentRoles.AccountOwner);
        var input = await IncidentInput.ReadAsync(request, cancellationToken);
        var role = input.OneOf("role", IncidentRoles.All, required: true);
        input.ThrowIfAny();
        var user = await FindAsync(users, caller, userId, cancellationToken);
        if (role != IncidentRoles.AccountOwner)
        {
            await EnsureAnotherOwnerAsync(users, user, cancellationToken);
        }
        return IncidentResults.Data(ToView(await users.SetTenantRoleAsync(user, IncidentRoles.ToTenantRole(role!), cancellationToken)));
    }

    /// <summary>IM-10: removes the user from the organization; their keys and access tokens stop working at once.</summary>
    [EndpointId("IM-10")]
    public static async Task<NoContent> RemoveUser(string userId, IncidentCaller caller, UserStore users, RefreshTokenStore tokens,
        CancellationToken cancellationToken)
    {
        caller.Require(IncidentRoles.AccountOwner);
        var user = await FindAsync(users, caller, userId, cancellationToken);
        await EnsureAnotherOwnerAsync(users, user, cancellationToken);
        await users.RemoveAsync(user, cancellationToken);
        foreach (var token in await tokens.ListAsync(caller.TenantId, user.Id, cancellationToken))
        {
            await tokens.DeleteAsync(token, cancellationToken);
        }
        return TypedResults.NoContent();
    }

    public static UserView ToView(UserEntity u) => new(u.Id, u.FirstName, u.LastName, $"{u.FirstName} {u.LastName}".Trim(), u.Email, true,
        IncidentRoles.OfTenantRole(u.TenantRole), "UTC", new ContactView("", ""));

    private static async Task<UserEntity> FindAsync(UserStore users, IncidentCaller caller, string userId, CancellationToken cancellationToken) =>
        await users.GetAsync(caller.TenantId, userId, cancellationToken)
            ?? throw new ApiException(ApiError.NotFound("user", userId, "userID") with { Code = "not_found" });

    private static async Task EnsureAnotherOwnerAsync(UserStore users, UserEntity user, CancellationToken cancellationToken)
    {
        if (user.TenantRole != TenantRoles.Admin)
        {
            return;
        }
        var owners = (await users.ListAsync(user.TenantId, null, cancellationToken)).Count(u => u.TenantRole == TenantRoles.Admin);
        if (owners <= 1)
        {
            throw new ApiException(ApiError.Conflict("role", "The organization's last account owner cannot lose that role; make another user account_owner first.")
                with { Code = "conflict" });
        }
    }
}
