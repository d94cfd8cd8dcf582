using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Serverless.Bench;

/// <summary>The running app as a client sees it: JSON in, JSON out, a non-2xx answer is an exception naming it.</summary>
public sealed class Api : IDisposable
{
    private readonly HttpClient http;

    public Api(Uri baseUrl, AuthenticationHeaderValue? authorization = null)
    {
        http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = authorization;
    }

    public static string Env(string name) => Environment.GetEnvironmentVariable(name) ?? throw new InvalidOperationException($"Set {name}.");

    public static Uri BaseUrl(string[] args) => new(args.Length > 1 ? args[1] : Env("BENCH_BASE_URL"));

    public static AuthenticationHeaderValue Basic(string email, string key) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{email}:{key}")));

    /// <summary>The bootstrap admin's HTTP Basic credentials.</summary>
    public static AuthenticationHeaderValue Admin() => Basic(Env("BOOTSTRAP_ADMIN_EMAIL"), Env("BOOTSTRAP_ADMIN_API_KEY"));

    public HttpClient Http => http;

    public Task<JsonObject> GetAsync(string path, params (string Name, string Value)[] headers) => SendAsync(HttpMethod.Get, path, null, headers);

    public Task<JsonObject> PostAsync(string path, string? json, params (string Name, string Value)[] headers) => SendAsync(HttpMethod.Post, path, json, headers);

    public async Task<JsonObject> SendAsync(HttpMethod method, string path, string? json, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {text}");
        }
        return text.Length == 0 ? [] : JsonNode.Parse(text) as JsonObject ?? new JsonObject { ["value"] = JsonNode.Parse(text) };
    }

    public void Dispose() => http.Dispose();
}
