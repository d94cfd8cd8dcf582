using System.Text.RegularExpressions;

namespace Serverless.Functions.Hosting;

/// <summary>
/// Every response carries <c>X-Request-Id</c>, and every error body but Cachet's repeats it, so that a user's report can be found
/// in the logs. A caller's own id is kept when it is short and plain, so ids can be traced across services.
/// </summary>
public static partial class RequestIds
{
    public const string Header = "X-Request-Id";

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,128}$")]
    private static partial Regex PlainId();

    public static IApplicationBuilder UseRequestIds(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var offered = context.Request.Headers[Header].ToString();
        context.TraceIdentifier = PlainId().IsMatch(offered) ? offered : Guid.NewGuid().ToString("N");
        // Set when the response starts: the exception handler clears headers set before it runs.
        context.Response.OnStarting(() =>
        {
            context.Response.Headers[Header] = context.TraceIdentifier;
            return Task.CompletedTask;
        });
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Serverless.Requests");
        using (logger.BeginScope(new Dictionary<string, object> { ["RequestId"] = context.TraceIdentifier }))
        {
            await next(context);
        }
    });
}
