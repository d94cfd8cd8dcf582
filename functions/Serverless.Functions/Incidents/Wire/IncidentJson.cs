using System.Text.Json;

namespace Serverless.Functions.Incidents.Wire;

public static class IncidentJson
{
    /// <summary>
    /// snake_case, as Squadcast's v3 writes; the fields it writes in camelCase (<c>incidentNumber</c>,
    /// <c>timeOfCreation</c>, the v2 status-page messages) carry their names. Types come from <see cref="AppJson"/>.
    /// </summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        TypeInfoResolver = AppJson.Default,
    };
}
