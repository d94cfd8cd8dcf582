using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Errors;
using Serverless.Functions.Hosting;
using Serverless.Functions.Identity;
using Serverless.Functions.Incidents.Access;
using Serverless.Functions.Incidents.Lifecycle;
using Serverless.Functions.Incidents.Wire;
using Serverless.Functions.StatusPage;

namespace Serverless.Functions.Incidents.PublicMessages;

/// <summary>
/// Status-page messages (IM-45, IM-46; seed endpoints 2 and 3) on Squadcast's v2 "platform-backend" paths, with the
/// trailing slash and in its envelope (<c>{"result": true, "data": …}</c>, camelCase, <c>_id</c>). A public message
/// opens a linked incident on the organization's status page, and each later one on the same page adds an incident
/// update to it, so the public page and its subscribers' mail show it. Everyone reads; users publish.
/// </summary>
public static partial class PublicMessagesApi
{
    public sealed record MessageView(
        [property: JsonPropertyName("_id")] string Id,
        [property: JsonPropertyName("organizationId")] string OrganizationId,
        [property: JsonPropertyName("statusPageId")] string StatusPageId,
        [property: JsonPropertyName("incidentId")] string IncidentId,
        [property: JsonPropertyName("serviceId")] string ServiceId,
        [property: JsonPropertyName("userId")] string UserId,
        [property: JsonPropertyName("time")] DateTimeOffset Time,
        [property: JsonPropertyName("updatedAt")] DateTimeOffset UpdatedAt,
        [property: JsonPropertyName("message")] string Message,
        [property: JsonPropertyName("status")] string Status,
        [property: JsonPropertyName("isPublic")] bool IsPublic,
        [property: JsonPropertyName("deleted")] bool Deleted,
        [property: JsonPropertyName("attachments")] List<string> Attachments,
        [property: JsonPropertyName("history")] string[] History);

    public static void MapPublicMessagesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapIncidentGroup("IncidentOrganizations", "/v2/organizations");
        group.MapGet("/{organizationId}/incidents/{incidentId}/public-message/", ListMessages);
        group.MapPost("/{organizationId}/incidents/{incidentId}/public-message/", PublishMessage);
    }

    [EndpointId("IM-45")]
    public static async Task<JsonHttpResult<ResultEnvelope<List<MessageView>>>> ListMessages(string organizationId, string incidentId, IncidentCaller caller,
        IncidentStore incidents, PublicMessageStore messages, CancellationToken cancellationToken)
    {
        var incident = await FindAsync(organizationId, incidentId, caller, incidents, cancellationToken);
        return IncidentResults.Result((await messages.ListAsync(caller.TenantId, incident.Id, cancellationToken)).Select(m => ToView(m, incident)).ToList());
    }

    /// <summary>
    /// IM-46: <c>{message, status, statusPageId?, isPublic? (true), attachments?}</c>. <c>status</c> is free text; the page's
    /// incident takes the Cachet status it names (investigating, identified, monitoring/watching, resolved/fixed).
    /// </summary>
    [EndpointId("IM-46")]
    public static async Task<JsonHttpResult<ResultEnvelope<MessageView>>> PublishMessage(string organizationId, string incidentId, HttpRequest request,
        IncidentCaller caller, IncidentStore incidents, PublicMessageStore messages, LinkedIncidents linked, TimeProvider time,
        CancellationToken cancellationToken)
    {
        caller.Require(IncidentRoles.User);
        var input = await IncidentInput.ReadAsync(request, cancellationToken);
        var message = input.Text("message", required: true, max: 10_000, multiLine: true);
        var status = input.Text("status", required: true, max: 100);
        var pageId = input.Text("statusPageId", max: 64);
        input.Check(pageId is null || Ids.IsValid(pageId), "statusPageId", "'statusPageId' is a status page id (24 hex digits).");
        var isPublic = input.Bool("isPublic") ?? true;
        var attachments = input.TextList("attachments", maxItems: 20, max: 2048) ?? [];
        foreach (var url in attachments)
        {
            input.Check(OutboundHttp.IsHttpUrl(url), "attachments", "Each attachment is an http(s) URL.");
        }
        input.ThrowIfAny();
        var incident = await FindAsync(organizationId, incidentId, caller, incidents, cancellationToken);
        var page = await linked.PageOfAsync(caller.TenantId, pageId, cancellationToken)
            ?? throw new ApiException(IncidentInput.Invalid("statusPageId", pageId is null
                ? "The organization has no status page; create one with POST /v2/status-pages first."
                : $"No status page with id '{pageId}' is the organization's."));
        var previous = await messages.ListAsync(caller.TenantId, incident.Id, cancellationToken);
        var statusIncidentId = 0;
        if (isPublic)
        {
            var linkedId = previous.LastOrDefault(m => m.StatusPageId == page.PageId && m.StatusIncidentId > 0)?.StatusIncidentId;
            statusIncidentId = await linked.PublishAsync(page, caller.AsCaller, request, linkedId, incident.Message, message!, CachetStatusOf(status!),
                cancellationToken);
        }
        var now = time.GetUtcNow();
        var saved = await messages.AddAsync(new PublicMessageEntity
        {
            PartitionKey = incident.Id, RowKey = Ids.New(time), TenantId = caller.TenantId, StatusPageId = page.PageId, StatusIncidentId = statusIncidentId,
            UserId = caller.UserId, Message = message!, Status = status!, IsPublic = isPublic,
            Attachments = JsonSerializer.Serialize(attachments.ToList(), AppJson.Default.ListString), Created = now,
        }, cancellationToken);
        await incidents.RecordAsync(caller.TenantId, incident.Id, IncidentActions.Record("status_page_message_published", now, caller.UserId, time, status!),
            cancellationToken);
        return IncidentResults.Result(ToView(saved, incident));
    }

    /// <summary>The free-text status as one of Cachet's incident statuses; anything unrecognised is "investigating".</summary>
    public static IncidentStatus CachetStatusOf(string status)
    {
        var s = status.ToLowerInvariant();
        return s switch
        {
            _ when Resolved().IsMatch(s) => IncidentStatus.Fixed,
            _ when s.Contains("monitor", StringComparison.Ordinal) || s.Contains("watch", StringComparison.Ordinal) => IncidentStatus.Watching,
            _ when s.Contains("identif", StringComparison.Ordinal) => IncidentStatus.Identified,
            _ => IncidentStatus.Investigating,
        };
    }

    private static async Task<IncidentEntity> FindAsync(string organizationId, string incidentId, IncidentCaller caller, IncidentStore incidents,
        CancellationToken cancellationToken) =>
        // Another organization's id in the path is no different from an unknown incident.
        organizationId == caller.TenantId
            ? await IncidentsApi.FindAsync(incidents, caller, incidentId, cancellationToken)
            : throw IncidentsApi.NotFound(incidentId);

    private static MessageView ToView(PublicMessageEntity m, IncidentEntity incident) => new(m.Id, m.TenantId, m.StatusPageId, m.IncidentId,
        incident.ServiceId, m.UserId, m.Created, m.Created, m.Message, m.Status, m.IsPublic, false, m.AttachmentList(), []);

    [GeneratedRegex(@"resolv|fixed|closed|complete")]
    private static partial Regex Resolved();
}
