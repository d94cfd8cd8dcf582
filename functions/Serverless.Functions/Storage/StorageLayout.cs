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
        public const string StatusPageVersions = "StatusPageVersions";
        public const string UploadQuotas = "UploadQuotas";
        public const string Flows = "Flows";
        public const string FlowIds = "FlowIds";
        public const string FlowVersions = "FlowVersions";
        public const string FlowDrafts = "FlowDrafts";
        public const string FlowSnapshots = "FlowSnapshots";
        public const string FlowSchedules = "FlowSchedules";
        public const string FlowCounters = "FlowCounters";
        public const string FlowLogs = "FlowLogs";
        public const string FlowErrors = "FlowErrors";
        public const string FlowParked = "FlowParked";
        public const string FlowTicks = "FlowTicks";
        public const string FlowReplies = "FlowReplies";
        public const string RefreshTokens = "RefreshTokens";
        public const string IncidentServices = "IncidentServices";
        public const string Incidents = "Incidents";
        public const string AlertRequests = "AlertRequests";
        /// <summary>War-room notes written before notes moved beside their incident in Incidents (docs/decisions/0031); no new note goes here.</summary>
        public const string IncidentNotes = "IncidentNotes";
        public const string CommunicationCards = "CommunicationCards";
        public const string Postmortems = "Postmortems";
        public const string IncidentTeams = "IncidentTeams";
        public const string PublicMessages = "PublicMessages";

        public static readonly IReadOnlyList<string> All =
        [
            Tenants, Users, UserEmails, ApiKeys, Contracts, Workspaces, Memberships, Operations, ComponentEnv, Credentials, AuthClients, AuthSecrets,
            SshKeys, DataSamples, Teams, ComponentRepos, StatusPages, StatusItems, StatusMetricPoints, StatusNotifications,
            UploadQuotas, StatusUptime, StatusPageVersions, Flows, FlowIds, FlowVersions, FlowDrafts, FlowSnapshots, FlowSchedules, FlowCounters, FlowLogs, FlowErrors,
            FlowParked, FlowTicks, FlowReplies,
            RefreshTokens, IncidentServices, Incidents, AlertRequests, IncidentNotes, CommunicationCards, Postmortems, IncidentTeams, PublicMessages,
        ];
    }

    public static class Queues
    {
        /// <summary>Operation ids to run (the 202 / poll / 303 engine); failures end in "operations-poison".</summary>
        public const string Operations = "operations";

        /// <summary>Status-page notification ids to mail (the outbox); failures end in "status-notifications-poison".</summary>
        public const string StatusNotifications = "status-notifications";

        /// <summary>Flow messages, each for one step of one flow version (the flow runtime); failures end in "flow-steps-poison".</summary>
        public const string FlowSteps = "flow-steps";

        public static readonly IReadOnlyList<string> All = [Operations, StatusNotifications, FlowSteps];
    }

    public static class Containers
    {
        /// <summary>Files uploaded through signed URLs (RS-1), named "{tenantId}/{expires unix seconds}-{random}".</summary>
        public const string Uploads = "uploads";

        /// <summary>Data-sample results too large for a table row, named "{tenantId}/{sampleId}.json".</summary>
        public const string DataSamples = "data-samples";

        /// <summary>Flow messages too large for a queue message, and error inputs too large for a row, named "{flowId}/{messageId}.json".</summary>
        public const string FlowMessages = "flow-messages";

        public static readonly IReadOnlyList<string> All = [Uploads, DataSamples, FlowMessages];
    }
}
