using System.Diagnostics;
using System.Text.Json;

namespace Serverless.Functions.Tests.Infrastructure;

/// <summary>How <see cref="Browser.VisitAsync"/> looks at a page.</summary>
public sealed record BrowserOptions
{
    /// <summary>A 390×844 touch screen at twice the pixel density, instead of <see cref="Width"/>×<see cref="Height"/>.</summary>
    public bool Phone { get; init; }

    public int Width { get; init; } = 1280;

    public int Height { get; init; } = 800;

    /// <summary>CSS selectors clicked in order after the page loads; the requests each click starts are waited for.</summary>
    public IReadOnlyList<string> Click { get; init; } = [];

    /// <summary>Options chosen in select elements, after the clicks: (CSS selector of the select, option value).</summary>
    public IReadOnlyList<(string Selector, string Value)> Select { get; init; } = [];

    /// <summary>CSS selectors whose matches are counted, after the clicks, into <see cref="BrowserVisit.Counts"/>.</summary>
    public IReadOnlyList<string> Count { get; init; } = [];

    /// <summary>The whole visit: starting Chromium, loading, clicking and the screenshot.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long one step (a click, a wait for an element) may take in the page; by default the whole visit's less 10 s.</summary>
    public TimeSpan? StepTimeout { get; init; }
}

/// <summary>What a person would have seen: the page after its clicks, and the screenshot of it.</summary>
public sealed record BrowserVisit(
    Uri Url,
    int Status,
    string Title,
    string Text,
    string Html,
    IReadOnlyDictionary<string, int> Counts,
    IReadOnlyList<string> ConsoleErrors,
    string ScreenshotPath);

/// <summary>
/// A real headless Chromium (Debian's, driven by playwright-core through <c>Infrastructure/visit.mjs</c>), for pages whose
/// behaviour only a browser shows: scripts, layout, what text is visible. The page must be on a real socket, so serve
/// the app with <see cref="KestrelApiFixture"/> or a stand-in page with <see cref="LocalHttpServer"/>.
/// </summary>
public static class Browser
{
    /// <summary>node_modules sits beside package.json, and visit.mjs imports playwright-core from there.</summary>
    public static string NodeRoot { get; } = FindNodeRoot();

    public static string ScreenshotDirectory { get; } = Path.Combine(NodeRoot, "tests", "artifacts", "screenshots");

    private static readonly string Script = Path.Combine(NodeRoot, "tests", "Serverless.Functions.Tests", "Infrastructure", "visit.mjs");

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // Each Chromium takes most of a core while it starts; on a two-core machine parallel test classes running several
    // at once starve each other (and the app they visit) into time-outs, so visits take turns.
    private static readonly SemaphoreSlim OneAtATime = new(1, 1);

    /// <summary>
    /// Opens <paramref name="url"/>, clicks and counts what <paramref name="options"/> say, and saves a full-page
    /// screenshot as <c>tests/artifacts/screenshots/<paramref name="screenshotName"/>.png</c> for a person to look at.
    /// </summary>
    public static async Task<BrowserVisit> VisitAsync(Uri url, string screenshotName, BrowserOptions? options = null)
    {
        options ??= new BrowserOptions();
        if (!File.Exists(Path.Combine(NodeRoot, "node_modules", "playwright-core", "package.json")))
        {
            throw new InvalidOperationException($"playwright-core is not installed under {NodeRoot}; run scripts/setup.sh (./test.sh does).");
        }
        if (screenshotName.Length == 0 || screenshotName.IndexOfAny(['/', '\\', '\0']) >= 0 || screenshotName.StartsWith('.'))
        {
            throw new ArgumentException($"'{screenshotName}' is not a plain file name.", nameof(screenshotName));
        }
        Directory.CreateDirectory(ScreenshotDirectory);
        var screenshot = Path.Combine(ScreenshotDirectory, screenshotName + ".png");
        File.Delete(screenshot);

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = NodeRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Script);
        start.ArgumentList.Add(url.AbsoluteUri);
        Add("--screenshot", screenshot);
        // The script's own waits end a little before ours, so a slow page fails with its reason rather than a kill.
        var step = options.StepTimeout ?? options.Timeout - TimeSpan.FromSeconds(10);
        Add("--timeout", ((int)Math.Max(1000, step.TotalMilliseconds)).ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (options.Phone)
        {
            start.ArgumentList.Add("--phone");
        }
        else
        {
            Add("--width", options.Width.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Add("--height", options.Height.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        foreach (var selector in options.Click)
        {
            Add("--click", selector);
        }
        foreach (var (selector, value) in options.Select)
        {
            Add("--select", $"{selector}={value}");
        }
        foreach (var selector in options.Count)
        {
            Add("--count", selector);
        }

        await OneAtATime.WaitAsync();
        try
        {
            var (exitCode, stdout, stderr) = await RunAsync(start, options.Timeout, url);
            if (exitCode != 0)
            {
                throw new InvalidOperationException($"The browser could not visit {url} (exit code {exitCode}): {stderr}");
            }
            var result = JsonSerializer.Deserialize<VisitResult>(stdout, Json)
                ?? throw new InvalidOperationException($"visit.mjs printed no result for {url}: {stderr}");
            if (!File.Exists(screenshot))
            {
                throw new InvalidOperationException($"visit.mjs saved no screenshot at {screenshot}: {stderr}");
            }
            return new BrowserVisit(new Uri(result.Url), result.Status, result.Title, result.Text, result.Html,
                result.Counts, result.ConsoleErrors, screenshot);
        }
        finally
        {
            OneAtATime.Release();
        }

        void Add(string option, string value)
        {
            start.ArgumentList.Add(option);
            start.ArgumentList.Add(value);
        }
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(ProcessStartInfo start, TimeSpan timeout, Uri url)
    {
        using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        // Both pipes are drained at once: a page's HTML can fill stdout's buffer while stderr still waits to be read.
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            // Chromium's processes are node's children; killing only node would leave them running.
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"The browser did not finish visiting {url} within {timeout.TotalSeconds:0} s: {await stderr}");
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    private static string FindNodeRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "package.json")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No package.json above {AppContext.BaseDirectory}; the browser tests run inside the repository.");
    }

    private sealed record VisitResult(
        string Url,
        int Status,
        string Title,
        string Text,
        string Html,
        Dictionary<string, int> Counts,
        List<string> ConsoleErrors);
}
