using System.Text.Json.Nodes;
using Serverless.Functions.Hosting;
using Serverless.Functions.IntegrationPlatform.AuthClients;
using Serverless.Functions.Runtime.Components;

namespace Serverless.Functions.IntegrationPlatform.AuthSecrets;

/// <summary>
/// Refreshes an oauth2 secret with a refresh-token grant (RFC 6749 §6) at its client's refresh_token_uri (or token_uri),
/// authenticating with the client's id and secret. The outcome is recorded on the secret: new tokens and state ready,
/// or state error with the reason.
/// </summary>
public sealed class SecretRefresher(AuthSecretStore secrets, AuthClientStore clients, IHttpClientFactory http, TimeProvider time, ILogger<SecretRefresher> logger)
{
    public async Task<AuthSecretEntity> RefreshAsync(AuthSecretEntity secret, CancellationToken cancellationToken)
    {
        var client = await clients.GetAsync(secret.PartitionKey, secret.AuthClientId, cancellationToken);
        if (client is not { Type: AuthClientsApi.OAuth2 })
        {
            throw new Errors.ApiException(Errors.ApiError.ForStatus(StatusCodes.Status409Conflict, "Only secrets of an oauth2 client can be refreshed.") with { Code = "not_refreshable" });
        }
        var credentials = secrets.OpenCredentials(secret);
        if (credentials["refresh_token"]?.ToString() is not { Length: > 0 } refreshToken)
        {
            throw new Errors.ApiException(Errors.ApiError.ForStatus(StatusCodes.Status409Conflict, "The secret has no refresh_token to refresh with.") with { Code = "not_refreshable" });
        }
        var clientCredentials = clients.OpenCredentials(client);
        var (state, error) = (AuthSecretEntity.Ready, (string?)null);
        JsonObject? refreshed = null;
        DateTimeOffset? expiresAt = null;
        try
        {
            var tokens = await GrantAsync(clientCredentials, refreshToken, cancellationToken);
            refreshed = new JsonObject { ["access_token"] = tokens["access_token"]!.DeepClone() };
            if (tokens["refresh_token"] is { } rotated)
            {
                refreshed["refresh_token"] = rotated.DeepClone();
            }
            var expiresIn = Seconds(tokens["expires_in"]) ?? Seconds(clientCredentials["token_expires_in"]) ?? 3600;
            refreshed["expires_in"] = expiresIn;
            expiresAt = time.GetUtcNow().AddSeconds(expiresIn);
        }
        catch (ComponentException ex)
        {
            (state, error) = (AuthSecretEntity.Error, ex.Message);
            logger.LogWarning("Refreshing secret {SecretId} failed: {Reason}", secret.Id, ex.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Whatever else the endpoint's answer broke (an undecodable charset, say) is still this secret's failure.
            (state, error) = (AuthSecretEntity.Error, "The token endpoint's answer could not be read.");
            logger.LogWarning("Refreshing secret {SecretId} failed with {ExceptionType}", secret.Id, ex.GetType().Name);
        }
        // The grant took a network round trip: the owner may have changed the secret meanwhile. The write re-reads the
        // row and goes in only with its ETag (a 412 reads again), and only the tokens the grant returned replace theirs.
        return await secrets.MutateAsync(secret.PartitionKey, secret.Id, s =>
        {
            s.State = state;
            s.ErrorMessage = error;
            if (refreshed is not null)
            {
                var current = secrets.OpenCredentials(s);
                foreach (var (key, value) in refreshed)
                {
                    current[key] = value!.DeepClone();
                }
                s.Credentials = secrets.SealCredentials(current);
                s.ExpiresAt = expiresAt;
            }
            return true;
        }, cancellationToken) ?? secret;
    }

    private async Task<JsonObject> GrantAsync(JsonObject client, string refreshToken, CancellationToken cancellationToken)
    {
        var address = client["refresh_token_uri"]?.ToString() is { Length: > 0 } refreshUri ? refreshUri : client["token_uri"]?.ToString();
        if (!OutboundHttp.TryHttpUrl(address, out var uri))
        {
            throw new ComponentException("The client's token endpoint is not an http(s) URL.");
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "refresh_token",
                ["refresh_token"] = refreshToken,
                ["client_id"] = client["client_id"]!.ToString(),
                ["client_secret"] = client["client_secret"]!.ToString(),
            }),
        };
        // The reason recorded on the secret is ours, never the endpoint's words: the answer's body, or a transport
        // error's detail, would let whoever chose the URL read what it answered.
        string text;
        try
        {
            using var response = await OutboundHttp.Create(http).SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new ComponentException($"The token endpoint answered {(int)response.StatusCode}.");
            }
            text = await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (HttpRequestException ex) when (OutboundHttp.RefusalOf(ex) is not null)
        {
            throw new ComponentException("The token endpoint's address is refused: outbound calls do not go to loopback, private or link-local networks.");
        }
        catch (HttpRequestException)
        {
            throw new ComponentException("The token endpoint could not be reached, or its answer was too large.");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ComponentException("The token endpoint did not answer in time.");
        }
        try
        {
            return JsonNode.Parse(text) is JsonObject tokens && tokens["access_token"] is not null
                ? tokens
                : throw new ComponentException("The token endpoint's answer has no access_token.");
        }
        catch (System.Text.Json.JsonException)
        {
            throw new ComponentException("The token endpoint did not answer JSON.");
        }
    }

    internal static int? Seconds(JsonNode? node) => node is JsonValue v && (v.TryGetValue<int>(out var n) || int.TryParse(v.ToString(), out n)) && n > 0 ? n : null;
}
