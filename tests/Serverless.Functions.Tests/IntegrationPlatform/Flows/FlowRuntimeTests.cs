using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Functions.IntegrationPlatform.FlowRuntime;
using Serverless.Functions.Storage;
using Serverless.Functions.Tests.Infrastructure;
using static Serverless.Functions.Tests.Infrastructure.JsonApiAssertions;
using static Serverless.Functions.Tests.IntegrationPlatform.Flows.FlowSetup;

namespace Serverless.Functions.Tests.IntegrationPlatform.Flows;

public sealed class FlowRuntimeTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static JsonObject Request(Uri sink) => new()
    {
        ["reader"] = new JsonObject
        {
            ["method"] = "POST",
            ["url"] = JsonValue.Create("\"" + new Uri(sink, "/orders") + "\""),
            // The body without the passthrough JSONata also finds under "elasticio" (component-model §6.2).
            ["body"] = "$ ~> |$|{}, ['elasticio']|",
            ["headers"] = new JsonArray(),
        },
    };

    [Fact]
    public async Task AWebhookMessageIsMappedAndDeliveredToTheRestStepExactlyAsMapped()
    {
        var (server, received) = await SinkAsync("/orders");
        await using var _ = server;
        var s = await FlowSetup.CreateAsync(api);
        var graph = Graph(
            [Node("step_1", "components/webhook:receive", new { auth = new { type = "NO_AUTH" } }), Node("step_2", "components/rest-api:httpRequestAxios", Request(server.Url))],
            [Edge("step_1", "step_2", new { order = "id", customer = "customer.name", source = "\"webhook\"", first = "$getPassthrough().step_1.body.id", missing = "nothing.here" })]);
        var id = await s.CreateFlowAsync(graph);
        await s.StartAsync(id);
        using var anonymous = api.AnonymousClient();
        for (var i = 1; i <= 3; i++)
        {
            var answer = await (await anonymous.PostAsync($"/hook/{id}", Json("{\"id\":" + i + ",\"customer\":{\"name\":\"Ada\"}}"))).ReadJsonAsync();
            Assert.Equal("thank you", answer["message"]!.GetValue<string>());
            Assert.False(string.IsNullOrEmpty(answer["requestId"]!.GetValue<string>()));
        }
        await ApiFixture.EventuallyAsync(() => Task.FromResult(received.Count == 3), "three deliveries");
        var bodies = received.OrderBy(b => b["order"]!.GetValue<double>()).ToList();
        Assert.Equal("""{"order":1,"customer":"Ada","source":"webhook","first":1}""", bodies[0].ToJsonString());
        await ApiFixture.EventuallyAsync(async () => (await s.StatsAsync(id, "step_2"))["out"]!.GetValue<long>() == 3, "step_2's counts");
        var step1 = await s.StatsAsync(id, "step_1");
        Assert.Equal(3, step1["in"]!.GetValue<long>());
        Assert.Equal(3, step1["out"]!.GetValue<long>());
        Assert.Equal(0, (await s.StatsAsync(id, "step_2"))["ready"]!.GetValue<long>());
    }

    [Fact]
    public async Task AWebhookMapperCodeAndRestFlowDeliversEveryMessageAsMappedAndARunawayCodeStepFailsOnlyItsMessage()
    {
        var (server, received) = await SinkAsync("/orders");
        await using var _ = server;
        var s = await FlowSetup.CreateAsync(api);
        const string Code = """
            async function run(msg, cfg, snapshot) {
              if (msg.body.loop) { while (true) {} }
              this.logger.info('pricing ' + msg.body.sku);
              await this.emit('data', { body: { sku: msg.body.sku, total: msg.body.qty * msg.body.price, at: moment('2026-01-01').add(1, 'day').format('YYYY-MM-DD') } });
            }
            """;
        var graph = Graph(
            [
                Node("step_1", "components/webhook:receive", new { auth = new { type = "NO_AUTH" } }),
                Node("step_2", "components/code:execute", new { code = Code }),
                Node("step_3", "components/rest-api:httpRequestAxios", Request(server.Url)),
            ],
            [
                Edge("step_1", "step_2", new { sku = "$uppercase(item.sku)", qty = "item.qty", price = "item.price", loop = "loop" }),
                Edge("step_2", "step_3", new { sku = "sku", total = "total", at = "at", customer = "$getPassthrough().step_1.body.customer" }),
            ]);
        var id = await s.CreateFlowAsync(graph);
        await s.StartAsync(id);
        using var anonymous = api.AnonymousClient();
        for (var i = 1; i <= 5; i++)
        {
            await (await anonymous.PostAsync($"/hook/{id}", Json("{\"customer\":\"c" + i + "\",\"item\":{\"sku\":\"ab-" + i + "\",\"qty\":" + i + ",\"price\":2.5}}"))).ReadJsonAsync();
        }
        await (await anonymous.PostAsync($"/hook/{id}", Json("""{"customer":"x","loop":true,"item":{"sku":"loop","qty":1,"price":1}}"""))).ReadJsonAsync();
        await ApiFixture.EventuallyAsync(() => Task.FromResult(received.Count == 5), "five deliveries", seconds: 60);
        var third = received.Single(b => b["sku"]!.GetValue<string>() == "AB-3");
        Assert.Equal("""{"sku":"AB-3","total":7.5,"at":"2026-01-02","customer":"c3"}""", third.ToJsonString());
        await ApiFixture.EventuallyAsync(async () => (await s.StatsAsync(id, "step_2"))["errors"]!.GetValue<long>() == 1, "the runaway step's error", seconds: 90);
        var logs = await (await s.Client.GetAsync($"/v2/logs?workspace_id={s.Workspace}&flow_ids[]={id}&levels[]=30&search=pricing")).ReadJsonAsync();
        Assert.Equal(5, logs["total"]!.GetValue<int>());
        Assert.Equal(5, received.Count);
    }

    [Fact]
    public async Task AWebhookTransformAndReplyFlowAnswersWithTheTransformedBody()
    {
        var s = await FlowSetup.CreateAsync(api);
        var graph = Graph(
            [
                Node("step_1", "components/webhook:receive", new { auth = new { type = "NO_AUTH" } }),
                Node("step_2", "components/jsonata:transform", new { expression = "{ 'responseBody': { 'greeting': 'Hello, ' & name }, 'statusCode': 200 }" }),
                Node("step_3", "components/request-reply:reply"),
            ],
            [Edge("step_1", "step_2"), Edge("step_2", "step_3")]);
        var id = await s.CreateFlowAsync(graph);
        await s.StartAsync(id);
        using var anonymous = api.AnonymousClient();
        var reply = await (await anonymous.PostAsync($"/hook/{id}", Json("""{"name":"Ada"}"""))).ReadJsonAsync();
        Assert.Equal("Hello, Ada", reply["greeting"]!.GetValue<string>());
    }

    [Fact]
    public async Task TheWebhookRefusesWhatItsCredentialDoesNotAllowAndWhatIsMalformed()
    {
        var s = await FlowSetup.CreateAsync(api);
        var list = await (await s.Client.GetAsync($"/v2/components?contract_id={s.Contract}")).ReadJsonAsync();
        var webhook = list["data"]!.AsArray().Single(c => c!["attributes"]!["name"]!.GetValue<string>() == "webhook")!["id"]!.GetValue<string>();
        var credential = await (await s.Client.PostAsync("/v2/credentials", Json(new JsonObject
        {
            ["data"] = new JsonObject
            {
                ["type"] = "credential",
                ["attributes"] = new JsonObject { ["name"] = "hmac", ["keys"] = new JsonObject { ["auth"] = new JsonObject { ["type"] = "HMAC", ["hmacSecret"] = "s3cret" } } },
                ["relationships"] = new JsonObject
                {
                    ["component"] = new JsonObject { ["data"] = new JsonObject { ["id"] = webhook, ["type"] = "component" } },
                    ["workspace"] = new JsonObject { ["data"] = new JsonObject { ["id"] = s.Workspace, ["type"] = "workspace" } },
                },
            },
        }.ToJsonString()))).ReadJsonAsync(201);
        var graph = Graph([Node("step_1", "components/webhook:receive", credentials: credential["data"]!["id"]!.GetValue<string>()), Node("step_2", "components/router:route")],
            [Edge("step_1", "step_2")]);
        var id = await s.CreateFlowAsync(graph);
        using var anonymous = api.AnonymousClient();
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.PostAsync($"/hook/{id}", Json("{}"))).StatusCode); // not started
        await s.StartAsync(id);
        const string body = """{"order":7}""";
        Assert.Equal(HttpStatusCode.BadRequest, (await anonymous.PostAsync($"/hook/{id}", Json(body))).StatusCode);
        var wrong = new HttpRequestMessage(HttpMethod.Post, $"/hook/{id}") { Content = Json(body) };
        wrong.Headers.Add("x-eio-signature", new string('0', 128));
        Assert.Equal(HttpStatusCode.BadRequest, (await anonymous.SendAsync(wrong)).StatusCode);
        var signed = new HttpRequestMessage(HttpMethod.Post, $"/hook/{id}/sales/orders") { Content = Json(body) };
        signed.Headers.Add("x-eio-signature", Convert.ToHexStringLower(HMACSHA512.HashData(Encoding.UTF8.GetBytes("s3cret"), Encoding.UTF8.GetBytes(body))));
        Assert.Equal(HttpStatusCode.OK, (await anonymous.SendAsync(signed)).StatusCode);
        var noType = new HttpRequestMessage(HttpMethod.Post, $"/hook/{id}") { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await anonymous.SendAsync(noType)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.PostAsync($"/hook/{Guid.NewGuid():N}", Json(body))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.PostAsync("/hook/..%2F..%2Fv2", Json(body))).StatusCode);
    }

    [Fact]
    public async Task ARequestReplyFlowAnswersTheWebhookCallerSynchronously()
    {
        var s = await FlowSetup.CreateAsync(api);
        var graph = Graph([Node("step_1", "components/webhook:receive", new { auth = new { type = "NO_AUTH" } }), Node("step_2", "components/request-reply:reply")],
            [Edge("step_1", "step_2", new { responseBody = "name", statusCode = "201" })]);
        var id = await s.CreateFlowAsync(graph);
        await s.StartAsync(id);
        using var anonymous = api.AnonymousClient();
        var response = await anonymous.PostAsync($"/hook/{id}", Json("""{"name":"Ada"}"""));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("Ada", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AReplyCannotSetCookiesOrBreakTheResponseWithTheHeadersItChooses()
    {
        var s = await FlowSetup.CreateAsync(api);
        var customHeaders = new Dictionary<string, string> { ["Set-Cookie"] = "session=stolen", ["X-Order"] = "42", ["Access-Control-Allow-Origin"] = "*" };
        var graph = Graph([Node("step_1", "components/webhook:receive", new { auth = new { type = "NO_AUTH" } }), Node("step_2", "components/request-reply:reply", new { customHeaders })],
            [Edge("step_1", "step_2", new { responseBody = "name", contentType = "type" })]);
        var id = await s.CreateFlowAsync(graph);
        await s.StartAsync(id);
        using var anonymous = api.AnonymousClient();
        // The caller chooses the content type, as the mapper lets it: a CR/LF in it must not reach the response.
        var response = await anonymous.PostAsync($"/hook/{id}", Json("""{"name":"Ada","type":"text/plain\r\nSet-Cookie: a=b"}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Ada", await response.Content.ReadAsStringAsync());
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.False(response.Headers.Contains("Set-Cookie"));
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Equal("42", response.Headers.GetValues("X-Order").Single());
    }

    [Fact]
    public async Task ARouterSendsEachMessageAlongMatchingConditionsOrItsDefaultEdge()
    {
        var (server, received) = await SinkAsync("/orders");
        await using var _ = server;
        var s = await FlowSetup.CreateAsync(api);
        var graph = Graph(
            [
                Node("step_1", "components/webhook:receive", new { auth = new { type = "NO_AUTH" } }), Node("step_2", "components/router:route"),
                Node("step_3", "components/rest-api:httpRequestAxios", Request(server.Url)), Node("step_4", "components/rest-api:httpRequestAxios", Request(server.Url)),
            ],
            [
                Edge("step_1", "step_2"),
                Edge("step_2", "step_3", new { lane = "\"urgent\"", id = "id" }, condition: "urgent"),
                Edge("step_2", "step_4", new { lane = "\"normal\"", id = "id" }),
            ]);
        var id = await s.CreateFlowAsync(graph);
        await s.StartAsync(id);
        using var anonymous = api.AnonymousClient();
        await (await anonymous.PostAsync($"/hook/{id}", Json("""{"id":1,"urgent":true}"""))).ReadJsonAsync();
        await (await anonymous.PostAsync($"/hook/{id}", Json("""{"id":2,"urgent":false}"""))).ReadJsonAsync();
        await ApiFixture.EventuallyAsync(() => Task.FromResult(received.Count == 2), "two deliveries");
        Assert.Equal("urgent", received.Single(b => b["id"]!.GetValue<double>() == 1)["lane"]!.GetValue<string>());
        Assert.Equal("normal", received.Single(b => b["id"]!.GetValue<double>() == 2)["lane"]!.GetValue<string>());
    }

    [Fact]
    public async Task AFailingStepIsAnErrorInStatsLogsAndTheErrorRecordWithItsInputKept()
    {
        var (server, received) = await SinkAsync("/orders");
        await using var _ = server;
        var s = await FlowSetup.CreateAsync(api);
        var graph = Graph(
            [Node("step_1", "components/webhook:receive", new { auth = new { type = "NO_AUTH" } }), Node("step_2", "components/rest-api:httpRequestAxios", Request(server.Url))],
            [Edge("step_1", "step_2", new { fail = "\"yes\"", id = "id" })]);
        var id = await s.CreateFlowAsync(graph);
        await s.StartAsync(id);
        using var anonymous = api.AnonymousClient();
        await (await anonymous.PostAsync($"/hook/{id}", Json("""{"id":42}"""))).ReadJsonAsync();
        await ApiFixture.EventuallyAsync(async () => (await s.StatsAsync(id, "step_2"))["errors"]!.GetValue<long>() == 1, "the error to be counted");
        var logs = await (await s.Client.GetAsync($"/v2/logs?workspace_id={s.Workspace}&flow_ids[]={id}&levels[]=50")).ReadJsonAsync();
        var hit = Assert.Single(logs["hits"]!.AsArray())!;
        Assert.Contains("500", hit["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("step_2", hit["step_id"]!.GetValue<string>());
        Assert.Equal($"task-{id}", hit["api_username"]!.GetValue<string>());
        Assert.Equal("httpRequestAxios", hit["method"]!.GetValue<string>());
        var errors = await api.Services.GetRequiredService<FlowErrorStore>().OfFlowAsync(id, CancellationToken.None);
        Assert.Contains("\"id\":42", Assert.Single(errors).ErrorInput, StringComparison.Ordinal);
        await (await s.Client.GetAsync($"/v2/logs?workspace_id={s.Workspace}&levels[]=55")).AssertErrorAsync(400);
        await (await s.Client.GetAsync($"/v2/logs?workspace_id={s.Workspace}&from=yesterday")).AssertErrorAsync(400);
        await (await s.Client.GetAsync($"/v2/logs?workspace_id={s.Workspace}&limit=0")).AssertErrorAsync(400);
    }

    [Fact]
    public async Task MessagesOfAStoppedFlowWaitAndAreDeliveredAfterTheNextStart()
    {
        var (server, received) = await SinkAsync("/orders");
        await using var _ = server;
        var s = await FlowSetup.CreateAsync(api);
        var graph = Graph(
            [Node("step_1", "components/webhook:receive", new { auth = new { type = "NO_AUTH" } }), Node("step_2", "components/rest-api:httpRequestAxios", Request(server.Url))],
            [Edge("step_1", "step_2", new { id = "id" })]);
        var id = await s.CreateFlowAsync(graph);
        await s.StartAsync(id);
        await s.StopAsync(id);
        // A message already on the queue for step_2 when the flow stopped, as one in flight during the stop would be.
        await api.Services.GetRequiredService<FlowQueue>().SendAsync(
            await s.EnvelopeAsync(api, id, "step_2", "accepted-before-stop", new JsonObject { ["id"] = 99 }));
        await ApiFixture.EventuallyAsync(async () => (await api.RowsAsync(StorageLayout.Tables.FlowParked)).Any(r => r.PartitionKey == id), "the message to be parked");
        Assert.Empty(received);
        await s.StartAsync(id);
        await ApiFixture.EventuallyAsync(() => Task.FromResult(received.Count == 1), "the parked message to be delivered");
        Assert.Equal(99, received.Single()["id"]!.GetValue<double>());
    }
}

public sealed class FlowScheduleTests(FlowScheduleTests.Fixture api) : IClassFixture<FlowScheduleTests.Fixture>
{
    public sealed class Fixture : ApiFixture
    {
        protected override bool UsesFakeTime => true;
    }

    [Fact]
    public async Task ACronFlowRunsOnceAMinuteOnScheduleWithItsSnapshotCarriedFromRunToRun()
    {
        var received = new ConcurrentQueue<JsonObject>();
        await using var server = await LocalHttpServer.StartAsync(app => app.MapPost("/orders", async (HttpRequest request) =>
        {
            received.Enqueue((await JsonNode.ParseAsync(request.Body))!.AsObject());
            return Results.Ok();
        }));
        var s = await FlowSetup.CreateAsync(api);
        var reader = new JsonObject { ["method"] = "POST", ["url"] = "\"" + new Uri(server.Url, "/orders") + "\"", ["body"] = "$" };
        var graph = Graph([Node("step_1", "components/simple-trigger-component:timer"), Node("step_2", "components/rest-api:httpRequestAxios", new { reader })],
            [Edge("step_1", "step_2", new { fired = "fireTime", since = "lastPoll" })]);
        var id = await s.CreateFlowAsync(graph, cron: "*/2 * * * *");
        await s.StartAsync(id);
        var scheduler = api.Services.GetRequiredService<FlowScheduler>();
        var now = api.Clock.GetUtcNow();
        api.Clock.Advance(TimeSpan.FromMinutes(2 - (now.Minute % 2)) - TimeSpan.FromSeconds(now.Second) + TimeSpan.FromSeconds(5));
        await scheduler.RunAsync(CancellationToken.None);
        await scheduler.RunAsync(CancellationToken.None); // the same minute again: no second tick
        await ApiFixture.EventuallyAsync(() => Task.FromResult(received.Count == 1), "the first run");
        api.Clock.Advance(TimeSpan.FromMinutes(1));
        await scheduler.RunAsync(CancellationToken.None); // an odd minute: not due
        api.Clock.Advance(TimeSpan.FromMinutes(1));
        await scheduler.RunAsync(CancellationToken.None);
        await ApiFixture.EventuallyAsync(() => Task.FromResult(received.Count == 2), "the second run");
        var runs = received.ToList();
        Assert.Equal(runs[0]["fired"]!.GetValue<string>(), runs[1]["since"]!.GetValue<string>());
        var snapshot = await (await s.Client.GetAsync($"/v2/flows/{id}/snapshots/step_1")).ReadJsonAsync();
        Assert.Equal(runs[1]["fired"]!.GetValue<string>(), snapshot["data"]!["attributes"]!["snapshot"]!["lastPoll"]!.GetValue<string>());
    }
}
