using System.Text.Json.Serialization;

namespace Serverless.Functions.Incidents.Lifecycle;

/// <summary>
/// <c>GET /v3/incidents/{id}</c>'s <c>data</c>: the fields of Squadcast's incident object with their mixed
/// camelCase/snake_case kept exactly; those this product has no feature behind carry their empty values.
/// </summary>
public sealed record IncidentView
{
    public required string Id { get; init; }
    public required string ServiceId { get; init; }
    public required string AlertSourceId { get; init; }
    public required string OrganizationId { get; init; }
    public int SloId { get; init; }

    [JsonPropertyName("incidentNumber")]
    public required int IncidentNumber { get; init; }

    public required string Message { get; init; }
    public required string Description { get; init; }
    public required string Status { get; init; }

    [JsonPropertyName("timeOfCreation")]
    public required DateTimeOffset TimeOfCreation { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }
    public DateTimeOffset? LastAcknowledgedAt { get; init; }

    [JsonPropertyName("assignedTo")]
    public required List<IncidentAssignment> AssignedTo { get; init; }

    public string[] AdditionalResponders { get; init; } = [];
    public required Dictionary<string, IncidentTag> Tags { get; init; }
    public required List<IncidentLog> Logs { get; init; }
    public required AnalyticsView Analytics { get; init; }
    public string[] PinnedMessages { get; init; } = [];
    public string CreatedBy { get; init; } = "";
    public string SenderEmail { get; init; } = "";
    public bool Deleted { get; init; }
    public int EventCount { get; init; }
    public required DedupView DedupData { get; init; }
    public object? Owner { get; init; }
    public string[] AccessControl { get; init; } = [];

    [JsonPropertyName("relevantUsers")]
    public string[] RelevantUsers { get; init; } = [];

    [JsonPropertyName("relevantEscalationPolicies")]
    public string[] RelevantEscalationPolicies { get; init; } = [];

    [JsonPropertyName("relevantSquads")]
    public string[] RelevantSquads { get; init; } = [];

    [JsonPropertyName("relevantSchedules")]
    public string[] RelevantSchedules { get; init; } = [];

    [JsonPropertyName("relevantPeopleLogs")]
    public string[] RelevantPeopleLogs { get; init; } = [];

    [JsonPropertyName("responseNotes")]
    public string[] ResponseNotes { get; init; } = [];

    public string[] Attachments { get; init; } = [];

    [JsonPropertyName("retriggerPolicy")]
    public object? RetriggerPolicy { get; init; }

    public string WebformId { get; init; } = "";
    public string WebformSubmissionId { get; init; } = "";
    public bool IsChild { get; init; }
    public object? Parent { get; init; }
    public string[] Children { get; init; } = [];
    public bool DidAutoPause { get; init; }
    public bool DidAutoPauseTimeout { get; init; }
    public DateTimeOffset? AutoPauseEndsAt { get; init; }
    public string ManuallyMarkedTransientAlertFeedbackType { get; init; } = "";
    public string ClassificationId { get; init; } = "";
    public int GroupedAlertCount { get; init; }
    public required string Priority { get; init; }
    public required bool HasPriority { get; init; }
    public SnoozeView SnoozeDetails { get; init; } = new(false, null, null, 0);
    public bool DidNotificationDelay { get; init; }
    public object? NotificationDelayPolicy { get; init; }
    public string DigestId { get; init; } = "";

    /// <summary>
    /// The incident with its <paramref name="timeline"/>. An entry written beside the incident (a note, a card) leaves the
    /// incident row alone, so <c>updated_at</c> is the later of the row's time and the newest entry's, as it was when
    /// every entry rewrote the row.
    /// </summary>
    public static IncidentView From(IncidentEntity i, List<IncidentLog> timeline) => new()
    {
        Id = i.Id,
        ServiceId = i.ServiceId,
        AlertSourceId = i.AlertSource,
        OrganizationId = i.TenantId,
        IncidentNumber = i.Number,
        Message = i.Message,
        Description = i.Description,
        Status = i.Status,
        TimeOfCreation = i.Created,
        UpdatedAt = timeline.Select(l => l.Time).Append(i.Updated).Max(),
        LastAcknowledgedAt = i.AcknowledgedAt,
        AssignedTo = i.Assignments(),
        Tags = i.TagMap(),
        Logs = timeline,
        Analytics = new AnalyticsView(Seconds(i.Created, i.AcknowledgedAt), Seconds(i.Created, i.ResolvedAt)),
        CreatedBy = i.CreatedBy,
        EventCount = i.EventCount,
        DedupData = new DedupView(i.EventId, i.EventId.Length == 0 ? "" : DedupHash.Of(i.EventId)),
        Priority = i.Priority,
        HasPriority = i.Priority.Length > 0,
    };

    private static long? Seconds(DateTimeOffset from, DateTimeOffset? to) => to is { } t ? (long)(t - from).TotalSeconds : null;
}

/// <summary>Time to acknowledge and to resolve, in seconds (null until it happens).</summary>
public sealed record AnalyticsView(long? Tta, long? Ttr);

public sealed record DedupView(string Key, string Hash);

public sealed record SnoozeView(bool IsSnoozed, DateTimeOffset? StartTime, DateTimeOffset? EndTime, int TotalTimeInMins);

internal static class DedupHash
{
    public static string Of(string text) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..16];
}
