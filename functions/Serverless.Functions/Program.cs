using Serverless.Functions.Errors;
using Serverless.Functions.Hosting;
using Serverless.Functions.Identity;
using Serverless.Functions.Integration.AuthClients;
using Serverless.Functions.Integration.AuthSecrets;
using Serverless.Functions.Integration.Components;
using Serverless.Functions.Integration.Contracts;
using Serverless.Functions.Integration.Credentials;
using Serverless.Functions.Integration.DataSamples;
using Serverless.Functions.Integration.JsonApi;
using Serverless.Functions.Integration.Resources;
using Serverless.Functions.Integration.SshKeys;
using Serverless.Functions.Integration.Users;
using Serverless.Functions.Integration.Workspaces;
using Serverless.Functions.Operations;
using Serverless.Functions.Runtime.Components;
using Serverless.Functions.StatusPage;
using Serverless.Functions.Storage;
using Serverless.Functions.Tenancy;

var builder = WebApplication.CreateBuilder(args);
builder.UseCustomHandlerHosting();
builder.Services.AddStorage();
builder.Services.AddIdentityCore();
builder.Services.AddSurfaceErrors();
builder.Services.AddSingleton<ISurfaceErrorWriter, JsonApiErrorWriter>();
builder.Services.AddTriggers();
builder.Services.AddOperations();
builder.Services.AddTenancy();
builder.Services.AddResources();
builder.Services.AddBuiltInComponents();
builder.Services.AddSingleton<ComponentEnvStore>();
builder.Services.AddSingleton<TeamStore>();
builder.Services.AddSingleton<ComponentRepoStore>();
builder.Services.AddSingleton<IOperationHandler, ComponentMethodExecution>();
builder.Services.AddSingleton<CredentialStore>();
builder.Services.AddSingleton<ITenancyHooks, CredentialTenancyHooks>();
builder.Services.AddAuthClientsAndSecrets();
builder.Services.AddSingleton<SshKeyStore>();
builder.Services.AddSingleton<DataSampleStore>();
builder.Services.AddSingleton<ITenancyHooks, DataSampleTenancyHooks>();
builder.Services.AddStatusPages();

var app = builder.Build();
app.UseRequestIds();
app.UseSurfaceErrors();
app.UseRouting();
app.UseStartupGate();
app.UseAuthentication();
app.UseAuthorization();

app.MapRootIndex();
app.MapTriggerFunctions();
app.MapUsersApi();
app.MapContractsApi();
app.MapWorkspacesApi();
app.MapOperationsApi();
app.MapStorageApi();
app.MapComponentsApi();
app.MapTeamsApi();
app.MapCredentialsApi();
app.MapAuthClientsApi();
app.MapAuthSecretsApi();
app.MapSshKeysApi();
app.MapDataSamplesApi();
app.MapStatusPages();

if (FunctionMetadata.TryRunCommand(app, args))
{
    return;
}
app.Run();

/// <summary>The entry point, public so that tests can host the app with WebApplicationFactory.</summary>
public partial class Program;
