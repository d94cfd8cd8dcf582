using Serverless.Functions.Tenancy;

namespace Serverless.Functions.IntegrationPlatform.DataSamples;

/// <summary>A workspace's samples go with it (WS-10).</summary>
public sealed class DataSampleTenancyHooks(DataSampleStore samples) : ITenancyHooks
{
    public Task StopContractFlowsAsync(string tenantId, string contractId, CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task DeleteWorkspaceContentsAsync(string tenantId, string workspaceId, CancellationToken cancellationToken)
    {
        foreach (var sample in await samples.OfWorkspaceAsync(tenantId, workspaceId, cancellationToken))
        {
            await samples.DeleteAsync(tenantId, sample.Id, cancellationToken);
        }
    }

    public Task TransferOwnershipAsync(string tenantId, string workspaceId, string fromUserId, string toUserId, CancellationToken cancellationToken) => Task.CompletedTask;
}
