using System.Net.Http.Json;
using Serverless.Functions.Tests.Incidents;
using Serverless.Functions.Tests.Infrastructure;
using Serverless.Functions.Tests.StatusPage.Cachet;

namespace Serverless.Functions.Tests.IntegrationPlatform.Tenants;

/// <summary>
/// <c>POST /v2/tenants</c>, the operator's way to a second organization, and what one organization's key cannot reach
/// of another's on the Integration Platform and status page surfaces (the incident surface's are in its own tests).
/// </summary>
public sealed class TenantsApiTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task TheOperatorCreatesAnOrganizationWhoseOwnerKeyIsShownOnceAndWorks()
    {
        using var admin = api.AdminClient();
        var email = $"owner-{Guid.NewGuid():N}@{api.Prefix}.example.com";
        var response = await admin.PostAsync("/v2/tenants", JsonApiAssertions.Json(new { data = new { type = "tenant", attributes = new { name = "Acme", admin_email = email } } }));
        var body = await response.ReadJsonAsync(201);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal("tenant", body["data"]!["type"]!.GetValue<string>());
        Assert.Equal("Acme", body["data"]!["attributes"]!["name"]!.GetValue<string>());
        var key = body["meta"]!["api_key"]!.GetValue<string>();
        using var owner = api.ClientFor(email, key);
        var me = await (await owner.GetAsync("/v2/users/me")).ReadJsonAsync();
        Assert.Equal("admin", me["data"]!["attributes"]!["tenant_role"]!.GetValue<string>());
        Assert.DoesNotContain(await api.RowsAsync("ApiKeys"), r => r.PartitionKey == key);

        var again = await admin.PostAsync("/v2/tenants", JsonApiAssertions.Json(new { data = new { type = "tenant", attributes = new { name = "Acme 2", admin_email = email } } }));
        Assert.Equal("/data/attributes/admin_email", (await again.AssertErrorAsync(409))["source"]!["pointer"]!.GetValue<string>());
    }

    [Fact]
    public async Task NobodyButTheOperatorCreatesOrganizationsAndBadInputNamesTheField()
    {
        var other = await api.CreateOrganizationAsync();
        var member = await api.CreateUserAsync();
        var tenantAdmin = await api.CreateUserAsync("admin");
        var body = JsonApiAssertions.Json(new { data = new { type = "tenant", attributes = new { name = "Mine", admin_email = $"x-{Guid.NewGuid():N}@example.com" } } });
        foreach (var client in new[] { api.ClientFor(other.OwnerEmail, other.OwnerKey), api.ClientFor(member), api.ClientFor(tenantAdmin) })
        {
            using (client)
            {
                await (await client.PostAsync("/v2/tenants", body)).AssertErrorAsync(403);
            }
        }
        using var anonymous = api.AnonymousClient();
        await (await anonymous.PostAsync("/v2/tenants", body)).AssertErrorAsync(401);
        using var admin = api.AdminClient();
        var bad = await admin.PostAsync("/v2/tenants", JsonApiAssertions.Json(new { data = new { type = "tenant", attributes = new { name = "", admin_email = "nope" } } }));
        var error = await bad.AssertErrorAsync(400);
        Assert.StartsWith("/data/attributes/", error["source"]!["pointer"]!.GetValue<string>(), StringComparison.Ordinal);
        var before = (await api.RowsAsync("Tenants")).Count;
        await (await admin.PostAsync("/v2/tenants", JsonApiAssertions.Json(new { data = new { type = "user", attributes = new { name = "X", admin_email = "x@example.com" } } })))
            .AssertErrorAsync(409);
        Assert.Equal(before, (await api.RowsAsync("Tenants")).Count);
    }

    [Fact]
    public async Task OneOrganizationSeesNothingOfAnothersIntegrationPlatformData()
    {
        var a = await api.CreateOrganizationAsync();
        var b = await api.CreateOrganizationAsync();
        using var ownerA = api.ClientFor(a.OwnerEmail, a.OwnerKey);
        using var ownerB = api.ClientFor(b.OwnerEmail, b.OwnerKey);
        var contract = (await (await ownerA.PostAsync("/v2/contracts", JsonApiAssertions.Json(new { data = new { type = "contract", attributes = new { name = "A's" } } })))
            .ReadJsonAsync(201))["data"]!["id"]!.GetValue<string>();
        await (await ownerB.GetAsync($"/v2/contracts/{contract}")).AssertErrorAsync(404);
        await (await ownerB.GetAsync($"/v2/users/{a.OwnerId}")).AssertErrorAsync(404);
        var users = await (await ownerB.GetAsync("/v2/users")).ReadJsonAsync();
        Assert.Equal([b.OwnerId], users["data"]!.AsArray().Select(u => u!["id"]!.GetValue<string>()));
        var contracts = await (await ownerB.GetAsync("/v2/contracts")).ReadJsonAsync();
        Assert.DoesNotContain(contract, contracts.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OneOrganizationsKeyWritesNothingOnAnothersStatusPage()
    {
        var a = await api.CreateOrganizationAsync();
        var b = await api.CreateOrganizationAsync();
        using var ownerA = api.ClientFor(a.OwnerEmail, a.OwnerKey);
        var slug = "org-" + Guid.NewGuid().ToString("N")[..8];
        (await ownerA.PostAsync("/v2/status-pages", JsonApiAssertions.Json(new { data = new { type = "status-page", attributes = new { slug, name = "A status" } } })))
            .EnsureSuccessStatusCode();
        using var cachetA = api.CachetClient(a.OwnerKey);
        using var cachetB = api.CachetClient(b.OwnerKey);
        await cachetA.PostDataAsync($"/pages/{slug}/api/v1/components", new { name = "A's API", status = 1 });
        await (await cachetB.PostAsJsonAsync($"/pages/{slug}/api/v1/components", new { name = "B was here", status = 1 })).AssertCachetErrorAsync(401);
        await (await cachetB.GetAsync($"/pages/{slug}/api/v1/subscribers")).AssertCachetErrorAsync(401);
        using var ownerB = api.ClientFor(b.OwnerEmail, b.OwnerKey);
        var pagesB = await (await ownerB.GetAsync("/v2/status-pages")).ReadJsonAsync();
        Assert.DoesNotContain(slug, pagesB.ToJsonString(), StringComparison.Ordinal);
    }
}
