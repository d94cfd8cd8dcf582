using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Serverless.Functions.Identity;

/// <summary>
/// Resource ids in the seed's form: 24 lowercase hex digits, like a MongoDB ObjectId. The first 4 bytes are the
/// creation second, so ids used as RowKeys list oldest first; the other 8 are random, so they cannot be guessed.
/// </summary>
public static partial class Ids
{
    public static string New(TimeProvider time)
    {
        Span<byte> bytes = stackalloc byte[12];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)time.GetUtcNow().ToUnixTimeSeconds());
        RandomNumberGenerator.Fill(bytes[4..]);
        return Convert.ToHexStringLower(bytes);
    }

    /// <summary>Also keeps table keys safe: a valid id has none of the characters Table storage forbids in keys.</summary>
    public static bool IsValid(string? id) => id is not null && IdFormat().IsMatch(id);

    [GeneratedRegex("^[0-9a-f]{24}$")]
    private static partial Regex IdFormat();
}
