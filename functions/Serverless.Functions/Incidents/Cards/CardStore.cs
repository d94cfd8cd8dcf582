using Azure;
using Azure.Data.Tables;
using Serverless.Functions.Storage;

namespace Serverless.Functions.Incidents.Cards;

// CommunicationCards: PK = incidentId, RK = id (10 digits, zero-padded) → TenantId, Type, Title, Url, ChannelId, Created,
//                                                                          Updated, Archived: an incident's cards in id order.
//                     PK = "~ids",      RK = tenantId                   → Next: the organization's card ids, integers as Squadcast's are.
// A new card takes its id from the counter (ETag-checked) before it is added; a crash between the two only skips an id.

public sealed class CardEntity : TableRow
{
    public string IncidentId => PartitionKey;
    public int Id { get; set; }
    public string TenantId { get; set; } = "";
    public string Type { get; set; } = "";
    public string Title { get; set; } = "";
    public string Url { get; set; } = "";
    public string? ChannelId { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Updated { get; set; }
    public DateTimeOffset? Archived { get; set; }
}

public sealed class CardCounterEntity : TableRow
{
    public const string Partition = "~ids";

    public int Next { get; set; }
}

public sealed class CardStore(StorageAccount storage)
{
    private readonly TableClient table = storage.Table(StorageLayout.Tables.CommunicationCards);

    private static string Key(int id) => id.ToString("D10", System.Globalization.CultureInfo.InvariantCulture);

    public Task<IReadOnlyList<CardEntity>> ListAsync(string incidentId, CancellationToken cancellationToken = default) =>
        table.ListAsync<CardEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {incidentId}"), cancellationToken);

    public async Task<CardEntity?> GetAsync(string tenantId, string incidentId, string cardId, CancellationToken cancellationToken = default)
    {
        if (!int.TryParse(cardId, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) || id <= 0)
        {
            return null;
        }
        var found = await table.GetEntityIfExistsAsync<CardEntity>(incidentId, Key(id), cancellationToken: cancellationToken);
        return found.HasValue && found.Value!.TenantId == tenantId ? found.Value : null;
    }

    /// <summary>The organization's card for a Slack channel, wherever its incident.</summary>
    public async Task<CardEntity?> ByChannelAsync(string tenantId, string channelId, CancellationToken cancellationToken = default) =>
        (await table.ListAsync<CardEntity>(TableClient.CreateQueryFilter($"TenantId eq {tenantId} and ChannelId eq {channelId}"), cancellationToken))
            .FirstOrDefault();

    public async Task<CardEntity> AddAsync(CardEntity card, CancellationToken cancellationToken = default)
    {
        EntitySize.EnsureFits(card);
        card.Id = await OptimisticConcurrency.RetryAsync(async () =>
        {
            var found = await table.GetEntityIfExistsAsync<CardCounterEntity>(CardCounterEntity.Partition, card.TenantId, cancellationToken: cancellationToken);
            var counter = found.HasValue ? found.Value! : new CardCounterEntity { PartitionKey = CardCounterEntity.Partition, RowKey = card.TenantId };
            counter.Next++;
            if (found.HasValue)
            {
                await table.UpdateEntityAsync(counter, counter.ETag, TableUpdateMode.Replace, cancellationToken);
            }
            else
            {
                await table.AddEntityAsync(counter, cancellationToken);
            }
            return counter.Next;
        });
        card.RowKey = Key(card.Id);
        await table.AddEntityAsync(card, cancellationToken);
        return card;
    }

    public async Task<CardEntity> UpdateAsync(CardEntity card, CancellationToken cancellationToken = default)
    {
        var response = await table.UpdateEntityAsync(EntitySize.EnsureFits(card), card.ETag, TableUpdateMode.Replace, cancellationToken);
        card.ETag = response.Headers.ETag ?? default(ETag);
        return card;
    }

    public Task DeleteAsync(CardEntity card, CancellationToken cancellationToken = default) =>
        table.DeleteEntityAsync(card.PartitionKey, card.RowKey, card.ETag, cancellationToken);
}
