using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Serverless.Functions.Runtime.Components;
using Serverless.Functions.Runtime.Scripting;

namespace Serverless.Functions.Tests.Runtime.Components;

/// <summary>The code component against real V8, with a two-second time limit and a 32 MB heap.</summary>
public sealed class CodeComponentFixture : IDisposable
{
    public CodeComponentFixture()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [CodeSandbox.TimeoutSetting] = "2",
            [CodeSandbox.MaxHeapSetting] = "32",
        }).Build();
        Sandbox = new CodeSandbox(configuration);
        Component = new CodeComponent(Sandbox);
    }

    public CodeSandbox Sandbox { get; }

    public CodeComponent Component { get; }

    public void Dispose() => Sandbox.Dispose();
}

public sealed class CodeComponentTests(CodeComponentFixture fixture) : IClassFixture<CodeComponentFixture>
{
    private static JsonObject Message(string body) => new() { ["id"] = "m-1", ["body"] = JsonNode.Parse(body), ["headers"] = new JsonObject() };

    private async Task<(JsonObject? Returned, RecordingStepContext Context)> RunAsync(string code, string body = """{"n":1}""",
        string stepId = "step_1", JsonNode? snapshot = null)
    {
        var context = RecordingStepContext.For(stepId, snapshot);
        var returned = await fixture.Component.ProcessAsync("execute", Message(body), new JsonObject { ["code"] = code }, context, CancellationToken.None);
        return (returned, context);
    }

    [Fact]
    public async Task TheValueAnAsyncRunReturnsIsEmittedAsTheBody()
    {
        var (returned, context) = await RunAsync("async function run(msg, cfg, snapshot) { return { doubled: msg.body.n * 2, code: typeof cfg.code }; }");

        Assert.Equal("""{"body":{"doubled":2,"code":"string"},"headers":{}}""", returned!.ToJsonString());
        Assert.Empty(context.Events);
    }

    [Fact]
    public async Task APlainFunctionWorksTooAndNothingReturnedEmitsNothing()
    {
        var (returned, _) = await RunAsync("function run(msg) { return { plain: true }; }");
        Assert.Equal("""{"body":{"plain":true},"headers":{}}""", returned!.ToJsonString());

        var (nothing, context) = await RunAsync("async function run(msg) { this.logger.info('seen', msg.body.n); }");
        Assert.Null(nothing);
        Assert.Equal(["log 30: seen 1"], context.Events);
    }

    [Fact]
    public async Task EmitsAndLogsReachTheStepInOrder()
    {
        var (returned, context) = await RunAsync("""
            async function run(msg, cfg, snapshot) {
              this.logger.debug('start');
              await this.emit('data', messages.newMessageWithBody({ first: msg.body.n }));
              await this.emit('snapshot', { last: snapshot.last + 1 });
              await this.emit('updateSnapshot', { seen: true });
              await wait(1000);
              this.logger.warn('after the wait');
              this.emit('data', { body: { second: _.sum([1, 2, 3]) }, headers: { 'x-a': 'b' } });
              await this.emit('httpReply', { statusCode: 201, headers: { 'content-type': 'text/plain' }, body: 'made' });
              console.log('console too');
              this.emit('end');
            }
            """, snapshot: JsonNode.Parse("""{"last":41}"""));

        Assert.Null(returned);
        Assert.Equal([
            "log 20: start",
            """data: {"body":{"first":1},"headers":{},"attachments":{},"metadata":{}}""",
            """snapshot: {"last":42}""",
            """updateSnapshot: {"seen":true}""",
            "log 40: after the wait",
            """data: {"body":{"second":6},"headers":{"x-a":"b"}}""",
            """httpReply: 201 {"content-type":"text/plain"} "made" """.TrimEnd(),
            "log 30: console too",
        ], context.Events);
    }

    [Fact]
    public async Task ErrorsAndReboundsAreEmittedByName()
    {
        var (_, context) = await RunAsync("""
            async function run(msg) {
              await this.emit('error', new TypeError('bad input'));
              await this.emit('rebound', 'try later');
            }
            """);

        Assert.Equal(["error: TypeError: bad input", "rebound: try later"], context.Events);
    }

    [Fact]
    public async Task AThrowOrARejectionFailsTheMessageAfterWhatWasEmittedBefore()
    {
        var thrown = RecordingStepContext.For();
        var error = await Assert.ThrowsAsync<ComponentException>(() => fixture.Component.ProcessAsync("execute", Message("{}"),
            new JsonObject { ["code"] = "async function run() { this.logger.info('before'); throw new RangeError('too far'); }" }, thrown, CancellationToken.None));
        Assert.Equal("RangeError: too far", error.Message);
        Assert.Equal(["log 30: before"], thrown.Events);

        var rejected = await Assert.ThrowsAsync<ComponentException>(() => RunAsync("function run() { return Promise.reject(new Error('no')); }"));
        Assert.Equal("Error: no", rejected.Message);
    }

    [Fact]
    public async Task CodeThatDoesNotCompileFailsNamingTheSyntaxError()
    {
        var error = await Assert.ThrowsAsync<ComponentException>(() => RunAsync("async function run( { return 1 }", stepId: "broken"));

        Assert.StartsWith("The code does not compile: SyntaxError", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMalformedEmitFailsTheMessageBeforeAnythingGoesOut()
    {
        var context = RecordingStepContext.For();
        var error = await Assert.ThrowsAsync<ComponentException>(() => fixture.Component.ProcessAsync("execute", Message("{}"),
            new JsonObject { ["code"] = "async function run() { await this.emit('data', messages.newMessageWithBody({ ok: 1 })); await this.emit('data', 'not a message'); }" },
            context, CancellationToken.None));

        Assert.Contains("newMessageWithBody", error.Message, StringComparison.Ordinal);
        Assert.Empty(context.Events);
    }

    [Fact]
    public async Task ScriptsSeeNoHostObjectsNoNetworkAndNoNodeGlobals()
    {
        var (returned, _) = await RunAsync("""
            async function run() {
              return { kinds: [typeof require, typeof process, typeof fetch, typeof XMLHttpRequest, typeof Buffer, typeof host],
                       libraries: [typeof _, typeof moment, typeof messages.newMessageWithBody] };
            }
            """);

        Assert.Equal("""{"kinds":["undefined","undefined","undefined","undefined","undefined","undefined"],"libraries":["function","function","function"]}""",
            returned!["body"]!.ToJsonString());
    }

    [Fact]
    public async Task DeclarationsDoNotCarryOverFromOneMessageToTheNext()
    {
        const string code = "let count = 0; async function run() { count++; return { count }; }";
        var (first, _) = await RunAsync(code, stepId: "counter");
        var (second, _) = await RunAsync(code, stepId: "counter");

        Assert.Equal("""{"count":1}""", first!["body"]!.ToJsonString());
        Assert.Equal("""{"count":1}""", second!["body"]!.ToJsonString());
    }

    [Fact]
    public async Task ARunawayLoopFailsOnlyItsMessageWithinTheLimitAndTheNextMessageWorks()
    {
        const string code = "async function run(msg) { if (msg.body.spin) { while (true) {} } return { fine: true }; }";
        var watch = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<ComponentException>(() => RunAsync(code, """{"spin":true}""", stepId: "spinner"));

        Assert.Equal("The code ran longer than 2 seconds and was stopped.", error.Message);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(30));
        var (next, _) = await RunAsync(code, """{"spin":false}""", stepId: "spinner");
        Assert.Equal("""{"fine":true}""", next!["body"]!.ToJsonString());
    }

    [Theory]
    [InlineData("let a = []; while (true) { a.push(new Array(100000).fill(1.5)); }")]
    [InlineData("let a = []; for (;;) { a.push('x'.repeat(1e6) + Math.random()); }")]
    [InlineData("let b = []; while (true) { b.push(new ArrayBuffer(1e7)); }")]
    public async Task AMemoryHungryScriptFailsOnlyItsMessageAndTheNextMessageWorks(string hog)
    {
        var code = "async function run(msg) { if (msg.body.hog) { " + hog + " } return { fine: true }; }";

        var error = await Assert.ThrowsAsync<ComponentException>(() => RunAsync(code, """{"hog":true}""", stepId: "hog"));

        Assert.Matches("memory|allocation failed|longer than", error.Message);
        var (next, _) = await RunAsync(code, """{"hog":false}""", stepId: "hog");
        Assert.Equal("""{"fine":true}""", next!["body"]!.ToJsonString());
    }

    [Fact]
    public async Task MoreStepsThanIsolatesKeptEachRunTheirOwnCode()
    {
        for (var round = 0; round < 2; round++)
        {
            for (var step = 0; step < 20; step++)
            {
                var (returned, _) = await RunAsync($"async function run() {{ return {{ step: {step} }}; }}", stepId: $"many-{step}");
                Assert.Equal($$"""{"step":{{step}}}""", returned!["body"]!.ToJsonString());
            }
        }
    }

    [Fact]
    public async Task ManyMessagesAtOnceEachGetTheirOwnResult()
    {
        const string code = "async function run(msg) { await wait(5); return { n: msg.body.n, square: msg.body.n * msg.body.n }; }";
        var results = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(() => RunAsync(code, $$"""{"n":{{i}}}""", stepId: "parallel"))));

        Assert.Equal(Enumerable.Range(0, 40).Select(i => $$"""{"n":{{i}},"square":{{i * i}}}"""), results.Select(r => r.Returned!["body"]!.ToJsonString()));
    }
}
