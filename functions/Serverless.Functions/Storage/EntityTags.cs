using System.Security.Cryptography;
using System.Text;
using Azure;
using Microsoft.Net.Http.Headers;
using Serverless.Functions.Errors;

namespace Serverless.Functions.Storage;

/// <summary>
/// HTTP validators for stored rows (docs/decisions/0026). A resource's <c>ETag</c> is a strong validator derived from its
/// row's storage ETag, which changes on every write by whatever path: a digest, so the header shows no storage
/// timestamps. <c>If-Match</c> is compared strongly, as RFC 9110 asks: a weak tag, or one of an older version, is 412.
/// </summary>
public static class EntityTags
{
    public const string Header = "If-Match";

    /// <summary>The header value for a row read or written with this storage ETag, e.g. <c>"3f9a0c1b2d4e5f607182"</c>.</summary>
    public static string Of(ETag stored) =>
        "\"" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(stored.ToString())))[..20] + "\"";

    /// <summary>Sets the response's <c>ETag</c> to the row's version.</summary>
    public static void Set(HttpResponse response, ETag stored) => response.Headers.ETag = Of(stored);

    /// <summary>
    /// The request's <c>If-Match</c>, read before anything else so that a malformed one is a 400 naming it; null when
    /// the request has none, and then the server serialises the write itself (<see cref="OptimisticConcurrency"/>).
    /// </summary>
    public static IfMatch? IfMatchOf(HttpRequest request)
    {
        var values = request.Headers.IfMatch;
        if (values.Count == 0)
        {
            return null;
        }
        if (values.Count == 1 && values[0]?.Trim() == "*")
        {
            return new IfMatch(any: true, []);
        }
        if (!EntityTagHeaderValue.TryParseStrictList(values, out var tags) || tags.Count == 0 || tags.Any(t => t.Tag == "*"))
        {
            throw new ApiException(ApiError.InvalidParameter(Header, "'If-Match' must be * or a list of quoted entity tags, as the ETag header gives them."));
        }
        // A weak tag never matches under strong comparison: it is kept out, so a list of weak tags matches nothing.
        return new IfMatch(any: false, tags.Where(t => !t.IsWeak).Select(t => t.Tag.Value!).ToList());
    }
}

/// <summary>An <c>If-Match</c> precondition: <see cref="Check"/> it against the row as read inside the write's retry.</summary>
public sealed class IfMatch(bool any, IReadOnlyList<string> strongTags)
{
    /// <summary>
    /// Throws 412 unless the row, as just read, is a version the client named (or, if it exists, the client said <c>*</c>). Called again
    /// on every attempt of a read-modify-write, so a row changed between this check and the write is read again and
    /// then refused.
    /// </summary>
    public void Check(ETag? stored)
    {
        // No row is no current version: even * fails then (RFC 9110 13.1.1).
        if (stored is { } current && (any || strongTags.Contains(EntityTags.Of(current), StringComparer.Ordinal)))
        {
            return;
        }
        throw new ApiException(ApiError.ForStatus(StatusCodes.Status412PreconditionFailed,
            "The resource has changed since the version named in If-Match; read it again (its ETag header) and retry with that ETag.")
            with { Parameter = EntityTags.Header });
    }
}
