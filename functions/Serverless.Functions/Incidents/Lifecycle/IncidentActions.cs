using System.Text.Json.Nodes;
using Serverless.Functions.Errors;
using Serverless.Functions.Identity;

namespace Serverless.Functions.Incidents.Lifecycle;

/// <summary>
/// The state machine <c>triggered → acknowledged → resolved</c> and the timeline entry each change writes. Each
/// method changes an incident read by <see cref="IncidentStore.MutateAsync"/> and answers whether it changed; the store
/// writes the entry in the same transaction.
/// </summary>
public static class IncidentActions
{
    public static bool Acknowledge(IncidentEntity incident, DateTimeOffset now, string by, TimeProvider time)
    {
        switch (incident.Status)
        {
            case IncidentStates.Resolved:
                throw new ApiException(ApiError.Conflict("status", "A resolved incident cannot be acknowledged.") with { Code = "incident_resolved" });
            case IncidentStates.Acknowledged:
                return false;
        }
        incident.Status = IncidentStates.Acknowledged;
        incident.AcknowledgedAt = now;
        incident.Updated = now;
        incident.Log(Entry("acknowledged", now, by, time));
        return true;
    }

    public static bool Resolve(IncidentEntity incident, DateTimeOffset now, string by, string reason, TimeProvider time)
    {
        if (incident.Status == IncidentStates.Resolved)
        {
            return false;
        }
        incident.Status = IncidentStates.Resolved;
        incident.ResolvedAt = now;
        incident.Updated = now;
        incident.Log(Entry("resolved", now, by, time) with { Reason = reason });
        return true;
    }

    public static bool Reassign(IncidentEntity incident, DateTimeOffset now, string by, string userId, TimeProvider time)
    {
        if (incident.Status == IncidentStates.Resolved)
        {
            throw new ApiException(ApiError.Conflict("status", "A resolved incident cannot be reassigned.") with { Code = "incident_resolved" });
        }
        incident.SetAssignments([new IncidentAssignment(userId, "user", now, "Reassigned")]);
        incident.Updated = now;
        incident.Log(Entry("reassigned", now, by, time) with { AssignedTo = userId });
        return true;
    }

    public static bool SetPriority(IncidentEntity incident, DateTimeOffset now, string by, string priority, TimeProvider time)
    {
        if (incident.Priority == priority)
        {
            return false;
        }
        var before = incident.Priority;
        incident.Priority = priority;
        incident.Updated = now;
        incident.Log(Entry("priority_updated", now, by, time) with
        {
            AdditionalInfo = new JsonObject { ["from"] = before, ["to"] = priority },
        });
        return true;
    }

    public static bool SetTags(IncidentEntity incident, DateTimeOffset now, string by, Dictionary<string, IncidentTag> tags, bool merge, TimeProvider time)
    {
        var result = merge ? incident.TagMap() : [];
        foreach (var (name, tag) in tags)
        {
            // A merge that gives only a value (or only a colour) keeps the other part of an existing tag.
            result[name] = merge && result.TryGetValue(name, out var old)
                ? new IncidentTag(tag.Value.Length > 0 ? tag.Value : old.Value, tag.Color.Length > 0 ? tag.Color : old.Color)
                : tag;
        }
        incident.SetTags(result);
        incident.Updated = now;
        incident.Log(Entry("tags_updated", now, by, time));
        return true;
    }

    /// <summary>
    /// The timeline entry for something done beside the incident (a note, a card, a status-page message), which leaves
    /// the incident row as it is; the incident's <c>updated_at</c> still shows it (<see cref="IncidentView.From"/>).
    /// </summary>
    public static IncidentLog Record(string action, DateTimeOffset now, string by, TimeProvider time, string reason = "") =>
        Entry(action, now, by, time) with { Reason = reason, IsManuallyCreated = true };

    private static IncidentLog Entry(string action, DateTimeOffset now, string by, TimeProvider time) =>
        new() { Action = action, Time = now, Id = Ids.New(time), AssignedBy = by, CreatedBy = by, UpdatedBy = by, IsManuallyCreated = !by.StartsWith("alert:", StringComparison.Ordinal) };
}
