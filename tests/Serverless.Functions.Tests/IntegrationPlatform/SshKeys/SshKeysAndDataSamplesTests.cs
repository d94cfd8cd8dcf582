using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Serverless.Functions.Storage;
using Serverless.Functions.Tests.Infrastructure;
using static Serverless.Functions.Tests.Infrastructure.JsonApiAssertions;

namespace Serverless.Functions.Tests.IntegrationPlatform.SshKeys;

public sealed class SshKeysTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    /// <summary>An OpenSSH public key line: the type, then the base64 blob of length-prefixed fields.</summary>
    internal static (string Line, string Fingerprint) Key(string type, params byte[][] fields)
    {
        var blob = new List<byte>();
        foreach (var field in new[] { Encoding.ASCII.GetBytes(type) }.Concat(fields))
        {
            var length = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(length, (uint)field.Length);
            blob.AddRange(length);
            blob.AddRange(field);
        }
        var bytes = blob.ToArray();
        return ($"{type} {Convert.ToBase64String(bytes)} me@laptop", string.Join(":", MD5.HashData(bytes).Select(b => b.ToString("x2"))));
    }

    [Fact]
    public async Task UsersAddListAndDeleteTheirOwnKeysWithServerComputedFingerprints()
    {
        var user = await api.CreateUserAsync();
        using var client = api.ClientFor(user);
        var (rsa, rsaPrint) = Key("ssh-rsa", [1, 0, 1], RandomNumberGenerator.GetBytes(257));
        var response = await client.PostAsync("/v2/sshkeys", Json(new { data = new { type = "sshkey", attributes = new { key = rsa, title = "Laptop" } } }));
        var created = await response.ReadJsonAsync(201);
        var id = created["data"]!["id"]!.GetValue<string>();
        Assert.Equal(rsaPrint, created["data"]!["attributes"]!["fingerprint"]!.GetValue<string>());
        Assert.Equal(user.Id, created["data"]!["relationships"]!["user"]!["data"]!["id"]!.GetValue<string>());

        var (ed, _) = Key("ssh-ed25519", RandomNumberGenerator.GetBytes(32));
        var untitled = await (await client.PostAsync("/v2/sshkeys", Json(new { data = new { type = "sshkey", attributes = new { key = ed } } }))).ReadJsonAsync(201);
        Assert.Equal("me@laptop", untitled["data"]!["attributes"]!["title"]!.GetValue<string>());
        await (await client.PostAsync("/v2/sshkeys", Json(new { data = new { type = "sshkey", attributes = new { key = rsa } } }))).AssertErrorAsync(409);

        Assert.Equal(2, (await (await client.GetAsync("/v2/sshkeys")).ReadJsonAsync())["data"]!.AsArray().Count);
        var other = await api.CreateUserAsync();
        using var otherClient = api.ClientFor(other);
        Assert.Empty((await (await otherClient.GetAsync("/v2/sshkeys")).ReadJsonAsync())["data"]!.AsArray());
        await (await otherClient.DeleteAsync($"/v2/sshkeys/{id}")).AssertErrorAsync(404);
        var outsider = await api.CreateOtherTenantAdminAsync();
        using var outsiderClient = api.ClientFor(outsider);
        await (await outsiderClient.DeleteAsync($"/v2/sshkeys/{id}")).AssertErrorAsync(404);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v2/sshkeys/{id}")).StatusCode);
        Assert.Single((await (await client.GetAsync("/v2/sshkeys")).ReadJsonAsync())["data"]!.AsArray());
    }

    [Theory]
    [InlineData("not a key")]
    [InlineData("ssh-rsa !!!notbase64!!!")]
    [InlineData("ssh-foo AAAAB3NzaC1yc2E=")]
    [InlineData("ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIA==")] // an ed25519 blob declared as rsa
    [InlineData("")]
    public async Task InvalidKeysGet400NamingTheKey(string key)
    {
        var user = await api.CreateUserAsync();
        using var client = api.ClientFor(user);
        var error = await (await client.PostAsync("/v2/sshkeys", Json(new { data = new { type = "sshkey", attributes = new { key } } }))).AssertErrorAsync(400);
        Assert.Equal("/data/attributes/key", error["source"]!["pointer"]!.GetValue<string>());
    }
}

public sealed class DataSamplesTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private sealed record Setup(HttpClient Client, string Contract, string Workspace, string Splitter);

    private async Task<Setup> SetUpAsync()
    {
        var owner = await api.CreateUserAsync();
        var contract = await api.CreateContractAsync(owner);
        var client = api.ClientFor(owner);
        var workspace = await ApiFixture.CreateWorkspaceAsync(client, contract);
        var list = await (await client.GetAsync($"/v2/components?contract_id={contract}")).ReadJsonAsync();
        var splitter = list["data"]!.AsArray().Single(c => c!["attributes"]!["name"]!.GetValue<string>() == "splitter")!["id"]!.GetValue<string>();
        return new Setup(client, contract, workspace, splitter);
    }

    private static StringContent Sample(Setup s, string method, JsonNode? result, string version = "latest") => Json(new JsonObject
    {
        ["data"] = new JsonObject
        {
            ["type"] = "data-sample",
            ["attributes"] = new JsonObject { ["method"] = method, ["result"] = result },
            ["relationships"] = new JsonObject
            {
                ["component"] = new JsonObject { ["data"] = new JsonObject { ["id"] = s.Splitter, ["type"] = "component" } },
                ["component_version"] = new JsonObject { ["data"] = new JsonObject { ["id"] = version, ["type"] = "version" } },
                ["workspace"] = new JsonObject { ["data"] = new JsonObject { ["id"] = s.Workspace, ["type"] = "workspace" } },
            },
        },
    }.ToJsonString());

    [Fact]
    public async Task SamplesAreCreatedReadInBatchesAndUpdatedLargeOnesIncluded()
    {
        var s = await SetUpAsync();
        var small = await (await s.Client.PostAsync("/v2/data-samples", Sample(s, "reassemble", new JsonObject { ["foo"] = "bar" }))).ReadJsonAsync(201);
        var id = small["data"]!["id"]!.GetValue<string>();
        Assert.Matches("^[0-9a-f]{40}$", small["data"]!["relationships"]!["component_version"]!["data"]!["id"]!.GetValue<string>());
        var big = new JsonObject { ["text"] = new string('x', 100_000) };
        var large = await (await s.Client.PostAsync("/v2/data-samples", Sample(s, "splitOnJsonataExpression", big))).ReadJsonAsync(201);
        var largeId = large["data"]!["id"]!.GetValue<string>();

        var read = await (await s.Client.GetAsync($"/v2/data-samples/{largeId}")).ReadJsonAsync();
        Assert.Equal(100_000, read["data"]!["attributes"]!["result"]!["text"]!.GetValue<string>().Length);
        var batch = await (await s.Client.GetAsync($"/v2/data-samples?filter[id]={id},{largeId},aaaaaaaaaaaaaaaaaaaaaaaa")).ReadJsonAsync();
        Assert.Equal(2, batch["data"]!.AsArray().Count);

        var updated = await (await s.Client.PatchAsync($"/v2/data-samples/{id}", Json(new { data = new { type = "data-sample", attributes = new { result = new { foo = "baz" } } } }))).ReadJsonAsync();
        Assert.Equal("baz", updated["data"]!["attributes"]!["result"]!["foo"]!.GetValue<string>());
        Assert.Equal("reassemble", updated["data"]!["attributes"]!["method"]!.GetValue<string>());
        s.Client.Dispose();
    }

    [Theory]
    [InlineData("nope", "/data/attributes/method")]
    [InlineData("reassemble", "/data/attributes/result", true)]
    [InlineData("reassemble", "/data/relationships/component_version", false, "0000000000000000000000000000000000000000")]
    public async Task BadSamplesGet400NamingTheField(string method, string pointer, bool noResult = false, string version = "latest")
    {
        var s = await SetUpAsync();
        var error = await (await s.Client.PostAsync("/v2/data-samples", Sample(s, method, noResult ? null : new JsonObject { ["a"] = 1 }, version))).AssertErrorAsync(400);
        Assert.Equal(pointer, error["source"]!["pointer"]!.GetValue<string>());
        var missing = await (await s.Client.GetAsync("/v2/data-samples")).AssertErrorAsync(400);
        Assert.Equal("filter[id]", missing["source"]!["parameter"]!.GetValue<string>());
        s.Client.Dispose();
    }

    [Fact]
    public async Task OnlyMembersReadAndOnlyFlowEditorsWriteSamples()
    {
        var s = await SetUpAsync();
        var id = (await (await s.Client.PostAsync("/v2/data-samples", Sample(s, "reassemble", new JsonObject { ["a"] = 1 }))).ReadJsonAsync(201))["data"]!["id"]!.GetValue<string>();
        var guest = await api.CreateUserAsync();
        await ApiFixture.AddContractMemberAsync(s.Client, s.Contract, guest, "member");
        using var guestClient = api.ClientFor(guest);
        await (await guestClient.GetAsync($"/v2/data-samples/{id}")).AssertErrorAsync(404);
        await ApiFixture.AddWorkspaceMemberAsync(s.Client, s.Workspace, guest, "guest");
        Assert.Equal(id, (await (await guestClient.GetAsync($"/v2/data-samples/{id}")).ReadJsonAsync())["data"]!["id"]!.GetValue<string>());
        await (await guestClient.PatchAsync($"/v2/data-samples/{id}", Json(new { data = new { type = "data-sample", attributes = new { result = 1 } } }))).AssertErrorAsync(403);
        await (await guestClient.PostAsync("/v2/data-samples", Sample(s, "reassemble", new JsonObject()))).AssertErrorAsync(403);

        var outsider = await api.CreateOtherTenantAdminAsync();
        using var outsiderClient = api.ClientFor(outsider);
        await (await outsiderClient.GetAsync($"/v2/data-samples/{id}")).AssertErrorAsync(404);
        Assert.Empty((await (await outsiderClient.GetAsync($"/v2/data-samples?filter[id]={id}")).ReadJsonAsync())["data"]!.AsArray());
        await (await outsiderClient.PostAsync("/v2/data-samples", Sample(s, "reassemble", new JsonObject()))).AssertErrorAsync(404);
        Assert.Contains(await api.RowsAsync(StorageLayout.Tables.DataSamples), r => r.RowKey == id);
        s.Client.Dispose();
    }
}
