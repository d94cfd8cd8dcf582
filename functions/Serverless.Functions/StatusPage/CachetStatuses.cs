namespace Serverless.Functions.StatusPage;

// Cachet's enumerations. Items store them as the integers Cachet's API reads and writes (Azure.Data.Tables would store
// an enum as its name), and expose them typed through properties the table does not store.

public enum ComponentStatus
{
    Unknown = 0,
    Operational = 1,
    PerformanceIssues = 2,
    PartialOutage = 3,
    MajorOutage = 4,
}

/// <summary>0 is Cachet's legacy "Scheduled" (2.4 has no label for it; we name it as the spec recommends).</summary>
public enum IncidentStatus
{
    Scheduled = 0,
    Investigating = 1,
    Identified = 2,
    Watching = 3,
    Fixed = 4,
}

public enum ScheduleStatus
{
    Upcoming = 0,
    InProgress = 1,
    Complete = 2,
}

/// <summary>How a group shows on the public page. Validation accepts 3 and 4 too, which behave as 2.</summary>
public enum GroupCollapse
{
    Expanded = 0,
    Collapsed = 1,
    CollapsedUnlessTrouble = 2,
}

/// <summary>Who sees a group, an incident or a metric; only metrics can be hidden from everybody.</summary>
public enum Visibility
{
    SignedIn = 0,
    Public = 1,
    Hidden = 2,
}

/// <summary>The human names Cachet gives its enumerations.</summary>
public static class CachetEnums
{
    private static readonly string[] ComponentStatuses = ["Unknown", "Operational", "Performance Issues", "Partial Outage", "Major Outage"];
    private static readonly string[] IncidentStatuses = ["Scheduled", "Investigating", "Identified", "Watching", "Fixed"];
    private static readonly string[] ScheduleStatuses = ["Upcoming", "In Progress", "Complete"];
    private static readonly string[] IncidentIcons =
        ["icon ion-android-calendar", "icon ion-flag oranges", "icon ion-alert yellows", "icon ion-eye blues", "icon ion-checkmark greens"];

    public static readonly IReadOnlyList<string> MetricView = ["Last Hour", "Last 12 Hours", "Week", "Month"];

    public static string Label(this ComponentStatus status) => Label(ComponentStatuses, (int)status);

    public static string Label(this IncidentStatus status) => Label(IncidentStatuses, (int)status);

    public static string Label(this ScheduleStatus status) => Label(ScheduleStatuses, (int)status);

    /// <summary>The CSS icon class of Cachet's theme, as the API's <c>latest_icon</c> names it.</summary>
    public static string Icon(this IncidentStatus status) => Label(IncidentIcons, (int)status);

    public static string Label(IReadOnlyList<string> labels, int value) => value >= 0 && value < labels.Count ? labels[value] : "Unknown";
}
