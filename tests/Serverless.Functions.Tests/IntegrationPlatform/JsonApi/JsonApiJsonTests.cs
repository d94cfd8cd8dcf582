using System.Text.Json;
using Serverless.Functions.IntegrationPlatform.JsonApi;

namespace Serverless.Functions.Tests.IntegrationPlatform.JsonApi;

public sealed class JsonApiJsonTests
{
    [Fact]
    public void ADocumentHoldingATypeMissingFromTheContextFailsRatherThanUsingReflection()
    {
        var document = Document.Of(new Resource("1", "thing", new Uri("https://example.com")));
        Assert.Throws<NotSupportedException>(() => JsonSerializer.Serialize(document, JsonApiJson.Options));
    }

    [Fact]
    public void DocumentsKeepSnakeCaseNamesOmittedNullsAndMillisecondTimestamps()
    {
        var user = new Serverless.Functions.IntegrationPlatform.Users.UsersApi.UserAttributes("Ada", "Lovelace", "ada@example.com",
            new DateTimeOffset(2018, 3, 30, 10, 8, 43, 582, TimeSpan.FromHours(2)), null);
        var json = JsonSerializer.Serialize(Document.Of(new Resource("1", "user", user)), JsonApiJson.Options);
        Assert.Equal("""{"data":{"id":"1","type":"user","attributes":{"first_name":"Ada","last_name":"Lovelace","email":"ada@example.com","registered":"2018-03-30T08:08:43.582Z","last_login":null,"tenant_role":"member","service_account":false}},"meta":{}}""", json);
    }
}
