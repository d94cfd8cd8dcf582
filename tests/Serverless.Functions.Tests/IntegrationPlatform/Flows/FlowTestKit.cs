using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Serverless.Functions.IntegrationPlatform.FlowRuntime;
using Serverless.Functions.Storage;
using Serverless.Functions.Tests.Infrastructure;
using static Serverless.Functions.Tests.Infrastructure.JsonApiAssertions;

namespace Serverless.Functions.Tests.IntegrationPlatform.Flows;

/// <summary>A contract owner with a workspace, and the request bodies flow tests send.</summary>
public sealed record FlowSetup(TestUser Owner, HttpClient Client, string Contract, string Workspace)
{
    public static async Task<FlowSetup> CreateAsync(ApiFixture api)
    {
        var owner = await api.CreateUserAsync();
        var contract = await api.CreateContractAsync(owner);
        var client = api.ClientFor(owner);
        return new FlowSetup(owner, client, contract, await ApiFixture.CreateWorkspaceAsync(client, contract));
    }

    public static StringContent FlowBody(string workspace, JsonNode graph, object? attributes = null, string? cron = null)
    {
        var attrs = attributes is null
            ? new JsonObject { ["name"] = "Test flow", ["type"] = "ordinary", ["default_mapper_type"] = "jsonata" }
            : JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(attributes))!.AsObject();
        attrs["graph"] = graph.DeepClone();
        if (cron is not null)
        {
            attrs["cron"] = cron;
        }
        return Json(new JsonObject
        {
            ["data"] = new JsonObject
            {
                ["type"] = "flow",
                ["attributes"] = attrs,
                ["relationships"] = new JsonObject { ["workspace"] = new JsonObject { ["data"] = new JsonObject { ["id"] = workspace, ["type"] = "workspace" } } },
            },
        }.ToJsonString());
    }

    public async Task<string> CreateFlowAsync(JsonNode graph, string? cron = null)
    {
        var response = await Client.PostAsync("/v2/flows", FlowBody(Workspace, graph, cron: cron));
        return (await response.ReadJsonAsync(201))["data"]!["id"]!.GetValue<string>();
    }

    public async Task StartAsync(string flowId)
    {
        await (await Client.PostAsync($"/v2/flows/{flowId}/start", null)).ReadJsonAsync(202);
        await ApiFixture.EventuallyAsync(async () =>
            (await (await Client.GetAsync($"/v2/flows/{flowId}")).ReadJsonAsync())["data"]!["attributes"]!["current_status"]!.GetValue<string>() == "active",
            "the flow to be running");
    }

    public async Task StopAsync(string flowId)
    {
        var stopped = await (await Client.PostAsync($"/v2/flows/{flowId}/stop", null)).ReadJsonAsync(202);
        Assert.Empty(stopped["data"]!.AsObject());
        await ApiFixture.EventuallyAsync(async () =>
            (await (await Client.GetAsync($"/v2/flows/{flowId}")).ReadJsonAsync())["data"]!["attributes"]!["current_status"]!.GetValue<string>() == "inactive",
            "the flow to be stopped");
    }

    /// <summary>
    /// A stand-in for a customer's API at <paramref name="path"/>: records each JSON body it receives, and answers
    /// <paramref name="status"/>, or 500 for a body with a "fail" member.
    /// </summary>
    public static async Task<(LocalHttpServer Server, ConcurrentQueue<JsonObject> Received)> SinkAsync(string path, int status = 200)
    {
        var received = new ConcurrentQueue<JsonObject>();
        var server = await LocalHttpServer.StartAsync(app => app.MapPost(path, async (HttpRequest request) =>
        {
            var body = (await JsonNode.ParseAsync(request.Body))!.AsObject();
            received.Enqueue(body);
            return Results.StatusCode(body["fail"] is null ? status : 500);
        }));
        return (server, received);
    }

    /// <summary>A message for one step of a flow's latest version, as the runtime would enqueue it.</summary>
    public async Task<StepEnvelope> EnvelopeAsync(ApiFixture api, string flowId, string stepId, string messageId, JsonObject body)
    {
        var flow = await (await Client.GetAsync($"/v2/flows/{flowId}")).ReadJsonAsync();
        return new StepEnvelope
        {
            TenantId = (await api.RowsAsync(StorageLayout.Tables.FlowIds)).Single(r => r.PartitionKey == flowId).GetString("TenantId"),
            FlowId = flowId,
            Version = flow["data"]!["relationships"]!["latest_version"]!["data"]!["id"]!.GetValue<string>(),
            StepId = stepId,
            ExecId = "exec-1",
            MessageId = messageId,
            Message = new JsonObject { ["id"] = messageId, ["body"] = body },
        };
    }

    public async Task<JsonObject> StatsAsync(string flowId, string stepId) =>
        (await (await Client.GetAsync($"/v2/stats/queues/{flowId}")).ReadJsonAsync())["data"]!["attributes"]!["stats"]!.AsArray()
            .Single(s => s!["step_id"]!.GetValue<string>() == stepId)!.AsObject();

    public static JsonObject Node(string id, string command, object? fields = null, string? credentials = null)
    {
        var node = new JsonObject { ["id"] = id, ["command"] = command };
        if (fields is not null)
        {
            node["fields"] = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(fields));
        }
        if (credentials is not null)
        {
            node["credentials_id"] = credentials;
        }
        return node;
    }

    public static JsonObject Edge(string source, string target, object? mapper = null, string? condition = null)
    {
        var edge = new JsonObject { ["source"] = source, ["target"] = target };
        if (mapper is not null || condition is not null)
        {
            edge["config"] = new JsonObject
            {
                ["mapper_type"] = "jsonata",
                ["mapper"] = mapper is null ? new JsonObject() : JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(mapper)),
                ["condition"] = condition,
            };
        }
        return edge;
    }

    public static JsonObject Graph(JsonArray nodes, JsonArray edges) => new() { ["nodes"] = nodes, ["edges"] = edges };
}
