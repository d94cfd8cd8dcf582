using Azure;
using Azure.Data.Tables;
using Serverless.Functions.Storage;

namespace Serverless.Functions.StatusPage;

// StatusPages: PK = "pages", RK = slug → PageId (stable: every item of the page is keyed by it), TenantId, Name, and the
// page's branding (LogoUrl, AccentColor, About, SupportUrl, TimeZone) and Private (viewers need a key of its tenant).
// One partition, so a rename (delete the old slug's row, insert the new one) is a single transaction, and listing a
// tenant's pages is one small query.

public sealed class StatusPageEntity : TableRow
{
    public const string Partition = "pages";

    public string Slug => RowKey;
    public string PageId { get; set; } = "";
    public string TenantId { get; set; } = "";
    public string Name { get; set; } = "";
    public DateTimeOffset Created { get; set; }

    /// <summary>The IANA time zone the page shows times in; empty for UTC.</summary>
    public string TimeZone { get; set; } = "";

    /// <summary>An http(s) URL of the logo shown in the page's header; empty for none.</summary>
    public string LogoUrl { get; set; } = "";

    /// <summary><c>#rrggbb</c>, the header's and the links' colour; empty for the default.</summary>
    public string AccentColor { get; set; } = "";

    /// <summary>Markdown shown above the components; empty for none.</summary>
    public string About { get; set; } = "";

    /// <summary>An http(s) URL shown as "Support" in the header; empty for none.</summary>
    public string SupportUrl { get; set; } = "";

    /// <summary>Cachet's <c>always_authenticate</c>, per page: every read, of the API and the HTML, needs a key of its tenant.</summary>
    public bool Private { get; set; }

    /// <summary>The same page under another slug (every other column kept), for a rename.</summary>
    public StatusPageEntity WithSlug(string slug) => new()
    {
        PartitionKey = Partition, RowKey = slug, PageId = PageId, TenantId = TenantId, Name = Name, Created = Created, TimeZone = TimeZone,
        LogoUrl = LogoUrl, AccentColor = AccentColor, About = About, SupportUrl = SupportUrl, Private = Private,
    };

    /// <summary><see cref="TimeZone"/> resolved; UTC when empty or no longer known.</summary>
    public TimeZoneInfo Zone() =>
        TimeZone.Length > 0 && TimeZoneInfo.TryFindSystemTimeZoneById(TimeZone, out var zone) ? zone : TimeZoneInfo.Utc;
}

/// <summary>The pages; a change to one (its name, slug, branding, privacy, or its deletion) bumps its <see cref="StatusPageVersions"/>.</summary>
public sealed class StatusPageStore(StorageAccount storage, StatusPageVersions versions)
{
    public const string DefaultSlug = "default";

    private readonly TableClient table = storage.Table(StorageLayout.Tables.StatusPages);

    public async Task<StatusPageEntity?> FindAsync(string slug, CancellationToken cancellationToken = default)
    {
        if (!IsSlug(slug))
        {
            return null;
        }
        var row = await table.GetEntityIfExistsAsync<StatusPageEntity>(StatusPageEntity.Partition, slug, cancellationToken: cancellationToken);
        return row.HasValue ? row.Value : null;
    }

    public Task<IReadOnlyList<StatusPageEntity>> OfTenantAsync(string tenantId, CancellationToken cancellationToken = default) =>
        table.ListAsync<StatusPageEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {StatusPageEntity.Partition} and TenantId eq {tenantId}"), cancellationToken);

    public Task<IReadOnlyList<StatusPageEntity>> AllAsync(CancellationToken cancellationToken = default) =>
        table.ListAsync<StatusPageEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {StatusPageEntity.Partition}"), cancellationToken);

    /// <summary>Adds the page; false when its slug is taken.</summary>
    public async Task<bool> TryAddAsync(StatusPageEntity page, CancellationToken cancellationToken = default)
    {
        page.PartitionKey = StatusPageEntity.Partition;
        try
        {
            await table.AddEntityAsync(EntitySize.EnsureFits(page), cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    /// <summary>
    /// Writes the page's changed columns and, when the slug changes, moves it to the new slug in one transaction; false
    /// when the new slug is taken.
    /// </summary>
    public async Task<bool> TryRenameAsync(StatusPageEntity page, string slug, string name, CancellationToken cancellationToken = default)
    {
        page.Name = name;
        if (slug == page.Slug)
        {
            await table.UpdateEntityAsync(EntitySize.EnsureFits(page), page.ETag, TableUpdateMode.Replace, cancellationToken);
            await versions.BumpAsync(page.PageId, cancellationToken);
            return true;
        }
        var moved = EntitySize.EnsureFits(page.WithSlug(slug));
        try
        {
            await table.SubmitTransactionAsync([new(TableTransactionActionType.Delete, page, page.ETag), new(TableTransactionActionType.Add, moved)], cancellationToken);
            await versions.BumpAsync(page.PageId, cancellationToken);
            return true;
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    public async Task DeleteAsync(StatusPageEntity page, CancellationToken cancellationToken = default)
    {
        await table.DeleteEntityAsync(page.PartitionKey, page.RowKey, page.ETag, cancellationToken);
        await versions.BumpAsync(page.PageId, cancellationToken);
    }

    /// <summary>Lowercase letters, digits and single hyphens, as a URL path segment wants.</summary>
    public static bool IsSlug(string slug) =>
        slug.Length is > 0 and <= 63 && slug.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-') && slug[0] != '-' && slug[^1] != '-'
        && !slug.Contains("--", StringComparison.Ordinal);
}
