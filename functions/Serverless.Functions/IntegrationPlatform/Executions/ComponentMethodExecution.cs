using System.Text.Json;
using System.Text.Json.Nodes;
using Serverless.Functions.Identity;
using Serverless.Functions.Operations;
using Serverless.Functions.Runtime.Components;
using Serverless.Functions.Storage;

namespace Serverless.Functions.IntegrationPlatform.Executions;

/// <summary>The three methods a scheduled execution can run, with the body type and permission of each.</summary>
public sealed record ComponentMethod(string Name, string RequestType, string Permission)
{
    public static readonly ComponentMethod Verify = new("verifyCredentials", "verify-credential", Permissions.WorkspacesCredentialEdit);
    public static readonly ComponentMethod DynamicMetadata = new("getMetaModel", "dynamic-metadata", Permissions.WorkspacesFlowEdit);
    public static readonly ComponentMethod SelectModel = new("selectModel", "select-model", Permissions.WorkspacesFlowEdit);
}

public sealed record ComponentMethodInput(string Method, string ComponentId, string? Module, string? SelectMethod, JsonObject Fields);

/// <summary>
/// Runs one component method. A <see cref="ComponentException"/> is the method's answer, not a fault: it becomes
/// <c>{status: "error", data: {message}}</c> (or <c>{verified: false, reason}</c> for verification) and is not retried.
/// Results are stored as <c>{status, data}</c>.
/// </summary>
public sealed class ComponentMethodExecution(ComponentCatalog catalog, SecretBox secrets) : IOperationHandler
{
    public const string KindName = "component.method";
    public const string Purpose = "operation-input";

    public string Kind => KindName;

    public async Task<JsonObject> RunAsync(OperationContext context, CancellationToken cancellationToken)
    {
        var input = JsonSerializer.Deserialize(secrets.Open(context.Input!, Purpose), AppJson.Default.ComponentMethodInput)!;
        var component = catalog.Find(input.ComponentId) ?? throw new InvalidOperationException($"Component {input.ComponentId} is gone.");
        // A minute, as the platform allows a sample retrieval, so one slow system cannot hold a worker.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(1));
        try
        {
            JsonNode data = input.Method switch
            {
                "verifyCredentials" => await VerifyAsync(component, input.Fields, timeout.Token),
                "getMetaModel" => await component.GetMetaModelAsync(input.Module!, input.Fields, timeout.Token),
                _ => await component.SelectModelAsync(input.Module!, input.SelectMethod!, input.Fields, timeout.Token),
            };
            return new JsonObject { ["status"] = "success", ["data"] = data };
        }
        catch (ComponentException ex)
        {
            return new JsonObject { ["status"] = "error", ["data"] = new JsonObject { ["message"] = ex.Message } };
        }
    }

    private static async Task<JsonNode> VerifyAsync(BuiltInComponent component, JsonObject fields, CancellationToken cancellationToken)
    {
        try
        {
            await component.VerifyCredentialsAsync(fields, cancellationToken);
            return new JsonObject { ["verified"] = true };
        }
        catch (ComponentException ex)
        {
            return new JsonObject { ["verified"] = false, ["reason"] = ex.Message };
        }
    }
}
