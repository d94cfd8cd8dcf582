using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests.StatusPage.Cachet;

/// <summary>Cachet clients and checks of its wire format.</summary>
public static class CachetAssertions
{
    /// <summary>A client that writes with the bootstrap admin's key as <c>X-Cachet-Token</c>, as a Cachet client does.</summary>
    public static HttpClient CachetClient(this ApiFixture api, string? key = null)
    {
        var client = api.AnonymousClient();
        client.DefaultRequestHeaders.Add("X-Cachet-Token", key ?? api.AdminKey);
        return client;
    }

    public static async Task<JsonNode> DataAsync(this Task<HttpResponseMessage> request, int status = 200) =>
        (await (await request).ReadJsonAsync(status))["data"]!;

    public static Task<JsonNode> PostDataAsync(this HttpClient client, string path, object body) => client.PostAsJsonAsync(path, body).DataAsync();

    public static int Id(this JsonNode node) => node["id"]!.GetValue<int>();

    /// <summary>
    /// Asserts Cachet's error body and returns its first error: id, status, title and detail, and <c>meta</c> only on a
    /// validation 400, holding only <c>details</c>. The request id travels in the <c>X-Request-Id</c> header alone.
    /// </summary>
    public static async Task<JsonObject> AssertCachetErrorAsync(this HttpResponseMessage response, int status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"Expected {status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = JsonNode.Parse(text)!["errors"]!.AsArray()[0]!.AsObject();
        Assert.Equal(status, error["status"]!.GetValue<int>());
        Assert.True(Guid.TryParse(error["id"]!.GetValue<string>(), out _));
        Assert.False(string.IsNullOrEmpty(error["title"]!.GetValue<string>()));
        Assert.False(string.IsNullOrEmpty(Assert.Single(response.Headers.GetValues("X-Request-Id"))));
        var expected = error["meta"] is null ? new[] { "detail", "id", "status", "title" } : ["detail", "id", "meta", "status", "title"];
        Assert.Equal(expected, error.Select(p => p.Key).Order(StringComparer.Ordinal));
        if (error["meta"] is { } meta)
        {
            Assert.Equal(400, status);
            Assert.Equal(["details"], meta.AsObject().Select(p => p.Key));
        }
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        return error;
    }

    public static async Task<IReadOnlyList<string>> AssertValidationAsync(this HttpResponseMessage response, params string[] messages)
    {
        var error = await response.AssertCachetErrorAsync(400);
        var details = error["meta"]!["details"]!.AsArray().Select(d => d!.GetValue<string>()).ToList();
        foreach (var message in messages)
        {
            Assert.Contains(message, details);
        }
        return details;
    }
}
