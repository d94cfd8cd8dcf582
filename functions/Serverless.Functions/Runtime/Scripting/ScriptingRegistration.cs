namespace Serverless.Functions.Runtime.Scripting;

public static class ScriptingRegistration
{
    public static IServiceCollection AddScripting(this IServiceCollection s)
    {
        s.AddSingleton<Jsonata>();
        s.AddSingleton<CodeSandbox>();
        return s;
    }
}
