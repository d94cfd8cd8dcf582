using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Serverless.Functions.Identity;

namespace Serverless.Functions.StatusPage.Cachet;

/// <summary>
/// Cachet's <c>X-Cachet-Token</c>: any API key of ours, without an email. The status page's scheme
/// (<see cref="PolicyScheme"/>) forwards to this one when the header is present and to Basic <c>email:apikey</c>
/// otherwise, so both of Cachet's ways in share Basic's handler. Whether the user may act on the page (its tenant)
/// is the page's business, in <see cref="CachetPage"/>.
/// </summary>
public sealed class CachetTokenAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    UserStore users)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "CachetToken";
    public const string PolicyScheme = "Cachet";
    public const string Policy = "StatusPage";
    public const string Header = "X-Cachet-Token";

    /// <summary>Longer than any key we issue; a longer token is refused without a lookup.</summary>
    private const int MaxTokenLength = 512;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = Request.Headers[Header].ToString().Trim();
        if (token.Length == 0)
        {
            return AuthenticateResult.NoResult();
        }
        var user = token.Length <= MaxTokenLength ? await users.FindByApiKeyAsync(token, Context.RequestAborted) : null;
        if (user is null)
        {
            // Even where the read goes on as a guest's: a wrong key is a guess, and counts against the address.
            CredentialGate.Refused(Context);
            return AuthenticateResult.Fail("Unknown API key.");
        }
        CredentialGate.Accepted(Context);
        return AuthenticateResult.Success(new AuthenticationTicket(Caller.ToPrincipal(user, SchemeName), SchemeName));
    }

    /// <summary>
    /// Registers the scheme and the policy the Cachet API groups require. The policy only names the scheme and always
    /// passes: reads are public (a guest sees the guest view), and only the page knows whether a key counts for writes.
    /// </summary>
    public static IServiceCollection AddCachetAuthentication(IServiceCollection services)
    {
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, CachetTokenAuthentication>(SchemeName, null)
            .AddPolicyScheme(PolicyScheme, null, o => o.ForwardDefaultSelector = context =>
                context.Request.Headers.ContainsKey(Header) ? SchemeName : BasicAuthentication.SchemeName);
        services.AddAuthorizationBuilder()
            .AddPolicy(Policy, p => p.AddAuthenticationSchemes(PolicyScheme).RequireAssertion(_ => true));
        CredentialGate.AddCredentialHeader(services, Header);
        return services;
    }
}
