using System.Text.Json.Nodes;
using Serverless.Functions.Runtime.Scripting;

namespace Serverless.Functions.Tests.Runtime.Scripting;

/// <summary>One shared <see cref="Jsonata"/>, as the app registers it: jsonata.js 2.2.2 in real V8.</summary>
public sealed class JsonataFixture : IDisposable
{
    public Jsonata Jsonata { get; } = new();

    public void Dispose() => Jsonata.Dispose();
}

public sealed class JsonataTests(JsonataFixture fixture) : IClassFixture<JsonataFixture>
{
    private static readonly JsonataBindings None = new();
    private readonly Jsonata jsonata = fixture.Jsonata;

    private static JsonNode Json(string text) => JsonNode.Parse(text)!;

    private string Map(string mapper, string body, JsonataBindings? bindings = null) =>
        jsonata.Map(Json(mapper), Json(body), bindings ?? None)!.ToJsonString();

    [Fact]
    public void TheJavaScriptIsEmbeddedInTheAssemblySoThePublishedAppNeedsNoNodeModules()
    {
        var names = typeof(Jsonata).Assembly.GetManifestResourceNames();

        Assert.Superset(new HashSet<string> { "scripts/jsonata.js", "scripts/moment.js", "scripts/lodash.js", "scripts/jsonata-host.js", "scripts/moment-wrapper.js", "scripts/code-host.js" },
            names.ToHashSet());
        using var stream = typeof(Jsonata).Assembly.GetManifestResourceStream("scripts/jsonata.js")!;
        Assert.Contains("jsonata", new StreamReader(stream).ReadToEnd()[..400], StringComparison.Ordinal);
    }

    [Fact]
    public void TheSeedsMapperGivesStringLiteralsAndPaths()
    {
        var mapped = Map("""{"textBody":"Address.Street","subject":"\"2803_SW)RT\"","to":"\"test@example.com\"","pageSize":"10"}""",
            """{"Address":{"Street":"Hauptstrasse 1"}}""");

        Assert.Equal("""{"textBody":"Hauptstrasse 1","subject":"2803_SW)RT","to":"test@example.com","pageSize":10}""", mapped);
    }

    [Fact]
    public void AMapperLeavesOutMissingPathsAndKeepsLiteralLeavesAndNesting()
    {
        var mapped = Map("""{"name":"first & ' ' & last","missing":"nowhere.at.all","count":3,"flag":true,"none":null,"nested":{"city":"address.city","gone":"address.zip"},"list":["first","nothing"]}""",
            """{"first":"Ada","last":"Lovelace","address":{"city":"London"}}""");

        Assert.Equal("""{"name":"Ada Lovelace","count":3,"flag":true,"none":null,"nested":{"city":"London"},"list":["Ada"]}""", mapped);
    }

    [Fact]
    public void PathsPredicatesQuotedNamesAndMapWork()
    {
        var body = """{"Account":{"Order":[{"Product":[{"Product Name":"Hat","Price":34.45,"Quantity":2},{"Product Name":"Scarf","Price":21.67,"Quantity":1}]},{"Product":[{"Product Name":"Hat","Price":34.45,"Quantity":4}]}]}}""";
        var mapped = Map("""
            {"names":"Account.Order.Product.({'name': $.\"Product Name\"})",
             "expensive":"Account.Order.Product[Price > 30].\"Product Name\"",
             "first":"Account.Order[0].Product[0].\"Product Name\"",
             "total":"$sum(Account.Order.Product.(Price * Quantity))",
             "doubled":"$map([1,2,3], function($v){ $v * 2 })",
             "words":"$split('a@b.c', /[@.]+/)"}
            """, body);

        Assert.Equal("""{"names":[{"name":"Hat"},{"name":"Scarf"},{"name":"Hat"}],"expensive":["Hat","Hat"],"first":"Hat","total":228.37,"doubled":[2,4,6],"words":["a","b","c"]}""", mapped);
    }

    [Fact]
    public void NumbersFormatAsJavaScriptDoublesDo()
    {
        Assert.True(jsonata.TryEvaluate("$sum([68.9, 21.67])", null, None, out var sum));
        Assert.Equal("90.57000000000001", sum!.ToJsonString());
        Assert.True(jsonata.TryEvaluate("$string(1e21)", null, None, out var big));
        Assert.Equal("1e+21", big!.GetValue<string>());
    }

    [Fact]
    public void MomentChainsWork()
    {
        Assert.True(jsonata.TryEvaluate("$moment('2012-12-01').add(1,'year').format('LL')", null, None, out var format));
        Assert.Equal("\"December 1, 2013\"", format!.ToJsonString());
        Assert.True(jsonata.TryEvaluate("$moment('2020-02-29T10:00:00Z').utc().startOf('month').subtract(1, 'day').format('YYYY-MM-DD')", null, None, out var chained));
        Assert.Equal("\"2020-01-31\"", chained!.ToJsonString());
        Assert.True(jsonata.TryEvaluate("$moment('2020-01-01T00:00:00Z').isBefore($moment('2021-01-01T00:00:00Z'))", null, None, out var before));
        Assert.Equal("true", before!.ToJsonString());
    }

    [Fact]
    public void ABareMomentMapsToAnIsoString()
    {
        var mapped = jsonata.Map(Json("""{"at":"$moment('2012-12-01T10:20:30Z')","now":"$moment()"}"""), Json("{}"), None)!;

        Assert.Equal("2012-12-01T10:20:30.000Z", mapped["at"]!.GetValue<string>());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", mapped["now"]!.GetValue<string>());
    }

    [Fact]
    public void GetPassthroughReachesEarlierStepsAndTheLegacyElasticioFormToo()
    {
        var bindings = new JsonataBindings(Json("""{"step_1":{"body":{"x":42,"name":"Ada"}}}""").AsObject());

        var mapped = Map("""{"x":"$getPassthrough().step_1.body.x","quoted":"$getPassthrough().\"step_1\".body.name","legacy":"elasticio.step_1.body.x","own":"y"}""",
            """{"y":"here"}""", bindings);

        Assert.Equal("""{"x":42,"quoted":"Ada","legacy":42,"own":"here"}""", mapped);
    }

    [Fact]
    public void ABodyWithItsOwnElasticioPropertyIsRefusedWhenThereIsAPassthrough()
    {
        var bindings = new JsonataBindings(Json("""{"step_1":{"body":{}}}""").AsObject());

        var error = Assert.Throws<JsonataException>(() => jsonata.TryEvaluate("a", Json("""{"elasticio":1,"a":2}"""), bindings, out _));

        Assert.Contains("elasticio", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetFlowVariablesGivesTheFlowsVariables()
    {
        var bindings = new JsonataBindings(FlowVariables: Json("""{"region":"eu"}""").AsObject());

        Assert.True(jsonata.TryEvaluate("$getFlowVariables().region & '-1'", Json("{}"), bindings, out var value));
        Assert.Equal("\"eu-1\"", value!.ToJsonString());
    }

    [Fact]
    public void AMissingPathIsUndefinedAndJsonNullIsAValue()
    {
        Assert.False(jsonata.TryEvaluate("a.b.c", Json("""{"a":{}}"""), None, out var missing));
        Assert.Null(missing);
        Assert.True(jsonata.TryEvaluate("a", Json("""{"a":null}"""), None, out var nothing));
        Assert.Null(nothing);
    }

    [Fact]
    public void ASyntaxErrorNamesItsCodeAndPosition()
    {
        var error = Assert.Throws<JsonataException>(() => jsonata.Compile("Account.Order[0"));

        Assert.Contains("S0203", error.Message, StringComparison.Ordinal);
        Assert.Contains("position", error.Message, StringComparison.Ordinal);
        jsonata.Compile("Account.Order[0]");
    }

    [Fact]
    public void AMapperErrorNamesTheKey()
    {
        var error = Assert.Throws<JsonataException>(() => Map("""{"good":"a","outer":{"bad":"$number('x') + "}}""", """{"a":1}"""));

        Assert.StartsWith("Mapper key 'outer.bad':", error.Message, StringComparison.Ordinal);
        var runtime = Assert.Throws<JsonataException>(() => Map("""{"list":["a", "$undefinedFunction(a)"]}""", """{"a":1}"""));
        Assert.StartsWith("Mapper key 'list[1]':", runtime.Message, StringComparison.Ordinal);
        Assert.Contains("T1006", runtime.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Category = 'sport'", """{"Category":"sport"}""", true)]
    [InlineData("Category = 'sport'", """{"Category":"news"}""", false)]
    [InlineData("$number(test) > 10", """{"test":"11"}""", true)]
    [InlineData("$exists(x)", """{"y":1}""", false)]
    [InlineData("missing.path", """{}""", false)]
    [InlineData("value", """{"value":null}""", false)]
    [InlineData("value", """{"value":0}""", false)]
    [InlineData("value", """{"value":""}""", false)]
    [InlineData("value", """{"value":"no"}""", true)]
    [InlineData("value", """{"value":[]}""", false)]
    [InlineData("value", """{"value":[0,false]}""", false)]
    [InlineData("value", """{"value":[0,1]}""", true)]
    [InlineData("value", """{"value":{}}""", false)]
    [InlineData("value", """{"value":{"a":1}}""", true)]
    public void ConditionsAreTrueAsJsonataCastsThem(string condition, string body, bool expected) =>
        Assert.Equal(expected, jsonata.Test(condition, Json(body), None));

    [Fact]
    public void ARunawayExpressionFailsWithinTheTimeLimitAndTheNextOneWorks()
    {
        var error = Assert.Throws<JsonataException>(() =>
            jsonata.TryEvaluate("( $f := function($x){ $f($x + 1) }; $f(0) )", Json("{}"), None, out _));

        Assert.Contains("longer than", error.Message, StringComparison.Ordinal);
        Assert.True(jsonata.TryEvaluate("1 + 1", null, None, out var two));
        Assert.Equal("2", two!.ToJsonString());
    }

    [Fact]
    public void ManyThreadsEvaluatingAtOnceEachGetTheirOwnResult()
    {
        var failures = 0;
        Parallel.For(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var bindings = new JsonataBindings(new JsonObject { ["step_1"] = new JsonObject { ["body"] = new JsonObject { ["n"] = i } } });
            var mapped = jsonata.Map(Json("""{"sum":"a + b","from":"$getPassthrough().step_1.body.n","label":"'item ' & $string(a)"}"""),
                Json($$"""{"a":{{i}},"b":{{i * 2}}}"""), bindings)!;
            if (mapped.ToJsonString() != $$"""{"sum":{{i * 3}},"from":{{i}},"label":"item {{i}}"}""" || !jsonata.Test($"a = {i}", Json($$"""{"a":{{i}}}"""), None))
            {
                Interlocked.Increment(ref failures);
            }
        });

        Assert.Equal(0, failures);
    }
}
