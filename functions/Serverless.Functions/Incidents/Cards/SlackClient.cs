using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Serverless.Functions.Errors;
using Serverless.Functions.Hosting;

namespace Serverless.Functions.Incidents.Cards;

/// <summary>
/// The Slack Web API calls the communication cards need (<c>conversations.create</c>, <c>conversations.archive</c>), at
/// <c>SLACK_API_BASE_URL</c> (Slack's own by default) with the bot token in <c>SLACK_BOT_TOKEN</c>, through the guarded
/// outbound client. Without a token the calls answer a 400 saying so; a refusal from Slack is a 502 naming Slack's error.
/// </summary>
public sealed class SlackClient(IConfiguration configuration, IHttpClientFactory http, ILogger<SlackClient> logger)
{
    public const string BaseUrlSetting = "SLACK_API_BASE_URL";
    public const string BotTokenSetting = "SLACK_BOT_TOKEN";
    public const string DefaultBaseUrl = "https://slack.com/api";

    public sealed record Channel(string Id, string Name);

    public async Task<Channel> CreateChannelAsync(string name, CancellationToken cancellationToken)
    {
        var answer = await CallAsync("conversations.create", new JsonObject { ["name"] = name }, cancellationToken);
        var channel = answer["channel"] as JsonObject;
        return new Channel(channel?["id"]?.ToString() ?? throw Upstream("Slack's answer names no channel."), channel["name"]?.ToString() ?? name);
    }

    public Task ArchiveChannelAsync(string channelId, CancellationToken cancellationToken) =>
        CallAsync("conversations.archive", new JsonObject { ["channel"] = channelId }, cancellationToken);

    private async Task<JsonObject> CallAsync(string method, JsonObject body, CancellationToken cancellationToken)
    {
        var token = configuration[BotTokenSetting];
        if (string.IsNullOrWhiteSpace(token))
        {
            throw new ApiException(ApiError.ForStatus(400, $"Slack is not configured: set {BotTokenSetting} (and {BaseUrlSetting} for another Slack API) first.")
                with { Code = "slack_not_configured" });
        }
        var baseUrl = configuration[BaseUrlSetting];
        if (!OutboundHttp.TryHttpUrl((string.IsNullOrWhiteSpace(baseUrl) ? DefaultBaseUrl : baseUrl).TrimEnd('/') + "/", out var root))
        {
            throw new ApiException(ApiError.ForStatus(400, $"{BaseUrlSetting} is not an http(s) URL.") with { Code = "slack_not_configured" });
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(root, method))
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Trim());
        JsonObject? answer;
        try
        {
            using var response = await OutboundHttp.Create(http).SendAsync(request, cancellationToken);
            answer = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken)) as JsonObject;
        }
        catch (Exception ex) when (ex is HttpRequestException or System.Text.Json.JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Slack {Method} failed: {Reason}", method, ex.GetType().Name);
            throw Upstream($"Slack could not be reached ({OutboundHttp.RefusalOf(ex)?.Message ?? "no valid answer"}).");
        }
        if (answer?["ok"]?.GetValueKind() != System.Text.Json.JsonValueKind.True)
        {
            throw Upstream($"Slack refused {method}: {answer?["error"]?.ToString() ?? "no reason given"}.");
        }
        return answer!;
    }

    private static ApiException Upstream(string detail) => new(ApiError.ForStatus(502, detail) with { Code = "slack_error" });
}
