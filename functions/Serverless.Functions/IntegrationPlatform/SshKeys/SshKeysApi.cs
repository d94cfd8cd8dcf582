using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Errors;
using Serverless.Functions.Hosting;
using Serverless.Functions.Identity;
using Serverless.Functions.IntegrationPlatform.JsonApi;

namespace Serverless.Functions.IntegrationPlatform.SshKeys;

/// <summary>
/// SSH keys (SK-1..SK-3): each user's own public keys. The seed asks for RSA or DSA
/// keys; Ed25519 and ECDSA keys are accepted as well, since current tools make those by default. The fingerprint is
/// the MD5 of the key blob in colon-separated hex, as the seed shows it.
/// </summary>
public static class SshKeysApi
{
    public const string Type = "sshkey";
    private static readonly string[] KeyTypes = ["ssh-rsa", "ssh-dss", "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"];

    public static RouteGroupBuilder MapSshKeysApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapIntegrationGroup("SshKeys", "/v2/sshkeys");
        group.MapGet("/", ListKeys);
        group.MapPost("/", AddKey);
        group.MapDelete("/{id}", DeleteKey);
        return group;
    }

    public sealed record KeyAttributes(string Key, string Title, string Fingerprint);

    public sealed record KeyInput(string? Key, string? Title);

    /// <summary>SK-1: the caller's keys.</summary>
    [EndpointId("SK-1")]
    public static async Task<JsonHttpResult<Document>> ListKeys(Caller caller, SshKeyStore keys, CancellationToken cancellationToken)
    {
        return JsonApiResults.Ok(new Document((await keys.OfUserAsync(caller.UserId, cancellationToken)).Select(Resource).ToList())
        {
            Links = new CollectionLinks("/v2/sshkeys"),
        });
    }

    /// <summary>SK-2: a key already added by the same user is a 409.</summary>
    [EndpointId("SK-2")]
    public static async Task<JsonHttpResult<Document>> AddKey(HttpRequest request, Caller caller, SshKeyStore keys, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var input = await JsonApiBody.ReadAsync<KeyInput>(request, Type, cancellationToken);
        var rules = new AttributeRules();
        var text = rules.Required(input.Attributes.Key, "key", 16384);
        var title = rules.MaxLength(input.Attributes.Title, "title");
        rules.ThrowIfAny();
        var (normalized, fingerprint, comment) = Parse(text);
        if ((await keys.OfUserAsync(caller.UserId, cancellationToken)).Any(k => k.Fingerprint == fingerprint))
        {
            throw new ApiException(ApiError.Conflict("/data/attributes/key", "You have added this key already."));
        }
        var key = new SshKeyEntity
        {
            PartitionKey = caller.UserId,
            RowKey = Ids.New(time),
            Key = normalized,
            Title = title is { Length: > 0 } ? title : comment ?? fingerprint,
            Fingerprint = fingerprint,
            Created = time.GetUtcNow(),
        };
        await keys.AddAsync(key, cancellationToken);
        return JsonApiResults.Created(request.HttpContext.Response, Document.Of(Resource(key)), $"/v2/sshkeys/{key.Id}");
    }

    /// <summary>SK-3: only one's own keys; anyone else's are not found.</summary>
    [EndpointId("SK-3")]
    public static async Task<NoContent> DeleteKey(string id, Caller caller, SshKeyStore keys, CancellationToken cancellationToken)
    {
        if (!Ids.IsValid(id) || !await keys.DeleteAsync(caller.UserId, id, cancellationToken))
        {
            throw new ApiException(ApiError.NotFound("ssh key", id, "KEY_ID"));
        }
        return TypedResults.NoContent();
    }

    /// <summary>"type base64 [comment]": the blob must decode and name the same type it is declared as.</summary>
    internal static (string Normalized, string Fingerprint, string? Comment) Parse(string text)
    {
        var parts = text.Trim().Split((char[]?)null, 3, StringSplitOptions.RemoveEmptyEntries);
        var bad = new ApiException(ApiError.InvalidField("/data/attributes/key",
            "'key' must be an OpenSSH public key: \"ssh-rsa AAAA... [comment]\" (RSA, DSA, Ed25519 or ECDSA)."));
        if (parts.Length < 2 || !KeyTypes.Contains(parts[0]))
        {
            throw bad;
        }
        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(parts[1]);
        }
        catch (FormatException)
        {
            throw bad;
        }
        if (blob.Length < 4 + parts[0].Length || BinaryPrimitives.ReadUInt32BigEndian(blob) != parts[0].Length ||
            Encoding.ASCII.GetString(blob, 4, parts[0].Length) != parts[0])
        {
            throw bad;
        }
        var fingerprint = string.Join(":", MD5.HashData(blob).Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
        return ($"{parts[0]} {parts[1]}" + (parts.Length > 2 ? " " + parts[2] : ""), fingerprint, parts.Length > 2 ? parts[2] : null);
    }

    private static Resource Resource(SshKeyEntity key) =>
        new(key.Id, Type, new KeyAttributes(key.Key, key.Title, key.Fingerprint))
        {
            Links = new ResourceLinks($"/v2/sshkeys/{key.Id}"),
            Relationships = new Dictionary<string, Relationship>
            {
                ["user"] = new() { Data = new ResourceIdentifier(key.UserId, "user"), Links = new RelationshipLinks { Self = $"/v2/users/{key.UserId}" } },
            },
        };
}
