using System.Text.Json.Nodes;
using Serverless.Functions.Runtime.Components;
using Serverless.Functions.Tests.Runtime.Scripting;

namespace Serverless.Functions.Tests.Runtime.Components;

public sealed class JsonataComponentTests(JsonataFixture fixture) : IClassFixture<JsonataFixture>
{
    private async Task<(JsonObject? Returned, RecordingStepContext Context)> TransformAsync(string expression, string body, string? passthrough = null)
    {
        var message = new JsonObject { ["id"] = "m-1", ["body"] = JsonNode.Parse(body), ["headers"] = new JsonObject() };
        if (passthrough is not null)
        {
            message["passthrough"] = JsonNode.Parse(passthrough);
        }
        var context = RecordingStepContext.For();
        var returned = await new JsonataComponent(fixture.Jsonata).ProcessAsync("transform", message, new JsonObject { ["expression"] = expression },
            context, CancellationToken.None);
        return (returned, context);
    }

    [Fact]
    public async Task AnObjectResultIsOneMessage()
    {
        var (returned, context) = await TransformAsync("""{ "fullName": first & " " & last, "from": $getPassthrough().step_1.body.source }""",
            """{"first":"Renat","last":"Zubairov"}""", """{"step_1":{"body":{"source":"webhook"}}}""");

        Assert.Equal("""{"body":{"fullName":"Renat Zubairov","from":"webhook"}}""", returned!.ToJsonString());
        Assert.Empty(context.Events);
    }

    [Fact]
    public async Task AnArrayResultIsOneMessagePerElement()
    {
        var (returned, context) = await TransformAsync("items.{ 'sku': sku }", """{"items":[{"sku":"a"},{"sku":"b"}]}""");

        Assert.Null(returned);
        Assert.Equal(["""data: {"body":{"sku":"a"}}""", """data: {"body":{"sku":"b"}}"""], context.Events);
    }

    [Theory]
    [InlineData("nothing.here")]
    [InlineData("null")]
    [InlineData("[]")]
    public async Task AnEmptyResultEmitsNothing(string expression)
    {
        var (returned, context) = await TransformAsync(expression, """{"a":1}""");

        Assert.Null(returned);
        Assert.Empty(context.Events);
    }

    [Fact]
    public async Task ABadExpressionOrAPrimitiveResultFailsTheMessage()
    {
        var syntax = await Assert.ThrowsAsync<ComponentException>(() => TransformAsync("a.(", "{}"));
        Assert.Contains("S0203", syntax.Message, StringComparison.Ordinal);
        var primitive = await Assert.ThrowsAsync<ComponentException>(() => TransformAsync("a", """{"a":1}"""));
        Assert.Equal("The expression must give an object, or an array of objects.", primitive.Message);
        var missing = await Assert.ThrowsAsync<ComponentException>(() => TransformAsync(" ", "{}"));
        Assert.Equal("'expression' is required.", missing.Message);
    }
}
