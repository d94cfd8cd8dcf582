using Microsoft.Extensions.DependencyInjection;
using Serverless.Functions.Hosting;
using Serverless.Functions.Identity;
using Serverless.Functions.Storage;
using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests.Identity;

public sealed class BootstrapTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task BootstrapRunTwiceKeepsOneAdminInOneTenant()
    {
        var bootstrap = api.Services.GetServices<IStartupTask>().OfType<Bootstrap>().Single();
        await bootstrap.RunAsync(CancellationToken.None);
        await bootstrap.RunAsync(CancellationToken.None);

        var users = await api.RowsAsync(StorageLayout.Tables.Users);
        var admin = Assert.Single(users, u => (string)u["Email"] == api.AdminEmail);
        Assert.Equal("admin", admin["TenantRole"]);
        Assert.Single(await api.RowsAsync(StorageLayout.Tables.Tenants), t => t.RowKey == admin.PartitionKey);
        using var client = api.AdminClient();
        var me = await (await client.GetAsync("/v2/users/me")).ReadJsonAsync();
        Assert.Equal(admin.RowKey, me["data"]!["id"]!.GetValue<string>());
        Assert.Equal(api.AdminEmail, me["data"]!["attributes"]!["email"]!.GetValue<string>());
    }

    [Fact]
    public async Task BootstrapWithANewKeyReplacesTheOldOne()
    {
        var store = api.Services.GetRequiredService<UserStore>();
        var email = $"rotate@{api.Prefix}.example.com";
        var first = ApiKeys.New();
        var second = ApiKeys.New();
        var created = await store.EnsureAsync("Rotation", new NewUser("", "R", "Otate", email, null, TenantRoles.Admin, first));
        var again = await store.EnsureAsync("Rotation", new NewUser("", "R", "Otate", email, null, TenantRoles.Admin, second));

        Assert.Equal(created.Id, again.Id);
        using var old = api.ClientFor(email, first);
        await (await old.GetAsync("/v2/users/me")).AssertErrorAsync(401);
        using var current = api.ClientFor(email, second);
        var me = await (await current.GetAsync("/v2/users/me")).ReadJsonAsync();
        Assert.Equal(created.Id, me["data"]!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task NoTableHoldsAPlaintextApiKey()
    {
        var user = await api.CreateUserAsync();
        foreach (var table in StorageLayout.Tables.All)
        {
            foreach (var row in await api.RowsAsync(table))
            {
                var text = string.Join("|", row.Select(p => $"{p.Key}={p.Value}"));
                Assert.DoesNotContain(user.ApiKey, text, StringComparison.Ordinal);
                Assert.DoesNotContain(api.AdminKey, text, StringComparison.Ordinal);
            }
        }
    }
}
