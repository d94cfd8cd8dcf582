using System.Net;
using Microsoft.AspNetCore.Hosting;
using Serverless.Functions.Tests.Infrastructure;
using static Serverless.Functions.Tests.Infrastructure.JsonApiAssertions;
using static Serverless.Functions.Tests.IntegrationPlatform.Flows.FlowSetup;

namespace Serverless.Functions.Tests.IntegrationPlatform.Flows;

public sealed class WebhookLimitsTests(WebhookLimitsTests.Fixture api) : IClassFixture<WebhookLimitsTests.Fixture>
{
    public sealed class Fixture : ApiFixture
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("WEBHOOK_REQUESTS_PER_MINUTE", "3");
        }
    }

    [Fact]
    public async Task AContractPastItsWebhookRateGets429WithRetryAfterAndABodyOver10MBGets413()
    {
        var s = await FlowSetup.CreateAsync(api);
        var id = await s.CreateFlowAsync(Graph([Node("step_1", "components/webhook:receive", new { auth = new { type = "NO_AUTH" } }), Node("step_2", "components/router:route")],
            [Edge("step_1", "step_2")]));
        await s.StartAsync(id);
        using var anonymous = api.AnonymousClient();
        var big = new ByteArrayContent(new byte[11 * 1024 * 1024]);
        big.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        var tooBig = await anonymous.PostAsync($"/hook/{id}", big);
        Assert.True(tooBig.StatusCode == HttpStatusCode.RequestEntityTooLarge, $"{tooBig.StatusCode}: {await tooBig.Content.ReadAsStringAsync()}");
        var get = await (await anonymous.GetAsync($"/hook/{id}/extra?x=1")).ReadJsonAsync();
        Assert.Equal("thank you", get["message"]!.GetValue<string>());
        await (await anonymous.PostAsync($"/hook/{id}", Json("""{"a":1}"""))).ReadJsonAsync();
        await (await anonymous.PostAsync($"/hook/{id}", Json("""{"a":2}"""))).ReadJsonAsync(); // the third of three a minute
        var limited = await anonymous.PostAsync($"/hook/{id}", Json("""{"a":1}"""));
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Contains("webhook requests", (await limited.Content.ReadAsStringAsync()), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"name":"a","name":"b"}""")]
    [InlineData("""{"name":"\ud800"}""")]
    public async Task ABodyNamingAFieldTwiceOrHoldingHalfAUtf16PairIsABadRequest(string body)
    {
        var s = await FlowSetup.CreateAsync(api);
        var id = await s.CreateFlowAsync(Graph([Node("step_1", "components/webhook:receive", new { auth = new { type = "NO_AUTH" } }), Node("step_2", "components/router:route")],
            [Edge("step_1", "step_2")]));
        await s.StartAsync(id);
        using var anonymous = api.AnonymousClient();
        var response = await anonymous.PostAsync($"/hook/{id}", Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{response.StatusCode}: {text}");
        Assert.Contains("\"error\"", text, StringComparison.Ordinal);
    }
}
