using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Serverless.Functions.Incidents.Lifecycle;

// The parts of an incident held as JSON in its row, named as Squadcast writes them (mixed camelCase and snake_case).

public sealed record IncidentAssignment(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("timeOfAssignment")] DateTimeOffset TimeOfAssignment,
    [property: JsonPropertyName("reason")] string Reason);

public sealed record IncidentTag(
    [property: JsonPropertyName("value")] string Value,
    [property: JsonPropertyName("color")] string Color);

/// <summary>One entry of the timeline (<c>logs[]</c>): what happened, when, and who did it.</summary>
public sealed record IncidentLog
{
    [JsonPropertyName("action")]
    public required string Action { get; init; }

    [JsonPropertyName("time")]
    public required DateTimeOffset Time { get; init; }

    [JsonPropertyName("reason")]
    public string Reason { get; init; } = "";

    [JsonPropertyName("assignedTo")]
    public string? AssignedTo { get; init; }

    [JsonPropertyName("assignedBy")]
    public string AssignedBy { get; init; } = "";

    [JsonPropertyName("id")]
    public required string Id { get; init; }

    [JsonPropertyName("created_by")]
    public string CreatedBy { get; init; } = "";

    [JsonPropertyName("updated_by")]
    public string UpdatedBy { get; init; } = "";

    [JsonPropertyName("is_manually_created")]
    public bool IsManuallyCreated { get; init; }

    [JsonPropertyName("workflow_id")]
    public string WorkflowId { get; init; } = "";

    [JsonPropertyName("additionalInfo")]
    public JsonObject? AdditionalInfo { get; init; }

    [JsonPropertyName("type")]
    public string Type { get; init; } = "";

    [JsonPropertyName("should_show_in_postmortem")]
    public bool ShouldShowInPostmortem { get; init; } = true;
}
