namespace Serverless.Functions.Storage;

/// <summary>
/// Every table, queue and blob container the app uses. They are created once, at start-up, so no request pays for a
/// CreateIfNotExists. Table names are letters and digits; queue and container names are lowercase with hyphens.
/// </summary>
public static class StorageLayout
{
    public static class Tables
    {
        public const string Tenants = "Tenants";
        public const string Users = "Users";
        public const string UserEmails = "UserEmails";
        public const string ApiKeys = "ApiKeys";
        public const string Contracts = "Contracts";
        public const string Workspaces = "Workspaces";
        public const string Memberships = "Memberships";
        public const string Operations = "Operations";
        public const string ComponentEnv = "ComponentEnv";
        public const string Credentials = "Credentials";
        public const string AuthClients = "AuthClients";
        public const string AuthSecrets = "AuthSecrets";
        public const string SshKeys = "SshKeys";
        public const string DataSamples = "DataSamples";
        public const string Teams = "Teams";
        public const string ComponentRepos = "ComponentRepos";
        public const string StatusPages = "StatusPages";
        public const string StatusItems = "StatusItems";
        public const string StatusMetricPoints = "StatusMetricPoints";
        public const string StatusNotifications = "StatusNotifications";
        public const string StatusUptime = "StatusUptime";
        public const string UploadQuotas = "UploadQuotas";

        public static readonly IReadOnlyList<string> All =
        [
            Tenants, Users, UserEmails, ApiKeys, Contracts, Workspaces, Memberships, Operations, ComponentEnv, Credentials, AuthClients, AuthSecrets,
            SshKeys, DataSamples, Teams, ComponentRepos, StatusPages, StatusItems, StatusMetricPoints, StatusNotifications,
            UploadQuotas, StatusUptime,
        ];
    }

    public static class Queues
    {
        /// <summary>Operation ids to run (the 202 / poll / 303 engine); failures end in "operations-poison".</summary>
        public const string Operations = "operations";

        /// <summary>Status-page notification ids to mail (the outbox); failures end in "status-notifications-poison".</summary>
        public const string StatusNotifications = "status-notifications";

        public static readonly IReadOnlyList<string> All = [Operations, StatusNotifications];
    }

    public static class Containers
    {
        /// <summary>Files uploaded through signed URLs (RS-1), named "{tenantId}/{expires unix seconds}-{random}".</summary>
        public const string Uploads = "uploads";

        /// <summary>Data-sample results too large for a table row, named "{tenantId}/{sampleId}.json".</summary>
        public const string DataSamples = "data-samples";

        public static readonly IReadOnlyList<string> All = [Uploads, DataSamples];
    }
}
