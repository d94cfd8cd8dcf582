using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests.Incidents;

/// <summary>An organization made through <c>POST /v2/tenants</c>: its id and its first account owner's key.</summary>
public sealed record TestOrganization(string Id, string OwnerId, string OwnerEmail, string OwnerKey);

/// <summary>Clients and steps of the incident surface, as a Squadcast client takes them.</summary>
public static class IncidentTestKit
{
    /// <summary>A new organization, made by the operator (the bootstrap admin) as the README says.</summary>
    public static async Task<TestOrganization> CreateOrganizationAsync(this ApiFixture api, string? name = null)
    {
        using var admin = api.AdminClient();
        var email = $"owner-{Guid.NewGuid():N}@{api.Prefix}.example.com";
        var response = await admin.PostAsync("/v2/tenants", JsonApiAssertions.Json(new
        {
            data = new { type = "tenant", attributes = new { name = name ?? "Org " + Guid.NewGuid().ToString("N")[..6], admin_email = email } },
        }));
        var body = await response.ReadJsonAsync(201);
        return new TestOrganization(body["data"]!["id"]!.GetValue<string>(), body["meta"]!["admin_user_id"]!.GetValue<string>(), email,
            body["meta"]!["api_key"]!.GetValue<string>());
    }

    /// <summary><c>GET /oauth/access-token</c> with the refresh token; the answer's <c>data</c>.</summary>
    public static async Task<JsonObject> ExchangeAsync(this ApiFixture api, string refreshToken, string path = "/oauth/access-token")
    {
        using var client = api.AnonymousClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-Refresh-Token", refreshToken);
        return (await (await client.SendAsync(request)).ReadJsonAsync())["data"]!.AsObject();
    }

    /// <summary>A client holding an access token minted from <paramref name="refreshToken"/>, as every v3 call needs.</summary>
    public static async Task<HttpClient> IncidentClientAsync(this ApiFixture api, string refreshToken)
    {
        var token = (await api.ExchangeAsync(refreshToken))["access_token"]!.GetValue<string>();
        return api.BearerClient(token);
    }

    public static HttpClient BearerClient(this ApiFixture api, string token)
    {
        var client = api.AnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>A user of the organization with the role, added through <c>POST /v3/users</c>: its id and its key.</summary>
    public static async Task<(string Id, string Key)> AddUserAsync(HttpClient owner, string role, string prefix)
    {
        var body = await (await owner.PostAsJsonAsync("/v3/users", new
        {
            email = $"{role}-{Guid.NewGuid():N}@{prefix}.example.com", role, first_name = "Test", last_name = role,
        })).ReadJsonAsync(201);
        return (body["data"]!["id"]!.GetValue<string>(), body["data"]!["api_key"]!.GetValue<string>());
    }

    /// <summary>A service: its id and its ingestion key.</summary>
    public static async Task<(string Id, string Key)> CreateServiceAsync(HttpClient owner, string? name = null)
    {
        var body = await (await owner.PostAsJsonAsync("/v3/services", new { name = name ?? "Service " + Guid.NewGuid().ToString("N")[..8] })).ReadJsonAsync(201);
        return (body["data"]!["id"]!.GetValue<string>(), body["data"]!["api_key"]!.GetValue<string>());
    }

    /// <summary>Posts an alert to the service's webhook; answers its request id.</summary>
    public static async Task<string> AlertAsync(this ApiFixture api, string serviceKey, object alert)
    {
        using var client = api.AnonymousClient();
        var body = await (await client.PostAsJsonAsync($"/v2/incidents/api/{serviceKey}", alert)).ReadJsonAsync(202);
        return body["request_id"]!.GetValue<string>();
    }

    /// <summary>Raises an alert and answers the incident it created or joined.</summary>
    public static async Task<string> RaiseAsync(this ApiFixture api, HttpClient client, string serviceKey, object alert)
    {
        var requestId = await api.AlertAsync(serviceKey, alert);
        var status = await (await client.PostAsJsonAsync("/v3/requests/status", new { request_ids = new[] { requestId } })).ReadJsonAsync();
        return status["data"]![requestId]!["incident_id"]!.GetValue<string>();
    }

    public static async Task<JsonObject> IncidentAsync(HttpClient client, string incidentId) =>
        (await (await client.GetAsync($"/v3/incidents/{incidentId}")).ReadJsonAsync())["data"]!.AsObject();

    /// <summary>
    /// Asserts the incident surface's error body: incident.io's type, status, request_id (the X-Request-Id) and errors,
    /// and Squadcast's meta; answers the body.
    /// </summary>
    public static async Task<JsonObject> AssertIncidentErrorAsync(this HttpResponseMessage response, int status, string? field = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"Expected {status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        var body = JsonNode.Parse(text)!.AsObject();
        Assert.Equal(status, body["status"]!.GetValue<int>());
        Assert.False(string.IsNullOrEmpty(body["type"]!.GetValue<string>()));
        Assert.Equal(Assert.Single(response.Headers.GetValues("X-Request-Id")), body["request_id"]!.GetValue<string>());
        Assert.Equal(status, body["meta"]!["status"]!.GetValue<int>());
        Assert.False(string.IsNullOrEmpty(body["meta"]!["error_message"]!.GetValue<string>()));
        var errors = body["errors"]!.AsArray();
        Assert.NotEmpty(errors);
        Assert.All(errors, e => Assert.False(string.IsNullOrEmpty(e!["code"]!.GetValue<string>())));
        if (field is not null)
        {
            Assert.Contains(errors, e => e!["source"]?["field"]?.GetValue<string>() == field);
        }
        return body;
    }
}
