using Serverless.Functions.Hosting;

namespace Serverless.Functions.IntegrationPlatform.AuthSecrets;

/// <summary>
/// Every five minutes, refreshes the ready secrets whose access tokens run out within ten minutes. Tenants choose the
/// token endpoints, so one tenant's endpoint must not cost the others their refresh: each secret's failure is its own,
/// and each tenant gets a time budget for the run.
/// </summary>
public sealed class AuthSecretRefreshJob(AuthSecretStore secrets, SecretRefresher refresher, TimeProvider time, ILogger<AuthSecretRefreshJob> logger) : ITimerJob
{
    public const string Name = "AuthSecretRefresh";
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan Ahead = TimeSpan.FromMinutes(10);

    /// <summary>Longer than one call's timeout, so a single slow endpoint is recorded as such; short beside the interval.</summary>
    public static readonly TimeSpan TenantBudget = TimeSpan.FromSeconds(60);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var due = await secrets.ExpiringBeforeAsync(time.GetUtcNow() + Ahead, cancellationToken);
        var refreshed = 0;
        foreach (var tenant in due.GroupBy(s => s.PartitionKey))
        {
            using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            budget.CancelAfter(TenantBudget);
            foreach (var secret in tenant)
            {
                try
                {
                    await refresher.RefreshAsync(secret, budget.Token);
                    refreshed++;
                }
                catch (Errors.ApiException ex)
                {
                    logger.LogInformation("Secret {SecretId} is not refreshable: {Reason}", secret.Id, ex.Message);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // Its secrets stay ready and due, so the next run tries them again.
                    logger.LogWarning("Tenant {TenantId} used up its refresh budget of {Budget}; its other secrets wait for the next run",
                        tenant.Key, TenantBudget);
                    break;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The type only: a message could carry what the endpoint answered.
                    logger.LogError("Refreshing secret {SecretId} of tenant {TenantId} failed with {ExceptionType}", secret.Id, tenant.Key, ex.GetType().Name);
                }
            }
        }
        logger.LogInformation("Refreshed {Refreshed} of {Count} expiring secrets", refreshed, due.Count);
    }
}
