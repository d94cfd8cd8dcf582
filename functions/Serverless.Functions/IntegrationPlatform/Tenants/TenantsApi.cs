using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Errors;
using Serverless.Functions.Identity;
using Serverless.Functions.IntegrationPlatform.JsonApi;

namespace Serverless.Functions.IntegrationPlatform.Tenants;

/// <summary>
/// <c>POST /v2/tenants</c>: a new organization with its first admin (the incident surface's account owner), whose API
/// key the answer shows once. Only the installation's operator, the bootstrap admin, may call it
/// (docs/decisions/0021-organizations.md); everyone else gets 403.
/// </summary>
public static class TenantsApi
{
    public const string Type = "tenant";

    public sealed record TenantInput(string? Name, string? AdminEmail);

    public sealed record TenantAttributes(string Name, DateTimeOffset Created);

    public sealed record CreatedTenantMeta(string AdminUserId, string AdminEmail, string ApiKey, string Note);

    public static RouteGroupBuilder MapTenantsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapIntegrationGroup("Tenants", "/v2/tenants");
        group.MapPost("/", CreateTenant);
        return group;
    }

    public static async Task<JsonHttpResult<Document>> CreateTenant(HttpRequest request, Caller caller, BootstrapSettings operatorSettings, UserStore users,
        CancellationToken cancellationToken)
    {
        if (!caller.IsTenantAdmin || operatorSettings.Email is null ||
            !string.Equals(UserStore.NormalizeEmail(caller.Email), UserStore.NormalizeEmail(operatorSettings.Email), StringComparison.Ordinal))
        {
            throw new ApiException(ApiError.Forbidden("Only the installation's operator (the bootstrap admin) creates organizations."));
        }
        var input = await JsonApiBody.ReadAsync<TenantInput>(request, Type, cancellationToken);
        var rules = new AttributeRules();
        var name = rules.Required(input.Attributes.Name, "name", 100);
        var email = rules.Required(input.Attributes.AdminEmail, "admin_email", 254);
        rules.Check(email.Length == 0 || BootstrapSettings.IsEmail(email), "admin_email", "'admin_email' must be an email address.");
        rules.ThrowIfAny();

        var apiKey = ApiKeys.New();
        UserEntity admin;
        try
        {
            admin = await users.CreateTenantAsync(name, new NewUser("", "Account", "Owner", email, null, TenantRoles.Admin, apiKey), cancellationToken);
        }
        catch (EmailTakenException)
        {
            throw new ApiException(ApiError.Conflict("/data/attributes/admin_email", "A user with this email already exists."));
        }
        var tenant = (await users.GetTenantAsync(admin.TenantId, cancellationToken))!;
        request.HttpContext.Response.Headers.CacheControl = "no-store";
        return JsonApiResults.Created(request.HttpContext.Response,
            Document.Of(new Resource(tenant.Id, Type, new TenantAttributes(tenant.Name, tenant.Created)))
                with { Meta = new CreatedTenantMeta(admin.Id, admin.Email, apiKey, "Store this API key now: it is shown only once.") },
            $"/v2/tenants/{tenant.Id}");
    }
}
