using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Serverless.Functions.IntegrationPlatform.JsonApi;

public static class JsonApiJson
{
    /// <summary>
    /// snake_case names and millisecond UTC timestamps, as in the seed's examples; nullability respected, so a null
    /// where a value is required is a bad request. Only this surface uses these options: the others have formats of their own.
    /// Types come from <see cref="AppJson"/> alone, so a document holding a type it lacks fails instead of using reflection.
    /// </summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        RespectNullableAnnotations = true,
        Converters = { new Iso8601Milliseconds() },
        TypeInfoResolver = AppJson.Default,
    };

    /// <summary>Writes <c>2018-03-30T10:08:43.582Z</c>; reads any ISO 8601 date-time.</summary>
    public sealed class Iso8601Milliseconds : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.String &&
            DateTimeOffset.TryParse(reader.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value)
                ? value
                : throw new JsonException("Expected an ISO 8601 date-time.");

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
    }
}
