using System.Collections.Immutable;
using System.Text;
using System.Text.Json.Nodes;
using CsCheck;

namespace Serverless.Functions.Tests.Resilience.Fuzzing;

/// <summary>A change to a request, with the name the failure report gives it.</summary>
public sealed record Mutation(string Name, Action<FuzzRequest> Apply);

/// <summary>
/// The generators: a valid-looking request for a route (<see cref="Requests"/>), and one generator per kind of mutation
/// applied to it. Every request gets one body mutation and, independently, odd path values, an odd query or other
/// credentials; CsCheck shrinks a failing request towards fewer and smaller ones.
/// </summary>
public static class Mutations
{
    /// <summary>Any request to any route.</summary>
    public static Gen<FuzzRequest> Requests(FuzzWorld world, IReadOnlyList<FuzzRoute> routes) =>
        Gen.Int[0, routes.Count - 1].SelectMany(i => Request(world, routes[i]));

    private static Gen<FuzzRequest> Request(FuzzWorld world, FuzzRoute route) =>
        from values in route.PathParameters.Select((_, i) => PathValue(world, route, i))
            .Aggregate(Gen.Const(ImmutableList<(string Value, string How)>.Empty), (acc, g) => acc.Select(g, (list, v) => list.Add(v)))
        from body in route.HasBody ? BaseBody(world, route) : Gen.Const((JsonNode?)null)
        from credentials in Credentials
        from query in Gen.Frequency((5, Gen.Const((Mutation?)null)), (4, OddQuery(world, route).Select(m => (Mutation?)m)))
        from bodyMutation in route.HasBody ? BodyMutation(world) : Gen.Const((Mutation?)null)
        select Build(route, values, body, credentials, query, bodyMutation);

    private static FuzzRequest Build(FuzzRoute route, ImmutableList<(string Value, string How)> values, JsonNode? body,
        FuzzCredentials credentials, Mutation? query, Mutation? bodyMutation)
    {
        var request = new FuzzRequest(route) { Json = body?.DeepClone(), Credentials = credentials };
        foreach (var (value, how) in values)
        {
            request.PathValues.Add(value);
            if (how != "real")
            {
                request.Mutations.Add($"{how} path value");
            }
        }
        if (credentials != FuzzCredentials.Valid)
        {
            request.Mutations.Add($"credentials: {credentials}");
        }
        foreach (var mutation in new[] { query, bodyMutation }.OfType<Mutation>())
        {
            mutation.Apply(request);
            request.Mutations.Add(mutation.Name);
        }
        return request;
    }

    // ---- Credentials -------------------------------------------------------------------------------------------------

    public static readonly Gen<FuzzCredentials> Credentials = Gen.Frequency(
        (13, Gen.Const(FuzzCredentials.Valid)), (3, Gen.Const(FuzzCredentials.None)),
        (2, Gen.Const(FuzzCredentials.Wrong)), (2, Gen.Const(FuzzCredentials.OtherTenant)));

    // ---- Path values: real ids, other tenants' ids, unknown ids, hostile text ---------------------------------------

    private static Gen<(string Value, string How)> PathValue(FuzzWorld world, FuzzRoute route, int index)
    {
        var kind = FuzzWorld.Kind(route, index);
        var real = world.Real(route.Document, kind);
        var foreign = world.Foreign(route.Document, kind);
        // A delete or suspension with a real id ends that resource for the rest of the run: rarely, so later requests still reach it.
        var destructive = route.Method == "DELETE" || route.Template.EndsWith("/suspend", StringComparison.Ordinal);
        return Gen.Frequency(
            (real.Count == 0 ? 0 : destructive ? 1 : 10, Gen.Int[0, Math.Max(real.Count - 1, 0)].Select(i => (real.Count > 0 ? real[i] : "", "real"))),
            (foreign.Count > 0 ? 3 : 0, Gen.Int[0, Math.Max(foreign.Count - 1, 0)].Select(i => (foreign.Count > 0 ? foreign[i] : "", "other tenant's"))),
            (3, UnknownId.Select(id => (id, "unknown"))),
            (4, HostileText.Select(text => (text.Length == 0 ? " " : text, "hostile"))));
    }

    /// <summary>Well-formed ids that name nothing: 24 hex digits, Cachet's integers, GUIDs.</summary>
    public static readonly Gen<string> UnknownId = Gen.OneOf(
        Gen.Const("0000000000000000deadbeef"), Gen.Const("999999"), Gen.Const("2147483648"), Gen.Const("0"), Gen.Const("-1"),
        Gen.ULong.Select(n => n.ToString("x24", System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Int[1, 100_000_000].Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Guid.Select(g => g.ToString()), Gen.Guid.Select(g => g.ToString("N")));

    // ---- Strings -------------------------------------------------------------------------------------------------------

    /// <summary>Text that has broken parsers before: injections, odd numbers and dates, traversal, odd Unicode.</summary>
    public static readonly Gen<string> HostileText = Gen.OneOf(
        Gen.OneOf(
            "", " ", "\t", "null", "undefined", "0", "-1", "1e309", "NaN", "Infinity", "true", "[]", "{}", "../../etc/passwd", "..", ".", "%00",
            "%2F", "' OR '1'='1", "PartitionKey eq 'x' or true", "<script>alert(1)</script>", "${7*7}", "{{7*7}}", "$(whoami)", "a\u0000b",
            "\r\nX-Injected: 1", "\u001b[31mred", "\ud83d\ude00", "\u202egnp.exe", "\uFEFF", "ＡＢＣ", "İı", "9999999999999999999999999", "-0", "0x10",
            "\\", "/", "//", "%", "+", " leading", "trailing ", "2026-02-30T25:61:61Z", "1970-01-01T00:00:00Z", "9999-12-31", "*/5 * * * *", "$.a",
            "a@b", "@", "mailto:x@y", "javascript:alert(1)", "http://169.254.169.254/latest/meta-data/", "file:///etc/passwd", "http://[::1]/",
            "\u0085", "\u2028", "\"", "'", "`", ";", "|", "&", "#", "?", "=", "[", "]"),
        Gen.String[Gen.Char['\0', '\u007f'], 0, 40],
        Gen.String[Gen.Char['\0', '\uD7FF'], 0, 40]);

    /// <summary>Text with control characters inside, as pasted logs and terminal escapes carry them.</summary>
    public static readonly Gen<string> ControlText =
        from head in Gen.String[Gen.Char['a', 'z'], 0, 10]
        from control in Gen.Char['\0', '\u001f']
        from extra in Gen.OneOf("", "\u007f", "\u0085", "\r\n", "\u001b[0m")
        from tail in Gen.String[Gen.Char['a', 'z'], 0, 10]
        select head + control + extra + tail;

    /// <summary>Sizes around the limits: a table property (64 KiB), the body limit (1 MiB), and beyond it.</summary>
    public static readonly Gen<string> HugeText =
        from length in Gen.OneOf(Gen.Int[1_000, 40_000], Gen.Int[30_000, 70_000], Gen.OneOf(65_537, 200_000, 1_100_000))
        from c in Gen.OneOf('x', 'é', '\u4e2d', '\ud7ff', '9', ' ')
        select new string(c, length);

    // ---- Values by field name ----------------------------------------------------------------------------------------

    /// <summary>A value a client might send for a field of this name, or a hostile one.</summary>
    public static Gen<JsonNode?> Value(FuzzWorld world, string field) => Gen.Frequency(
        (6, Plausible(world, field)),
        (1, HostileText.Select(t => (JsonNode?)JsonValue.Create(t))),
        (1, AnyOtherType));

    private static Gen<JsonNode?> Plausible(FuzzWorld world, string field)
    {
        var ids = world.AnyIdsFor(field);
        return field switch
        {
            _ when field.EndsWith("id", StringComparison.Ordinal) || field.EndsWith("_ids", StringComparison.Ordinal) && ids.Count > 0 =>
                Gen.OneOf(Gen.Int[0, Math.Max(ids.Count - 1, 0)].Select(i => (JsonNode?)JsonValue.Create(ids.Count > 0 ? ids[i] : "x")), UnknownId.Select(v => (JsonNode?)JsonValue.Create(v)),
                    Gen.Int[0, 20].Select(n => (JsonNode?)JsonValue.Create(n))),
            "status" or "component_status" or "visible" or "enabled" or "order" or "collapsed" or "calc_type" or "display_chart" or "places" or "threshold" =>
                Gen.Int[-2, 5].Select(n => (JsonNode?)JsonValue.Create(n)),
            "email" or "admin_email" => Gen.OneOf("someone@example.com", "not-an-email", "a@b.c").Select(e => (JsonNode?)JsonValue.Create(e)),
            "url" or "link" or "logo_url" or "support_url" or "base_url" or "baseUrl" => Gen.OneOf("https://example.com/x", "http://127.0.0.1:1/", "ftp://x", "not a url")
                .Select(e => (JsonNode?)JsonValue.Create(e)),
            "roles" or "tags" or "follow_ups" or "nodes" or "edges" or "request_ids" => Gen.OneOf(
                Gen.Const<JsonNode?>(new JsonArray()), Gen.String[Gen.Char['a', 'z'], 1, 8].Array[0, 3].Select(a => (JsonNode?)new JsonArray([.. a.Select(s => (JsonNode)s)]))),
            "graph" => Gen.Const<JsonNode?>(JsonNode.Parse("""{"nodes":[{"id":"step_1","command":"components/webhook:receive"}],"edges":[]}""")),
            "value" or "default_value" or "priority" or "days" => Gen.OneOf(Gen.Int[-5, 100].Select(n => (JsonNode?)JsonValue.Create(n)), Gen.OneOf("P1", "P5", "x").Select(s => (JsonNode?)JsonValue.Create(s))),
            _ => Gen.String[Gen.Char[' ', '~'], 0, 30].Select(s => (JsonNode?)JsonValue.Create(s)),
        };
    }

    /// <summary>Any JSON value, whatever the field expects.</summary>
    public static readonly Gen<JsonNode?> AnyOtherType = Gen.OneOf(
        Gen.Const((JsonNode?)null),
        Gen.Bool.Select(b => (JsonNode?)JsonValue.Create(b)),
        Gen.Long.Select(n => (JsonNode?)JsonValue.Create(n)),
        Gen.Double.Where(double.IsFinite).Select(n => (JsonNode?)JsonValue.Create(n)),
        Gen.OneOf("1", "true", "null", "", "[object Object]").Select(s => (JsonNode?)JsonValue.Create(s)),
        Gen.Const<JsonNode?>(new JsonArray(1, "two", null)),
        Gen.Const<JsonNode?>(new JsonObject { ["nested"] = new JsonObject { ["deeper"] = new JsonArray() } }),
        Gen.OneOf(1e300, -1e300, 2147483648d, -2147483649d, 9007199254740993d).Select(n => (JsonNode?)JsonValue.Create(n)));

    // ---- The body a route would expect ----------------------------------------------------------------------------

    /// <summary>
    /// A plausible body: a handful of the route's documented fields with values for their names; on /v2, wrapped in a
    /// JSON:API document with the type the route's segment suggests and relationships to the world's resources.
    /// </summary>
    public static Gen<JsonNode?> BaseBody(FuzzWorld world, FuzzRoute route)
    {
        var fields = route.Fields.Where(f => f is not ("data" or "attributes" or "relationships" or "meta" or "links" or "errors")).ToArray();
        var picked = fields.Length == 0 ? Gen.Const(Array.Empty<string>()) : Gen.Shuffle(fields, 0, Math.Min(fields.Length, 8));
        return picked.SelectMany(names => names.Select(n => Value(world, n))
            .Aggregate(Gen.Const(ImmutableList<JsonNode?>.Empty), (acc, g) => acc.Select(g, (list, v) => list.Add(v)))
            .Select(values => Envelope(world, route, names, values)));
    }

    private static JsonNode? Envelope(FuzzWorld world, FuzzRoute route, string[] names, ImmutableList<JsonNode?> values)
    {
        var attributes = new JsonObject();
        for (var i = 0; i < names.Length && i < values.Count; i++)
        {
            attributes[names[i]] = values[i]?.DeepClone();
        }
        if (!route.Template.StartsWith("/v2/", StringComparison.Ordinal) || route.Document != "integration-platform" && route.Document != "status-page")
        {
            return attributes;
        }
        var relationships = new JsonObject();
        foreach (var (name, kind) in new[] { ("workspace", "workspaces"), ("contract", "contracts"), ("component", "components"), ("flow", "flows"), ("user", "users") })
        {
            if (world.Real("integration-platform", kind) is { Count: > 0 } ids)
            {
                relationships[name] = new JsonObject { ["data"] = new JsonObject { ["id"] = ids[0], ["type"] = name } };
            }
        }
        return new JsonObject
        {
            ["data"] = new JsonObject { ["type"] = TypeOf(route), ["attributes"] = attributes, ["relationships"] = relationships },
        };
    }

    /// <summary>The JSON:API type a /v2 route's resource has: its last literal segment, singular.</summary>
    private static string TypeOf(FuzzRoute route)
    {
        var segment = route.Template.Split('/').Last(s => s.Length > 0 && !s.StartsWith('{'));
        return segment switch
        {
            "members" => "member",
            "secrets" => "auth-secret",
            "sshkeys" => "sshkey",
            _ when segment.EndsWith('s') => segment[..^1],
            _ => segment,
        };
    }

    // ---- Body mutations: one generator per kind ----------------------------------------------------------------------

    public static Gen<Mutation?> BodyMutation(FuzzWorld world) => Gen.Frequency(
        (4, Gen.Const((Mutation?)null)),
        (2, WrongTypes.Select(m => (Mutation?)m)),
        (2, MissingFields.Select(m => (Mutation?)m)),
        (1, ExtraFields.Select(m => (Mutation?)m)),
        (1, HugeStrings.Select(m => (Mutation?)m)),
        (1, EmptyStrings.Select(m => (Mutation?)m)),
        (2, ControlCharacters.Select(m => (Mutation?)m)),
        (1, UnknownIds.Select(m => (Mutation?)m)),
        (1, OtherTenantIds(world).Select(m => (Mutation?)m)),
        (2, BadJson.Select(m => (Mutation?)m)),
        (1, WrongContentType.Select(m => (Mutation?)m)));

    /// <summary>One field, or the whole body, of another JSON type.</summary>
    public static readonly Gen<Mutation> WrongTypes =
        from pick in Gen.Int[0, 1000]
        from value in AnyOtherType
        from whole in Gen.Int[0, 5]
        select new Mutation($"wrong type: {value?.ToJsonString() ?? "null"}", r =>
        {
            if (whole == 0 || Attributes(r) is not { Count: > 0 } attributes)
            {
                r.Json = value?.DeepClone() ?? JsonValue.Create((string?)null);
                r.RawBody = whole == 0 && value is null ? "null"u8.ToArray() : null;
                return;
            }
            attributes[attributes.ElementAt(pick % attributes.Count).Key] = value?.DeepClone();
        });

    /// <summary>Fields left out: one, all of them, or the JSON:API envelope's own members.</summary>
    public static readonly Gen<Mutation> MissingFields =
        from pick in Gen.Int[0, 1000]
        from how in Gen.Int[0, 3]
        select new Mutation("missing fields", r =>
        {
            switch (how)
            {
                case 0 when Attributes(r) is { Count: > 0 } attributes:
                    attributes.Remove(attributes.ElementAt(pick % attributes.Count).Key);
                    break;
                case 1:
                    r.Json = new JsonObject();
                    break;
                case 2 when (r.Json?["data"]) is JsonObject data:
                    data.Remove(new[] { "type", "attributes", "relationships" }[pick % 3]);
                    break;
                default:
                    r.Json = null;
                    r.RawBody = [];
                    break;
            }
        });

    /// <summary>Fields nobody asked for, some of them deep.</summary>
    public static readonly Gen<Mutation> ExtraFields =
        from name in Gen.OneOf(Gen.String[Gen.Char['a', 'z'], 1, 12], Gen.OneOf("__proto__", "constructor", "PartitionKey", "RowKey", "ETag", "Timestamp", "odata.etag", "$type", "id", "tenant_id"))
        from value in Value(FuzzWorld.Empty, name)
        from depth in Gen.Int[0, 40]
        select new Mutation($"extra field {name}", r =>
        {
            JsonNode? nested = value?.DeepClone();
            for (var i = 0; i < depth; i++)
            {
                nested = new JsonObject { ["x"] = nested };
            }
            (Attributes(r) ?? (JsonObject)(r.Json = new JsonObject()))[name] = nested;
        });

    /// <summary>A string field at the sizes storage and the body limit care about.</summary>
    public static readonly Gen<Mutation> HugeStrings =
        from pick in Gen.Int[0, 1000]
        from text in HugeText
        select new Mutation($"huge string ({text.Length} chars)", r => SetString(r, pick, text));

    /// <summary>Every string empty, or blank.</summary>
    public static readonly Gen<Mutation> EmptyStrings =
        from blank in Gen.OneOf("", " ", "\t")
        select new Mutation($"empty strings ('{blank}')", r =>
        {
            foreach (var (key, value) in Attributes(r)?.ToList() ?? [])
            {
                if (value is JsonValue v && v.TryGetValue<string>(out _))
                {
                    Attributes(r)![key] = blank;
                }
            }
        });

    /// <summary>A string field holding control characters.</summary>
    public static readonly Gen<Mutation> ControlCharacters =
        from pick in Gen.Int[0, 1000]
        from text in ControlText
        select new Mutation("control characters", r => SetString(r, pick, text));

    /// <summary>Every id-like field pointing at nothing.</summary>
    public static readonly Gen<Mutation> UnknownIds =
        from id in UnknownId
        select new Mutation($"unknown ids ({id})", r => ReplaceIds(r, _ => id));

    /// <summary>Every id-like field pointing at the other tenant's resources.</summary>
    public static Gen<Mutation> OtherTenantIds(FuzzWorld world) =>
        from pick in Gen.Int[0, 1000]
        select new Mutation("other tenant's ids", r => ReplaceIds(r, field => world.AnyForeignIdFor(field, pick)));

    /// <summary>Bytes that are not the JSON they claim to be.</summary>
    public static readonly Gen<Mutation> BadJson =
        from how in Gen.OneOf("truncated", "trailing garbage", "not json", "top-level array", "top-level string", "deep nesting", "duplicate keys", "nested duplicate keys",
            "byte order mark", "invalid utf-8", "lone surrogate", "comments", "single quotes", "huge number", "NaN")
        select new Mutation($"bad JSON: {how}", r =>
        {
            var text = r.Json?.ToJsonString() ?? "{\"name\":\"x\"}";
            r.RawBody = how switch
            {
                "truncated" => Encoding.UTF8.GetBytes(text[..Math.Max(1, text.Length / 2)]),
                "trailing garbage" => Encoding.UTF8.GetBytes(text + "}]garbage"),
                "not json" => "name=x&status=1"u8.ToArray(),
                "top-level array" => Encoding.UTF8.GetBytes($"[{text}]"),
                "top-level string" => "\"just a string\""u8.ToArray(),
                "deep nesting" => Encoding.UTF8.GetBytes(new string('[', 5000) + new string(']', 5000)),
                "duplicate keys" => "{\"name\":\"a\",\"name\":\"b\",\"data\":{},\"data\":{\"type\":1}}"u8.ToArray(),
                "nested duplicate keys" => Encoding.UTF8.GetBytes(text.Contains("\"attributes\":{", StringComparison.Ordinal)
                    ? text.Replace("\"attributes\":{", "\"attributes\":{\"name\":\"a\",\"graph\":{\"nodes\":[],\"nodes\":[]},\"name\":\"b\",", StringComparison.Ordinal)
                    : "{\"fields\":{\"a\":1,\"a\":2},\"meta\":{\"x\":1,\"x\":1},\"tags\":{\"k\":\"v\",\"k\":\"w\"}" + (text.Length > 2 && text[0] == '{' ? "," + text[1..] : "}")),
                "byte order mark" => [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(text)],
                "invalid utf-8" => [.. "{\"name\":\""u8, 0xC3, 0x28, 0xFF, .. "\"}"u8],
                "lone surrogate" => "{\"name\":\"\\ud800\",\"message\":\"\\udfff\"}"u8.ToArray(),
                "comments" => Encoding.UTF8.GetBytes("/* c */" + text),
                "single quotes" => "{'name':'x'}"u8.ToArray(),
                "huge number" => "{\"status\":1e999999,\"id\":123456789012345678901234567890}"u8.ToArray(),
                _ => "{\"status\":NaN}"u8.ToArray(),
            };
        });

    /// <summary>A body under another media type, or none, or one that does not parse.</summary>
    public static readonly Gen<Mutation> WrongContentType =
        from type in Gen.OneOf(Gen.Const((string?)null), Gen.OneOf<string?>("text/plain", "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x", "application/xml", "application/json; charset=latin1", "application/vnd.api+json",
            "application/json; charset=utf-16", "garbage", ";;;", "application/json, text/html", "*/*"))
        select new Mutation($"content type {type ?? "(none)"}", r => r.ContentType = type);

    // ---- The query: the parameters handlers read, with odd values ----------------------------------------------------

    public static Gen<Mutation> OddQuery(FuzzWorld world, FuzzRoute route)
    {
        var names = RouteCatalog.KnownQueryParameters[route.Document];
        var pair =
            from name in Gen.Frequency((8, Gen.OneOf(names)), (1, Gen.OneOf("filter[unknown]", "page[", "", "a[b][c]", "%zz", "x".PadRight(300, 'x'))))
            from value in Gen.Frequency(
                (4, Gen.OneOf("-1", "0", "1", "2", "1000", "99999999999999999999", "abc", "", "1.5", "true", "2026-13-45", "2026-01-01T00:00:00Z", "csv", "json", "name", "-name", "a=b")),
                (2, HostileText.Select(Uri.EscapeDataString)),
                (1, Gen.OneOf("%", "%zz", "%E0%A4%A", "%00", "+", "%2C%2C")),
                (1, Gen.Int[0, 100].Select(i => world.AnyIdsFor(name) is { Count: > 0 } ids ? ids[i % ids.Count] : "1")))
            select (Name: name.Contains('%', StringComparison.Ordinal) ? name : Uri.EscapeDataString(name), Value: value);
        return pair.Array[1, 4].Select(pairs => new Mutation($"query {string.Join("&", pairs.Select(p => $"{p.Name}={p.Value}"))}", r => r.Query.AddRange(pairs)));
    }

    // ---- Helpers -----------------------------------------------------------------------------------------------------

    /// <summary>The object holding the fields: /v2's <c>data.attributes</c>, or the body itself.</summary>
    private static JsonObject? Attributes(FuzzRequest r) => r.Json?["data"]?["attributes"] as JsonObject ?? r.Json as JsonObject;

    private static void SetString(FuzzRequest r, int pick, string text)
    {
        var attributes = Attributes(r) ?? (JsonObject)(r.Json = new JsonObject());
        var key = attributes.Count > 0 ? attributes.ElementAt(pick % attributes.Count).Key : "name";
        attributes[key] = text;
    }

    private static void ReplaceIds(FuzzRequest r, Func<string, string?> replacement)
    {
        void Walk(JsonNode? node)
        {
            if (node is JsonObject o)
            {
                foreach (var (key, value) in o.ToList())
                {
                    if ((key == "id" || key.EndsWith("_id", StringComparison.Ordinal)) && value is JsonValue && replacement(key) is { } id)
                    {
                        o[key] = id;
                    }
                    else
                    {
                        Walk(value);
                    }
                }
            }
            else if (node is JsonArray a)
            {
                foreach (var item in a)
                {
                    Walk(item);
                }
            }
        }
        Walk(r.Json);
    }
}
