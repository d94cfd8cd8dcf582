using Microsoft.AspNetCore.Http.HttpResults;

namespace Serverless.Functions.IntegrationPlatform.JsonApi;

/// <summary>Success responses of this surface, written with its own JSON options and the seed's content type.</summary>
public static class JsonApiResults
{
    public const string ContentType = "application/json; charset=utf-8";

    public static JsonHttpResult<Document> Ok(Document document) =>
        TypedResults.Json(document, JsonApiJson.Options, ContentType, StatusCodes.Status200OK);

    public static JsonHttpResult<Document> Created(HttpResponse response, Document document, string location)
    {
        response.Headers.Location = location;
        return TypedResults.Json(document, JsonApiJson.Options, ContentType, StatusCodes.Status201Created);
    }
}
