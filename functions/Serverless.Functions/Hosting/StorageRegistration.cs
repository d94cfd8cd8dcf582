using Serverless.Functions.Storage;

namespace Serverless.Functions.Hosting;

public static class StorageRegistration
{
    /// <summary>Registers the account's clients once, as singletons, and creates what the app needs at start-up.</summary>
    public static IServiceCollection AddStorage(this IServiceCollection services)
    {
        // Read from the built configuration, so test hosts and the Functions host can supply the settings.
        services.AddSingleton<StorageHealth>();
        services.AddSingleton(sp => StorageAccount.FromConfiguration(sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<StorageHealth>()));
        services.AddStartupTask<StorageInitializer>();
        return services;
    }
}

/// <summary>Creates every table, queue (with its poison queue) and container of <see cref="StorageLayout"/>.</summary>
public sealed class StorageInitializer(StorageAccount account, ILogger<StorageInitializer> logger) : IStartupTask
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var work = StorageLayout.Tables.All.Select(t => (Task)account.Table(t).CreateIfNotExistsAsync(cancellationToken))
            .Concat(StorageLayout.Queues.All.SelectMany(q => new[] { q, q + "-poison" })
                .Select(q => (Task)account.Queue(q).CreateIfNotExistsAsync(cancellationToken: cancellationToken)))
            .Concat(StorageLayout.Containers.All.Select(c => (Task)account.Container(c).CreateIfNotExistsAsync(cancellationToken: cancellationToken)));
        await Task.WhenAll(work);
        logger.LogInformation("Storage ready with {TableCount} tables, {QueueCount} queues and {ContainerCount} containers",
            StorageLayout.Tables.All.Count, StorageLayout.Queues.All.Count, StorageLayout.Containers.All.Count);
    }
}
