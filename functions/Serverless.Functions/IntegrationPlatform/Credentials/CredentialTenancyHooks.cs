using Serverless.Functions.Tenancy;

namespace Serverless.Functions.IntegrationPlatform.Credentials;

/// <summary>A workspace's credentials go with it, and a removed member's pass to whoever removed them (WS-7, WS-10).</summary>
public sealed class CredentialTenancyHooks(CredentialStore credentials) : ITenancyHooks
{
    public Task StopContractFlowsAsync(string tenantId, string contractId, CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task DeleteWorkspaceContentsAsync(string tenantId, string workspaceId, CancellationToken cancellationToken)
    {
        foreach (var credential in await credentials.OfWorkspaceAsync(tenantId, workspaceId, cancellationToken))
        {
            await credentials.DeleteAsync(tenantId, credential.Id, cancellationToken);
        }
    }

    public async Task TransferOwnershipAsync(string tenantId, string workspaceId, string fromUserId, string toUserId, CancellationToken cancellationToken)
    {
        foreach (var credential in await credentials.OfWorkspaceAsync(tenantId, workspaceId, cancellationToken))
        {
            if (credential.UserId == fromUserId)
            {
                await credentials.MutateAsync(tenantId, credential.Id, c =>
                {
                    c.UserId = toUserId;
                    return true;
                }, cancellationToken);
            }
        }
    }
}
