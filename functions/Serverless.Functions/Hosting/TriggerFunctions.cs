namespace Serverless.Functions.Hosting;

/// <summary>
/// The timer and queue functions. In host mode the Functions host POSTs their invocations to <c>/{Name}</c>; standalone,
/// in-process services fire the same handlers. Timer functions are named after their job, queue functions after
/// their queue. The operations engine adds the first ones.
/// </summary>
public static class TriggerFunctions
{
    public static readonly IReadOnlyList<TriggerFunction> All = [];
}
