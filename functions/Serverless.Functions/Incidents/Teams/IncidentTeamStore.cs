using Azure.Data.Tables;
using Serverless.Functions.Identity;
using Serverless.Functions.Storage;

namespace Serverless.Functions.Incidents.Teams;

// IncidentTeams: PK = tenantId, RK = teamId → Name, Description, MemberIds (JSON array of user ids), Created: the
// organization's teams, listed oldest first.

public sealed class IncidentTeamEntity : TableRow
{
    public string TenantId => PartitionKey;
    public string Id => RowKey;
    public string Name { get; set; } = "";
    public string Description { get; set; } = "";
    public string MemberIds { get; set; } = "[]";
    public DateTimeOffset Created { get; set; }
}

public sealed class IncidentTeamStore(StorageAccount storage)
{
    private readonly TableClient table = storage.Table(StorageLayout.Tables.IncidentTeams);

    public async Task<IncidentTeamEntity?> GetAsync(string tenantId, string teamId, CancellationToken cancellationToken = default)
    {
        if (!Ids.IsValid(teamId))
        {
            return null;
        }
        var found = await table.GetEntityIfExistsAsync<IncidentTeamEntity>(tenantId, teamId, cancellationToken: cancellationToken);
        return found.HasValue ? found.Value : null;
    }

    public Task<IReadOnlyList<IncidentTeamEntity>> ListAsync(string tenantId, CancellationToken cancellationToken = default) =>
        table.ListAsync<IncidentTeamEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {tenantId}"), cancellationToken);

    public async Task<IncidentTeamEntity> AddAsync(IncidentTeamEntity team, CancellationToken cancellationToken = default)
    {
        await table.AddEntityAsync(EntitySize.EnsureFits(team), cancellationToken);
        return team;
    }
}
