using Microsoft.AspNetCore.Http.HttpResults;

namespace Serverless.Functions.Incidents.Wire;

/// <summary>Squadcast's v3 envelope: the answer under <c>data</c>.</summary>
public sealed record DataEnvelope<T>(T Data);

/// <summary>Squadcast's v2 ("platform-backend") envelope: <c>{"result": true, "data": …}</c>.</summary>
public sealed record ResultEnvelope<T>(bool Result, T Data);

public static class IncidentResults
{
    public const string ContentType = "application/json; charset=utf-8";

    public static JsonHttpResult<DataEnvelope<T>> Data<T>(T value, int status = StatusCodes.Status200OK) =>
        TypedResults.Json(new DataEnvelope<T>(value), IncidentJson.Options, ContentType, status);

    public static JsonHttpResult<ResultEnvelope<T>> Result<T>(T value) =>
        TypedResults.Json(new ResultEnvelope<T>(true, value), IncidentJson.Options, ContentType);

    /// <summary>An answer that holds a key shown once: kept out of caches.</summary>
    public static JsonHttpResult<DataEnvelope<T>> Secret<T>(HttpResponse response, T value, int status = StatusCodes.Status200OK)
    {
        response.Headers.CacheControl = "no-store";
        return Data(value, status);
    }
}
