using Serverless.Functions.Hosting;
using Serverless.Functions.Identity;

namespace Serverless.Functions.StatusPage;

/// <summary>Gives the bootstrap admin's tenant its first status page, <c>default</c>, served at <c>/status</c>. Idempotent.</summary>
public sealed class DefaultStatusPage(BootstrapSettings settings, UserStore users, StatusPageStore pages, TimeProvider time,
    ILogger<DefaultStatusPage> logger) : IStartupTask
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (settings.ApiKey is null || await pages.FindAsync(StatusPageStore.DefaultSlug, cancellationToken) is not null)
        {
            return;
        }
        var admin = await users.FindByApiKeyAsync(settings.ApiKey, cancellationToken)
            ?? throw new InvalidOperationException("The bootstrap admin is not there yet.");
        var page = new StatusPageEntity
        {
            RowKey = StatusPageStore.DefaultSlug, PageId = Ids.New(time), TenantId = admin.TenantId, Name = "Status", Created = time.GetUtcNow(),
        };
        if (await pages.TryAddAsync(page, cancellationToken))
        {
            logger.LogInformation("Status page {Slug} created for tenant {TenantId}", page.Slug, page.TenantId);
        }
    }
}
