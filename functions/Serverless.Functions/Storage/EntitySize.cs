using System.Collections.Concurrent;
using System.Reflection;
using Azure.Data.Tables;
using Serverless.Functions.Errors;

namespace Serverless.Functions.Storage;

/// <summary>
/// Table Storage refuses a string over 64 KiB (32,000 UTF-16 characters) or a binary over 64 KiB in one property, and
/// its 400 would reach the caller as a 500. Stores check an entity, as it will be written (serialised, sealed), with
/// <see cref="EnsureFits{T}"/> before their first write, so an oversized value is a 413 naming it and nothing is
/// half-written.
/// </summary>
public static class EntitySize
{
    public const int MaxChars = 32_000;
    public const int MaxBytes = 64 * 1024;

    /// <summary>Stores check on every write, so each entity type's text and binary properties are looked up once.</summary>
    private static readonly ConcurrentDictionary<Type, PropertyInfo[]> SizedProperties = new();

    public static T EnsureFits<T>(T entity) where T : ITableEntity
    {
        IEnumerable<(string Name, object? Value)> properties = entity is IDictionary<string, object> columns
            ? columns.Select(c => (c.Key, (object?)c.Value))
            : SizedProperties.GetOrAdd(entity.GetType(), Sized).Select(p => (p.Name, p.GetValue(entity)));
        foreach (var (name, value) in properties)
        {
            var tooLarge = value switch
            {
                string text => text.Length > MaxChars,
                byte[] bytes => bytes.Length > MaxBytes,
                BinaryData data => data.ToMemory().Length > MaxBytes,
                _ => false,
            };
            if (tooLarge)
            {
                throw new ApiException(ApiError.ForStatus(StatusCodes.Status413PayloadTooLarge,
                    $"'{FieldName(name)}' is too large to store: at most {MaxChars} characters (64 KiB) once encoded and, for secrets, sealed."));
            }
        }
        return entity;
    }

    private static PropertyInfo[] Sized(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.GetIndexParameters().Length == 0 && (p.PropertyType == typeof(string) || p.PropertyType == typeof(byte[]) || p.PropertyType == typeof(BinaryData)))
            .ToArray();

    /// <summary>Columns are PascalCase; the wire names them snake_case.</summary>
    private static string FieldName(string column) =>
        string.Concat(column.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "_" : "") + char.ToLowerInvariant(c) : c.ToString()));
}
