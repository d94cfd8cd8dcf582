using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace Serverless.Functions.Tests.Resilience.Fuzzing;

/// <summary>Thrown for an answer that misses a target, so CsCheck shrinks the request that caused it.</summary>
public sealed class FuzzFailureException(string message) : Exception(message);

/// <summary>
/// Sends generated requests with the credentials each asks for, judges every answer and counts: requests per surface,
/// answers per status, and failures per kind, each kind with its first example.
/// </summary>
public sealed class FuzzCampaign(HttpClient client, FuzzWorld world)
{
    private readonly ConcurrentDictionary<string, int> perSurface = new();
    private readonly ConcurrentDictionary<int, int> perStatus = new();
    private readonly ConcurrentDictionary<FuzzFailure, int> failures = new();
    private readonly ConcurrentDictionary<FuzzFailure, string> examples = new();
    private int sent;
    private int refusedByServer;

    public int Sent => sent;

    public int Failures(FuzzFailure kind) => failures.GetValueOrDefault(kind);

    public async Task SendAsync(FuzzRequest request)
    {
        using var message = request.ToHttp();
        Authenticate(message, request);
        Interlocked.Increment(ref sent);
        perSurface.AddOrUpdate(request.Route.Document, 1, (_, n) => n + 1);
        IReadOnlyList<(FuzzFailure Failure, string Why)> found;
        try
        {
            using var response = await client.SendAsync(message);
            var body = await response.Content.ReadAsStringAsync();
            perStatus.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
            if (FuzzOracle.RefusedByServer(response, body))
            {
                Interlocked.Increment(ref refusedByServer);
                return;
            }
            found = FuzzOracle.Judge(request.Path, response, body);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or InvalidOperationException)
        {
            // TestServer surfaces a handler that threw after the answer began, or never answered, as an exception here.
            perStatus.AddOrUpdate(0, 1, (_, n) => n + 1);
            found = [(FuzzFailure.ServerError, $"no answer: {e.GetType().Name}: {e.Message}")];
        }
        if (found.Count > 0)
        {
            foreach (var (failure, why) in found)
            {
                failures.AddOrUpdate(failure, 1, (_, n) => n + 1);
                examples.TryAdd(failure, $"{why} — {request}");
            }
            throw new FuzzFailureException(string.Join("; ", found.Select(f => $"{f.Failure}: {f.Why}")));
        }
    }

    /// <summary>Each surface's own dialect: Basic on /v2, X-Cachet-Token on the Cachet API, a Bearer token on /v3.</summary>
    private void Authenticate(HttpRequestMessage message, FuzzRequest request)
    {
        if (request.Credentials == FuzzCredentials.None)
        {
            return;
        }
        var (email, key, bearer) = request.Credentials == FuzzCredentials.OtherTenant
            ? (world.OtherEmail, world.OtherKey, world.OtherBearer)
            : (world.Email, world.Key, world.Bearer);
        var wrong = request.Credentials == FuzzCredentials.Wrong;
        var path = request.Route.Template;
        switch (request.Route.Document)
        {
            case "incidents" when path.EndsWith("/oauth/access-token", StringComparison.Ordinal):
                message.Headers.TryAddWithoutValidation("X-Refresh-Token", wrong ? "not-a-refresh-token" : key);
                break;
            case "incidents":
                message.Headers.TryAddWithoutValidation("Authorization", wrong ? "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0." : $"Bearer {bearer}");
                break;
            case "status-page" when path.Contains("/api/", StringComparison.Ordinal):
                message.Headers.TryAddWithoutValidation("X-Cachet-Token", wrong ? "wrong-token" : key);
                break;
            default:
                message.Headers.Authorization = wrong
                    ? new AuthenticationHeaderValue("Basic", request.Path.Length % 2 == 0 ? "%%%not-base64" : Convert.ToBase64String(Encoding.UTF8.GetBytes($"{email}:wrong-key")))
                    : new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{email}:{key}")));
                break;
        }
    }

    /// <summary>The figures docs/resilience.md records.</summary>
    public string Summary()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"requests sent: {sent}");
        foreach (var (surface, count) in perSurface.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {surface}: {count}");
        }
        text.AppendLine("answers by status: " + string.Join(", ", perStatus.OrderBy(p => p.Key).Select(p => $"{(p.Key == 0 ? "none" : p.Key.ToString(CultureInfo.InvariantCulture))}: {p.Value}")));
        text.AppendLine(CultureInfo.InvariantCulture, $"refused by Kestrel before the app (empty 400/414/431): {refusedByServer}");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"5xx: {Failures(FuzzFailure.ServerError)}, broken error bodies: {Failures(FuzzFailure.ErrorShape)}, stack traces: {Failures(FuzzFailure.StackTrace)}");
        foreach (var (kind, example) in examples.OrderBy(p => p.Key))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"first {kind}: {example}");
        }
        return text.ToString();
    }
}
