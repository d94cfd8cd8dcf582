using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Serverless.Functions.Identity;
using Serverless.Functions.Storage;
using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests.Hosting;

/// <summary>The process starts while its storage is down, answers 503 meanwhile, and serves once storage comes up.</summary>
public sealed class StorageDownAtStartTests
{
    private sealed class App(string connectionString, string adminKey) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseSetting(StorageAccount.ConnectionSetting, connectionString);
            builder.UseSetting(StorageAccount.NamePrefixSetting, "down");
            builder.UseSetting(Bootstrap.EmailSetting, "admin@down.example.com");
            builder.UseSetting(Bootstrap.KeySetting, adminKey);
            builder.UseSetting(EncryptionOptions.KeySetting, Convert.ToBase64String(new byte[32]));
        }
    }

    [Fact]
    public async Task TheGateAnswers503AtOnceAndTheAppServesWhenStorageArrivesWithoutARestart()
    {
        await using var azurite = new PrivateAzurite();
        var key = ApiKeys.New();
        await using var app = new App(azurite.ConnectionString, key);
        using var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("admin@down.example.com:" + key)));

        // The first start-up attempt has to fail before the gate knows storage is down; after that it does not wait.
        await ApiFixture.EventuallyAsync(async () =>
        {
            var watch = Stopwatch.StartNew();
            using var response = await client.GetAsync("/v2/users/me");
            return response.StatusCode == HttpStatusCode.ServiceUnavailable && watch.Elapsed < TimeSpan.FromSeconds(2);
        }, "the gate to answer 503 at once", 30);
        using (var refused = await client.GetAsync("/v2/users/me"))
        {
            var error = await refused.AssertErrorAsync(503);
            Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
            Assert.Contains("storage", error["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        await azurite.StartAsync();

        await ApiFixture.EventuallyAsync(async () =>
        {
            using var response = await client.GetAsync("/v2/users/me");
            return response.StatusCode == HttpStatusCode.OK;
        }, "the app to serve once storage is up", 60);
    }
}
