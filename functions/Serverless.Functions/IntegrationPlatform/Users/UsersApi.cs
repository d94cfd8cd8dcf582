using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Errors;
using Serverless.Functions.Hosting;
using Serverless.Functions.Identity;
using Serverless.Functions.IntegrationPlatform.JsonApi;

namespace Serverless.Functions.IntegrationPlatform.Users;

/// <summary>
/// Users (US-1..US-3), plus <c>POST /v2/users</c>: the seed has no way to create a user,
/// so a tenant admin creates one here and the response shows its API key once (docs/decisions/0003-users.md).
/// </summary>
public static class UsersApi
{
    public const string Type = "user";
    private const int DefaultPageSize = 50;

    public static RouteGroupBuilder MapUsersApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapIntegrationGroup("Users", "/v2/users");
        group.MapGet("/me", GetMe);
        group.MapGet("/{id}", GetUser);
        group.MapGet("/", ListUsers);
        group.MapPost("/", CreateUser);
        return group;
    }

    public sealed record UserAttributes(string FirstName, string LastName, string Email, DateTimeOffset Registered, DateTimeOffset? LastLogin)
    {
        [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
        public string? Company { get; init; }

        /// <summary>Not in the seed: says who may create users and contracts (the seed's TenantAdmin).</summary>
        public string TenantRole { get; init; } = TenantRoles.Member;

        /// <summary>The seed's "Service Account record type".</summary>
        public bool ServiceAccount { get; init; }
    }

    public sealed record CreateUserAttributes(string? FirstName, string? LastName, string? Email, string? Company, string? TenantRole, bool? ServiceAccount);

    public sealed record CreatedUserMeta(string ApiKey, string Note);

    /// <summary>US-1: any authenticated user reads themselves.</summary>
    [EndpointId("US-1")]
    public static async Task<JsonHttpResult<Document>> GetMe(HttpContext context, Caller caller, UserStore users, CancellationToken cancellationToken)
    {
        var user = caller.RememberedUser(context) ?? await users.GetAsync(caller.TenantId, caller.UserId, cancellationToken)
            ?? throw new ApiException(ApiError.ForStatus(StatusCodes.Status401Unauthorized));
        return JsonApiResults.Ok(Document.Of(ToResource(user)));
    }

    /// <summary>
    /// US-2: the seed names no permission. A caller reads themselves, users they share a contract with, and, with
    /// tenants.user.list_all, anyone in the tenant; anyone else, and any other tenant, gets 404, because they may not
    /// know the user exists.
    /// </summary>
    [EndpointId("US-2")]
    public static async Task<JsonHttpResult<Document>> GetUser(string id, Caller caller, UserStore users, MembershipStore memberships,
        CancellationToken cancellationToken)
    {
        var visible = Ids.IsValid(id) &&
            (id == caller.UserId || caller.HasTenantPermission(Permissions.TenantsUserListAll) || await ShareAContractAsync(memberships, caller.UserId, id, cancellationToken));
        var user = visible ? await users.GetAsync(caller.TenantId, id, cancellationToken) : null;
        return user is null
            ? throw new ApiException(ApiError.NotFound(Type, id, "USER_ID"))
            : JsonApiResults.Ok(Document.Of(ToResource(user)));
    }

    /// <summary>US-3: needs tenants.user.list_all; filters by exact <c>email</c>, or by OpenID <c>iss</c> / <c>sub</c>.</summary>
    [EndpointId("US-3")]
    public static async Task<JsonHttpResult<Document>> ListUsers(HttpRequest request, Caller caller, UserStore users, CancellationToken cancellationToken)
    {
        if (!caller.HasTenantPermission(Permissions.TenantsUserListAll))
        {
            throw new ApiException(ApiError.Forbidden($"Listing users needs the {Permissions.TenantsUserListAll} permission."));
        }
        var paging = Paging.From(request, DefaultPageSize);
        var email = Single(request, "email");
        var openId = Single(request, "iss") ?? Single(request, "sub");
        if (email is not null && openId is not null)
        {
            throw new ApiException(ApiError.InvalidParameter("email", "'email' cannot be combined with 'iss' or 'sub'."));
        }
        // Users here sign in with API keys only, so no user has an OpenID identity for iss or sub to match.
        IReadOnlyList<UserEntity> found = openId is not null ? [] : await users.ListAsync(caller.TenantId, email, cancellationToken);
        return JsonApiResults.Ok(paging.ToDocument(request, found, ToResource));
    }

    /// <summary>Creates a user in the caller's tenant (tenant admins only) and shows its new API key this once.</summary>
    public static async Task<JsonHttpResult<Document>> CreateUser(HttpRequest request, Caller caller, UserStore users, CancellationToken cancellationToken)
    {
        if (!caller.IsTenantAdmin)
        {
            throw new ApiException(ApiError.Forbidden("Only a tenant admin can create users."));
        }
        var input = await JsonApiBody.ReadAsync<CreateUserAttributes>(request, Type, cancellationToken);
        var a = input.Attributes;
        var rules = new AttributeRules();
        var firstName = rules.Required(a.FirstName, "first_name", 100);
        var lastName = rules.Required(a.LastName, "last_name", 100);
        var email = rules.Required(a.Email, "email", 254);
        rules.Check(email.Length == 0 || BootstrapSettings.IsEmail(email), "email", "'email' must be an email address.");
        var company = rules.MaxLength(a.Company, "company");
        var role = rules.OneOf(a.TenantRole, "tenant_role", [TenantRoles.Admin, TenantRoles.Member]) ?? TenantRoles.Member;
        rules.ThrowIfAny();

        var apiKey = ApiKeys.New();
        UserEntity user;
        try
        {
            user = await users.CreateAsync(new NewUser(caller.TenantId, firstName, lastName, email, company, role, apiKey)
            {
                IsServiceAccount = a.ServiceAccount ?? false,
            }, cancellationToken);
        }
        catch (EmailTakenException)
        {
            throw new ApiException(ApiError.Conflict("/data/attributes/email", "A user with this email already exists."));
        }
        // The key is in this response and nowhere else: keep it out of caches.
        request.HttpContext.Response.Headers.CacheControl = "no-store";
        return JsonApiResults.Created(request.HttpContext.Response,
            Document.Of(ToResource(user)) with { Meta = new CreatedUserMeta(apiKey, "Store this API key now: it is shown only once.") },
            $"/v2/users/{user.Id}");
    }

    private static Resource ToResource(UserEntity user) =>
        new(user.Id, Type, new UserAttributes(user.FirstName, user.LastName, user.Email, user.Registered, user.LastLogin)
        {
            Company = user.Company,
            TenantRole = user.TenantRole,
            ServiceAccount = user.IsServiceAccount,
        })
        {
            Links = new ResourceLinks($"/v2/users/{user.Id}"),
        };

    private static async Task<bool> ShareAContractAsync(MembershipStore memberships, string userId, string otherId, CancellationToken cancellationToken)
    {
        var both = await Task.WhenAll(
            memberships.ScopesOfAsync(userId, ScopeKind.Contract, cancellationToken),
            memberships.ScopesOfAsync(otherId, ScopeKind.Contract, cancellationToken));
        return both[0].Select(m => m.RowKey).Intersect(both[1].Select(m => m.RowKey)).Any();
    }

    private static string? Single(HttpRequest request, string name)
    {
        var values = request.Query[name];
        return values.Count switch
        {
            0 => null,
            1 when !string.IsNullOrWhiteSpace(values[0]) => values[0],
            _ => throw new ApiException(ApiError.InvalidParameter(name, $"'{name}' must be given once, with a value.")),
        };
    }
}
