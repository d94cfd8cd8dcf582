using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Serverless.Functions.Identity;

/// <summary>
/// HTTP Basic <c>email:apikey</c>, the Integration Platform's dialect. The key finds the user; the email
/// must then be that user's. Challenges and refusals only set the status: the surface's error writer adds the body.
/// </summary>
public sealed class BasicAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    UserStore users)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "Basic";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }
        if (!TryDecode(header, out var email, out var key))
        {
            CredentialGate.Refused(Context);
            return AuthenticateResult.Fail("Malformed Basic credentials.");
        }
        var user = await users.FindByEmailAndApiKeyAsync(email, key, Context.RequestAborted);
        if (user is null)
        {
            // The email is not logged: it is half of a credential.
            Logger.LogInformation("Basic authentication refused");
            CredentialGate.Refused(Context);
            return AuthenticateResult.Fail("Unknown email or API key.");
        }
        CredentialGate.Accepted(Context);
        await users.TouchLastLoginAsync(user, Context.RequestAborted);
        Caller.RememberUser(Context, user);
        return AuthenticateResult.Success(new AuthenticationTicket(Caller.ToPrincipal(user, SchemeName), SchemeName));
    }

    /// <summary>Reads <c>email:apikey</c> from an Authorization header; false when it is not well-formed Basic.</summary>
    public static bool TryDecode(string header, out string email, out string key)
    {
        email = key = "";
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        var encoded = header["Basic ".Length..].Trim();
        Span<byte> bytes = stackalloc byte[512];
        if (encoded.Length > 680 || !Convert.TryFromBase64String(encoded, bytes, out var written))
        {
            return false;
        }
        var text = Encoding.UTF8.GetString(bytes[..written]);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == text.Length - 1)
        {
            return false;
        }
        (email, key) = (text[..colon], text[(colon + 1)..]);
        return true;
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        return Task.CompletedTask;
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        return Task.CompletedTask;
    }
}
