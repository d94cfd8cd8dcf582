using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Serverless.Functions.Tests.Infrastructure;
using static Serverless.Functions.Tests.Infrastructure.JsonApiAssertions;

namespace Serverless.Functions.Tests.IntegrationPlatform.Users;

public sealed class UsersApiTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task MeReturnsTheCallerAsAJsonApiUserDocument()
    {
        using var client = api.AdminClient();
        var response = await client.GetAsync("/v2/users/me");
        var body = await response.ReadJsonAsync();
        var data = body["data"]!;
        Assert.Equal("user", data["type"]!.GetValue<string>());
        Assert.Matches("^[0-9a-f]{24}$", data["id"]!.GetValue<string>());
        Assert.Equal($"/v2/users/{data["id"]}", data["links"]!["self"]!.GetValue<string>());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", data["attributes"]!["registered"]!.GetValue<string>());
        Assert.NotNull(data["attributes"]!["last_login"]);
        Assert.Empty(body["meta"]!.AsObject());
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task AUserReadsThemselvesById()
    {
        var user = await api.CreateUserAsync();
        using var client = api.ClientFor(user);
        var body = await (await client.GetAsync($"/v2/users/{user.Id}")).ReadJsonAsync();
        Assert.Equal(user.Email, body["data"]!["attributes"]!["email"]!.GetValue<string>());
    }

    [Fact]
    public async Task ATenantAdminReadsAnyUserOfTheTenant()
    {
        var user = await api.CreateUserAsync();
        using var admin = api.AdminClient();
        var body = await (await admin.GetAsync($"/v2/users/{user.Id}")).ReadJsonAsync();
        Assert.Equal(user.Id, body["data"]!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task AMemberWithoutListPermissionGets404ForAnotherUser()
    {
        var member = await api.CreateUserAsync();
        var other = await api.CreateUserAsync();
        using var client = api.ClientFor(member);
        await (await client.GetAsync($"/v2/users/{other.Id}")).AssertErrorAsync(404);
    }

    [Fact]
    public async Task AnAdminOfAnotherTenantGets404ForThisTenantsUser()
    {
        var user = await api.CreateUserAsync();
        var outsider = await api.CreateOtherTenantAdminAsync();
        using var client = api.ClientFor(outsider);
        var error = await (await client.GetAsync($"/v2/users/{user.Id}")).AssertErrorAsync(404);
        Assert.Equal("USER_ID", error["source"]!["parameter"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("not-an-id")]
    [InlineData("ZZZZZZZZZZZZZZZZZZZZZZZZ")]
    [InlineData("%2F%3F%23")]
    public async Task AMalformedUserIdGets404(string id)
    {
        using var client = api.AdminClient();
        await (await client.GetAsync($"/v2/users/{id}")).AssertErrorAsync(404);
    }

    [Fact]
    public async Task ListNeedsTenantsUserListAll()
    {
        var member = await api.CreateUserAsync();
        using var client = api.ClientFor(member);
        var error = await (await client.GetAsync("/v2/users")).AssertErrorAsync(403);
        Assert.Contains("tenants.user.list_all", error["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListShowsOnlyTheCallersTenantWithPagingMeta()
    {
        await api.CreateUserAsync();
        var outsider = await api.CreateOtherTenantAdminAsync();
        using var client = api.AdminClient();
        var body = await (await client.GetAsync("/v2/users/")).ReadJsonAsync();
        var emails = body["data"]!.AsArray().Select(u => u!["attributes"]!["email"]!.GetValue<string>()).ToList();
        Assert.Contains(api.AdminEmail, emails);
        Assert.DoesNotContain(outsider.Email, emails);
        Assert.Equal(1, body["meta"]!["page"]!.GetValue<int>());
        Assert.Equal(50, body["meta"]!["per_page"]!.GetValue<int>());
        Assert.Equal(emails.Count, body["meta"]!["total"]!.GetValue<int>());
        Assert.Equal(1, body["meta"]!["total_pages"]!.GetValue<int>());

        using var other = api.ClientFor(outsider);
        var theirs = await (await other.GetAsync("/v2/users")).ReadJsonAsync();
        Assert.Equal(outsider.Email, Assert.Single(theirs["data"]!.AsArray())!["attributes"]!["email"]!.GetValue<string>());
    }

    [Fact]
    public async Task ListPagesThroughUsersInCreationOrder()
    {
        await api.CreateUserAsync();
        await api.CreateUserAsync();
        using var client = api.AdminClient();
        var all = await (await client.GetAsync("/v2/users?page[size]=100")).ReadJsonAsync();
        var total = all["meta"]!["total"]!.GetValue<int>();
        var ids = all["data"]!.AsArray().Select(u => u!["id"]!.GetValue<string>()).ToList();
        Assert.Equal(ids.Order(StringComparer.Ordinal), ids);

        var second = await (await client.GetAsync("/v2/users?page[size]=1&page[number]=2")).ReadJsonAsync();
        Assert.Equal(ids[1], Assert.Single(second["data"]!.AsArray())!["id"]!.GetValue<string>());
        Assert.Equal(total, second["meta"]!["total_pages"]!.GetValue<int>());
        Assert.Equal("/v2/users?page[number]=3&page[size]=1", Uri.UnescapeDataString(second["links"]!["next"]!.GetValue<string>()));
        Assert.Equal("/v2/users?page[number]=1&page[size]=1", Uri.UnescapeDataString(second["links"]!["prev"]!.GetValue<string>()));
    }

    [Fact]
    public async Task APagePastTheEndIsEmptyButKeepsTheTotals()
    {
        using var client = api.AdminClient();
        var body = await (await client.GetAsync("/v2/users?page[size]=10&page[number]=999")).ReadJsonAsync();
        Assert.Empty(body["data"]!.AsArray());
        Assert.Equal(999, body["meta"]!["page"]!.GetValue<int>());
        Assert.True(body["meta"]!["total"]!.GetValue<int>() >= 1);
        Assert.Null(body["links"]!["next"]);
    }

    [Fact]
    public async Task AHugePageSizeIsLoweredToTheMaximum()
    {
        using var client = api.AdminClient();
        var body = await (await client.GetAsync("/v2/users?page[size]=1000000")).ReadJsonAsync();
        Assert.Equal(100, body["meta"]!["per_page"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("page[number]=0", "page[number]")]
    [InlineData("page[number]=-1", "page[number]")]
    [InlineData("page[size]=0", "page[size]")]
    [InlineData("page[size]=ten", "page[size]")]
    [InlineData("page[size]=99999999999", "page[size]")]
    [InlineData("page[number]=1&page[number]=2", "page[number]")]
    [InlineData("email=a@b.co&iss=https://id.example.com", "email")]
    public async Task BadListParametersGet400NamingTheParameter(string query, string parameter)
    {
        using var client = api.AdminClient();
        var error = await (await client.GetAsync("/v2/users?" + query)).AssertErrorAsync(400);
        Assert.Equal(parameter, error["source"]!["parameter"]!.GetValue<string>());
    }

    [Fact]
    public async Task ListFiltersByExactEmail()
    {
        var user = await api.CreateUserAsync();
        using var client = api.AdminClient();
        var body = await (await client.GetAsync($"/v2/users?email={Uri.EscapeDataString(user.Email.ToUpperInvariant())}")).ReadJsonAsync();
        Assert.Equal(user.Id, Assert.Single(body["data"]!.AsArray())!["id"]!.GetValue<string>());
        var none = await (await client.GetAsync("/v2/users?email=nobody@example.com")).ReadJsonAsync();
        Assert.Empty(none["data"]!.AsArray());
    }

    [Fact]
    public async Task ListByOpenIdIdentityFindsNoneBecauseUsersHaveNone()
    {
        using var client = api.AdminClient();
        var body = await (await client.GetAsync("/v2/users?iss=https://id.example.com&sub=42")).ReadJsonAsync();
        Assert.Empty(body["data"]!.AsArray());
        Assert.Equal(0, body["meta"]!["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task CreateShowsTheNewKeyOnceAndTheKeyWorks()
    {
        using var admin = api.AdminClient();
        var email = $"new-{Guid.NewGuid():N}@{api.Prefix}.example.com";
        var response = await admin.PostAsync("/v2/users", Json(new
        {
            data = new { type = "user", attributes = new { first_name = "Ada", last_name = "Lovelace", email, company = "Engines" } },
        }));
        var body = await response.ReadJsonAsync(201);
        var id = body["data"]!["id"]!.GetValue<string>();
        Assert.Equal($"/v2/users/{id}", response.Headers.Location!.OriginalString);
        Assert.Equal("no-store", response.Headers.CacheControl!.ToString());
        Assert.Equal("Engines", body["data"]!["attributes"]!["company"]!.GetValue<string>());
        Assert.Equal("member", body["data"]!["attributes"]!["tenant_role"]!.GetValue<string>());
        var key = body["meta"]!["api_key"]!.GetValue<string>();
        Assert.StartsWith("ops_", key, StringComparison.Ordinal);
        Assert.True(key.Length >= 4 + 43, "at least 256 bits of randomness");

        using var created = api.ClientFor(email, key);
        var me = await (await created.GetAsync("/v2/users/me")).ReadJsonAsync();
        Assert.Equal(id, me["data"]!["id"]!.GetValue<string>());
        Assert.Null(me["meta"]!["api_key"]);
        var again = await (await admin.GetAsync($"/v2/users/{id}")).ReadJsonAsync();
        Assert.DoesNotContain(key, again.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACreatedTenantAdminMayListUsers()
    {
        var admin = await api.CreateUserAsync("admin");
        using var client = api.ClientFor(admin);
        var page = await (await client.GetAsync("/v2/users")).ReadJsonAsync();
        Assert.NotEmpty(page["data"]!.AsArray());
        Assert.All(page["data"]!.AsArray(), u => Assert.Equal("user", u!["type"]!.GetValue<string>()));
        var found = await (await client.GetAsync($"/v2/users?email={Uri.EscapeDataString(admin.Email)}")).ReadJsonAsync();
        Assert.Equal(admin.Id, Assert.Single(found["data"]!.AsArray())!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task AMemberCannotCreateUsers()
    {
        var member = await api.CreateUserAsync();
        using var client = api.ClientFor(member);
        await (await client.PostAsync("/v2/users", Json(new
        {
            data = new { type = "user", attributes = new { first_name = "A", last_name = "B", email = $"x-{Guid.NewGuid():N}@example.com" } },
        }))).AssertErrorAsync(403);
    }

    [Fact]
    public async Task UsersCreatedInAnotherTenantStayThere()
    {
        var outsider = await api.CreateOtherTenantAdminAsync();
        using var other = api.ClientFor(outsider);
        var theirs = await api.CreateUserAsync(asAdmin: other);
        using var admin = api.AdminClient();
        await (await admin.GetAsync($"/v2/users/{theirs.Id}")).AssertErrorAsync(404);
        var list = await (await admin.GetAsync($"/v2/users?email={Uri.EscapeDataString(theirs.Email)}")).ReadJsonAsync();
        Assert.Empty(list["data"]!.AsArray());
    }

    [Fact]
    public async Task ADuplicateEmailGets409NamingTheEmail()
    {
        var user = await api.CreateUserAsync();
        using var admin = api.AdminClient();
        var error = await (await admin.PostAsync("/v2/users", Json(new
        {
            data = new { type = "user", attributes = new { first_name = "A", last_name = "B", email = user.Email.ToUpperInvariant() } },
        }))).AssertErrorAsync(409);
        Assert.Equal("/data/attributes/email", error["source"]!["pointer"]!.GetValue<string>());
    }

    [Fact]
    public async Task MissingAttributesGet400ListingEveryField()
    {
        using var admin = api.AdminClient();
        var response = await admin.PostAsync("/v2/users", Json("""{"data":{"type":"user","attributes":{"email":"not-an-email","tenant_role":"root"}}}"""));
        await response.AssertErrorAsync(400);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var pointers = body["errors"]!.AsArray().Select(e => e!["source"]!["pointer"]!.GetValue<string>()).ToList();
        Assert.Equal(
            ["/data/attributes/first_name", "/data/attributes/last_name", "/data/attributes/email", "/data/attributes/tenant_role"],
            pointers);
    }

    [Theory]
    [InlineData("""{"data":{"type":"user","attributes":{"first_name":"A","last_name":"B","email":5}}}""", "/data/attributes/email")]
    [InlineData("""{"data":{"type":"user","attributes":{"first_name":["A"],"last_name":"B","email":"a@b.co"}}}""", "/data/attributes/first_name")]
    [InlineData("""{"data":{"type":"user","attributes":"nope"}}""", "/data/attributes")]
    [InlineData("""{"data":{"type":"user","id":7,"attributes":{}}}""", "/data/id")]
    [InlineData("""{"data":{"attributes":{}}}""", "/data/type")]
    [InlineData("""{"data":[]}""", "/data")]
    [InlineData("""{"nodata":{}}""", "/data")]
    [InlineData("""[1,2,3]""", "/data")]
    public async Task WronglyTypedBodiesGet400NamingTheField(string json, string pointer)
    {
        using var admin = api.AdminClient();
        var error = await (await admin.PostAsync("/v2/users", Json(json))).AssertErrorAsync(400);
        Assert.Equal(pointer, error["source"]!["pointer"]!.GetValue<string>());
    }

    [Fact]
    public async Task AWrongResourceTypeGets409()
    {
        using var admin = api.AdminClient();
        var error = await (await admin.PostAsync("/v2/users", Json("""{"data":{"type":"workspace","attributes":{}}}"""))).AssertErrorAsync(409);
        Assert.Equal("/data/type", error["source"]!["pointer"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("{\"data\":")]
    [InlineData("{'data': {}}")]
    [InlineData("")]
    public async Task MalformedJsonGets400(string json)
    {
        using var admin = api.AdminClient();
        await (await admin.PostAsync("/v2/users", Json(json))).AssertErrorAsync(400);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task ANonJsonContentTypeGets406(string contentType)
    {
        using var admin = api.AdminClient();
        var body = """{"data":{"type":"user","attributes":{"first_name":"A","last_name":"B","email":"a@b.co"}}}""";
        await (await admin.PostAsync("/v2/users", Json(body, contentType))).AssertErrorAsync(406);
    }

    [Fact]
    public async Task AHugeBodyGets413AndCreatesNothing()
    {
        using var admin = api.AdminClient();
        var before = (await (await admin.GetAsync("/v2/users")).ReadJsonAsync())["meta"]!["total"]!.GetValue<int>();
        var padding = new string('x', 2 * 1024 * 1024);
        var json = "{\"data\":{\"type\":\"user\",\"attributes\":{\"first_name\":\"" + padding + "\",\"last_name\":\"B\",\"email\":\"huge@example.com\"}}}";
        await (await admin.PostAsync("/v2/users", Json(json))).AssertErrorAsync(413);
        var after = (await (await admin.GetAsync("/v2/users")).ReadJsonAsync())["meta"]!["total"]!.GetValue<int>();
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task AnUnsupportedMethodGets405InJsonApiForm()
    {
        using var admin = api.AdminClient();
        await (await admin.DeleteAsync("/v2/users/me")).AssertErrorAsync(405);
    }

    [Fact]
    public async Task AnUnauthenticatedCreateGets401AndCreatesNothing()
    {
        using var client = api.AnonymousClient();
        var email = $"anon-{Guid.NewGuid():N}@example.com";
        await (await client.PostAsJsonAsync("/v2/users", new { data = new { type = "user", attributes = new { first_name = "A", last_name = "B", email } } }))
            .AssertErrorAsync(401);
        using var admin = api.AdminClient();
        var list = await (await admin.GetAsync($"/v2/users?email={Uri.EscapeDataString(email)}")).ReadJsonAsync();
        Assert.Empty(list["data"]!.AsArray());
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/v2/users/me")).StatusCode);
    }

    [Theory]
    [InlineData("a#b")]
    [InlineData("a/b")]
    [InlineData("a?b")]
    public async Task AnEmailWithCharactersTableKeysForbidIsRegisteredFoundAndAuthenticates(string local)
    {
        using var admin = api.AdminClient();
        var email = $"{local}-{Guid.NewGuid():N}@{api.Prefix}.example.com";
        var created = await (await admin.PostAsync("/v2/users", Json(new
        {
            data = new { type = "user", attributes = new { first_name = "Odd", last_name = "Address", email } },
        }))).ReadJsonAsync(201);
        var id = created["data"]!["id"]!.GetValue<string>();
        using var client = api.ClientFor(email, created["meta"]!["api_key"]!.GetValue<string>());
        var me = await (await client.GetAsync("/v2/users/me")).ReadJsonAsync();
        Assert.Equal(id, me["data"]!["id"]!.GetValue<string>());
        var list = await (await admin.GetAsync($"/v2/users?email={Uri.EscapeDataString(email)}")).ReadJsonAsync();
        Assert.Equal(id, Assert.Single(list["data"]!.AsArray())!["id"]!.GetValue<string>());
        await (await admin.PostAsync("/v2/users", Json(new
        {
            data = new { type = "user", attributes = new { first_name = "Odd", last_name = "Again", email = email.ToUpperInvariant() } },
        }))).AssertErrorAsync(409);
    }
}
