using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;

namespace Serverless.Functions.Storage;

/// <summary>
/// The one storage account behind all three surfaces, read from the same settings the Functions host uses:
/// <c>AzureWebJobsStorage</c> as a connection string (Azurite locally), or the identity-based
/// <c>AzureWebJobsStorage__accountName</c> / <c>__clientId</c> (a managed identity in Azure, where shared keys are off).
/// </summary>
public sealed class StorageAccount
{
    public const string ConnectionSetting = "AzureWebJobsStorage";
    public const string NamePrefixSetting = "STORAGE_NAME_PREFIX";

    private StorageAccount(TableServiceClient tables, BlobServiceClient blobs, QueueServiceClient queues, string namePrefix)
    {
        Tables = tables;
        Blobs = blobs;
        Queues = queues;
        NamePrefix = namePrefix;
    }

    public TableServiceClient Tables { get; }

    public BlobServiceClient Blobs { get; }

    public QueueServiceClient Queues { get; }

    /// <summary>Prepended to every table, queue and container name, so tests (or two apps) can share one account.</summary>
    public string NamePrefix { get; }

    /// <summary>The clients, from the settings; <paramref name="health"/> is told of every try's outcome (<see cref="StorageOutage"/>).</summary>
    public static StorageAccount FromConfiguration(IConfiguration configuration, StorageHealth? health = null)
    {
        var prefix = configuration[NamePrefixSetting] ?? "";
        if (prefix.Length > 20 || !prefix.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c)) || (prefix.Length > 0 && !char.IsAsciiLetterLower(prefix[0])))
        {
            throw new InvalidOperationException($"{NamePrefixSetting} must be at most 20 lowercase letters and digits, starting with a letter.");
        }

        // Queue messages are base64, as the Functions queue trigger expects by default. Every client gives up on
        // unreachable storage within seconds rather than the SDK's default minutes (StorageOutage).
        var queueOptions = StorageOutage.Configure(new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }, health);
        var tableOptions = StorageOutage.Configure(new TableClientOptions(), health);
        var blobOptions = StorageOutage.Configure(new BlobClientOptions(), health);
        var connectionString = configuration[ConnectionSetting];
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return new StorageAccount(
                new TableServiceClient(connectionString, tableOptions),
                new BlobServiceClient(connectionString, blobOptions),
                new QueueServiceClient(connectionString, queueOptions),
                prefix);
        }

        var section = configuration.GetSection(ConnectionSetting);
        var accountName = section["accountName"];
        if (string.IsNullOrWhiteSpace(accountName))
        {
            throw new InvalidOperationException(
                $"Storage is not configured: set {ConnectionSetting} to a connection string, or {ConnectionSetting}__accountName " +
                $"(with {ConnectionSetting}__clientId for a user-assigned identity).");
        }
        var clientId = section["clientId"];
        TokenCredential credential = string.IsNullOrWhiteSpace(clientId)
            ? new DefaultAzureCredential(StorageOutage.Configure(new DefaultAzureCredentialOptions(), null))
            : new ManagedIdentityCredential(StorageOutage.Configure(
                new ManagedIdentityCredentialOptions(ManagedIdentityId.FromUserAssignedClientId(clientId)), null));
        Uri Endpoint(string service) =>
            new(section[$"{service}ServiceUri"] ?? $"https://{accountName}.{service}.core.windows.net");
        return new StorageAccount(
            new TableServiceClient(Endpoint("table"), credential, tableOptions),
            new BlobServiceClient(Endpoint("blob"), credential, blobOptions),
            new QueueServiceClient(Endpoint("queue"), credential, queueOptions),
            prefix);
    }

    public TableClient Table(string name) => Tables.GetTableClient(NamePrefix + name);

    public QueueClient Queue(string name) => Queues.GetQueueClient(NamePrefix + name);

    public BlobContainerClient Container(string name) => Blobs.GetBlobContainerClient(NamePrefix + name);
}
