using Serverless.Functions.Hosting;

namespace Serverless.Functions.IntegrationPlatform.AuthSecrets;

/// <summary>Every five minutes, refreshes the ready secrets whose access tokens run out within ten minutes.</summary>
public sealed class AuthSecretRefreshJob(AuthSecretStore secrets, SecretRefresher refresher, TimeProvider time, ILogger<AuthSecretRefreshJob> logger) : ITimerJob
{
    public const string Name = "AuthSecretRefresh";
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan Ahead = TimeSpan.FromMinutes(10);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var due = await secrets.ExpiringBeforeAsync(time.GetUtcNow() + Ahead, cancellationToken);
        foreach (var secret in due)
        {
            try
            {
                await refresher.RefreshAsync(secret, cancellationToken);
            }
            catch (Errors.ApiException ex)
            {
                logger.LogInformation("Secret {SecretId} is not refreshable: {Reason}", secret.Id, ex.Message);
            }
        }
        logger.LogInformation("Refreshed {Count} expiring secrets", due.Count);
    }
}
