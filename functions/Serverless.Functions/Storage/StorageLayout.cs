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

        public static readonly IReadOnlyList<string> All = [Tenants, Users, UserEmails, ApiKeys];
    }

    public static class Queues
    {
        public static readonly IReadOnlyList<string> All = [];
    }

    public static class Containers
    {
        public static readonly IReadOnlyList<string> All = [];
    }
}
