using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using Serverless.Functions.Identity;
using Serverless.Functions.Storage;

namespace Serverless.Functions.Tests.Infrastructure;

/// <summary>
/// The app, hosted in memory against the shared real Azurite, with tables, queues and containers of its own (a unique
/// name prefix per fixture) and a bootstrapped tenant admin.
/// </summary>
public class ApiFixture : WebApplicationFactory<Program>, IAsyncLifetime
{
    public string Prefix { get; } = "t" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));

    public string AdminEmail => $"admin@{Prefix}.example.com";

    public string AdminKey { get; } = ApiKeys.New();

    public string EncryptionKey { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public string ConnectionString { get; private set; } = "";

    // Whole seconds, so that times the app writes at second precision (signatures, names) equal the clock's own.
    private readonly FakeTimeProvider clock = new(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));

    /// <summary>
    /// A fixture whose tests drive the app's clock says so here; the app then reads <see cref="Clock"/>, which starts at
    /// the real now and moves only when a test advances it. The others run on the real clock.
    /// </summary>
    protected virtual bool UsesFakeTime => false;

    /// <summary>The app's <see cref="TimeProvider"/>, where <see cref="UsesFakeTime"/>.</summary>
    public FakeTimeProvider Clock => UsesFakeTime
        ? clock
        : throw new InvalidOperationException($"{GetType().Name} runs on the real clock; override {nameof(UsesFakeTime)} to drive it.");

    /// <summary>The storage the app runs on: the shared Azurite, unless a fixture brings its own (<see cref="PrivateAzurite"/>).</summary>
    protected virtual Task<string> StartStorageAsync() => Azurite.ConnectionStringAsync();

    public async Task InitializeAsync()
    {
        ConnectionString = await StartStorageAsync();
        using var admin = AdminClient();
        // Start-up work (tables, bootstrap) runs in the background; on a loaded machine it can outlast one request's wait.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        HttpResponseMessage response;
        while ((response = await admin.GetAsync("/v2/users/me")).StatusCode == System.Net.HttpStatusCode.ServiceUnavailable && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }
        Assert.True(response.IsSuccessStatusCode, $"The app did not become ready: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting(StorageAccount.ConnectionSetting, ConnectionString);
        builder.UseSetting(StorageAccount.NamePrefixSetting, Prefix);
        builder.UseSetting(Bootstrap.EmailSetting, AdminEmail);
        builder.UseSetting(Bootstrap.KeySetting, AdminKey);
        builder.UseSetting(EncryptionOptions.KeySetting, EncryptionKey);
        // Retries fast, so tests that exhaust them finish in moments.
        builder.UseSetting("QUEUE_RETRY_DELAY", "00:00:00.050");
        builder.UseSetting("QUEUE_POLL_INTERVAL", "00:00:01");
        // Tests stand in the systems the product calls with servers on 127.0.0.1; GuardedOutboundFixture tests the default.
        builder.UseSetting("OUTBOUND_ALLOW_PRIVATE_NETWORKS", "true");
        if (UsesFakeTime)
        {
            builder.ConfigureTestServices(services => services.RemoveAll<TimeProvider>().AddSingleton<TimeProvider>(clock));
        }
    }

    public StorageAccount Storage => Services.GetRequiredService<StorageAccount>();

    /// <summary>Every raw row of one of this fixture's tables, to check what storage really holds.</summary>
    public Task<IReadOnlyList<Azure.Data.Tables.TableEntity>> RowsAsync(string table) =>
        Storage.Table(table).ListAsync<Azure.Data.Tables.TableEntity>("");

    /// <summary>Redirects are not followed, so tests see the API's own 303s (and HttpClient would drop credentials anyway).</summary>
    public virtual HttpClient AnonymousClient() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    public HttpClient ClientFor(string email, string apiKey)
    {
        var client = AnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{email}:{apiKey}")));
        return client;
    }

    public HttpClient AdminClient() => ClientFor(AdminEmail, AdminKey);

    public HttpClient ClientFor(TestUser user) => ClientFor(user.Email, user.ApiKey);

    /// <summary>Creates a user through the API, as the bootstrap admin.</summary>
    public async Task<TestUser> CreateUserAsync(string tenantRole = "member", HttpClient? asAdmin = null)
    {
        var email = $"user-{Guid.NewGuid():N}@{Prefix}.example.com";
        using var admin = asAdmin is null ? AdminClient() : null;
        var response = await (asAdmin ?? admin!).PostAsJsonAsync("/v2/users", new
        {
            data = new { type = "user", attributes = new { first_name = "Test", last_name = "User", email, tenant_role = tenantRole } },
        });
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.True(response.IsSuccessStatusCode, body?.ToJsonString());
        return new TestUser(body!["data"]!["id"]!.GetValue<string>(), email, body["meta"]!["api_key"]!.GetValue<string>());
    }

    /// <summary>An admin of a second tenant, made the way bootstrap makes one: no API creates tenants yet.</summary>
    public async Task<TestUser> CreateOtherTenantAdminAsync()
    {
        var email = $"other-{Guid.NewGuid():N}@{Prefix}.example.com";
        var key = ApiKeys.New();
        var user = await Services.GetRequiredService<UserStore>()
            .EnsureAsync("Other tenant", new NewUser("", "Other", "Admin", email, null, TenantRoles.Admin, key));
        return new TestUser(user.Id, email, key);
    }

    /// <summary>A contract created by the bootstrap admin, with <paramref name="owner"/> (or the admin) as its Owner.</summary>
    public async Task<string> CreateContractAsync(TestUser? owner = null, object? attributes = null)
    {
        using var admin = AdminClient();
        object relationships = owner is null ? new { } : new { owner = new { data = new { id = owner.Id, type = "user" } } };
        var response = await admin.PostAsync("/v2/contracts", JsonApiAssertions.Json(new
        {
            data = new { type = "contract", attributes = attributes ?? new { name = "Contract " + Guid.NewGuid().ToString("N")[..6] }, relationships },
        }));
        return (await response.ReadJsonAsync(201))["data"]!["id"]!.GetValue<string>();
    }

    public static async Task AddContractMemberAsync(HttpClient asOwner, string contractId, TestUser user, params string[] roles)
    {
        var response = await asOwner.PatchAsync($"/v2/contracts/{contractId}/members/{user.Id}",
            JsonApiAssertions.Json(new { data = new { type = "contract-member", id = user.Id, attributes = new { roles } } }));
        await response.ReadJsonAsync();
    }

    public static async Task<string> CreateWorkspaceAsync(HttpClient asMember, string contractId, string name = "Workspace")
    {
        var response = await asMember.PostAsync("/v2/workspaces", JsonApiAssertions.Json(new
        {
            data = new { type = "workspace", attributes = new { name }, relationships = new { contract = new { data = new { id = contractId, type = "contract" } } } },
        }));
        return (await response.ReadJsonAsync())["data"]!["id"]!.GetValue<string>();
    }

    public static async Task AddWorkspaceMemberAsync(HttpClient asOwner, string workspaceId, TestUser user, params string[] roles)
    {
        var response = await asOwner.PatchAsync($"/v2/workspaces/{workspaceId}/members/{user.Id}",
            JsonApiAssertions.Json(new { data = new { type = "member", id = user.Id, attributes = new { roles } } }));
        await response.ReadJsonAsync();
    }

    /// <summary>Polls <paramref name="condition"/> until it holds, for at most <paramref name="seconds"/>.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(50);
        }
    }
}

public sealed record TestUser(string Id, string Email, string ApiKey);

public static class JsonApiAssertions
{
    /// <summary>Asserts a JSON:API error response with the status, and returns its first error object.</summary>
    public static async Task<JsonObject> AssertErrorAsync(this HttpResponseMessage response, int status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"Expected {status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonNode.Parse(text)!.AsObject();
        var error = body["errors"]!.AsArray()[0]!.AsObject();
        Assert.Equal(status.ToString(), error["status"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(error["detail"]?.GetValue<string>()));
        var requestId = Assert.Single(response.Headers.GetValues("X-Request-Id"));
        Assert.Equal(requestId, error["meta"]!["request_id"]!.GetValue<string>());
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        return error;
    }

    public static async Task<JsonObject> ReadJsonAsync(this HttpResponseMessage response, int status = 200)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"Expected {status}, got {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    public static StringContent Json(string text, string contentType = "application/json") => new(text, Encoding.UTF8, contentType);

    public static StringContent Json(object value) => Json(JsonSerializer.Serialize(value));
}
