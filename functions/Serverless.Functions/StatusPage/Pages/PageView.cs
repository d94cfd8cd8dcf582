using Serverless.Functions.StatusPage.Cachet;

namespace Serverless.Functions.StatusPage.Pages;

/// <summary>What every part of a page needs: the page, its public URL, and the time it is rendered at.</summary>
public sealed record PageView(StatusPageEntity Page, string BaseUrl, CachetClock Clock);
