using Serverless.Functions.Errors;
using Serverless.Functions.Hosting;
using Serverless.Functions.Identity;
using Serverless.Functions.IntegrationPlatform;
using Serverless.Functions.IntegrationPlatform.AuthClients;
using Serverless.Functions.IntegrationPlatform.Components;
using Serverless.Functions.IntegrationPlatform.Contracts;
using Serverless.Functions.IntegrationPlatform.Credentials;
using Serverless.Functions.IntegrationPlatform.DataSamples;
using Serverless.Functions.IntegrationPlatform.Executions;
using Serverless.Functions.IntegrationPlatform.JsonApi;
using Serverless.Functions.IntegrationPlatform.Resources;
using Serverless.Functions.IntegrationPlatform.SshKeys;
using Serverless.Functions.IntegrationPlatform.Teams;
using Serverless.Functions.IntegrationPlatform.Users;
using Serverless.Functions.IntegrationPlatform.Workspaces;
using Serverless.Functions.Operations;
using Serverless.Functions.Runtime.Components;
using Serverless.Functions.StatusPage;
using Serverless.Functions.Tenancy;

var builder = WebApplication.CreateBuilder(args);
builder.UseCustomHandlerHosting();
builder.AddTelemetry();
builder.Services.AddStorage();
builder.Services.AddIdentityCore();
// Paths no surface owns (/, unknown ones) answer in JSON:API, the format of the first surface.
builder.Services.AddSurfaceErrors<JsonApiErrorWriter>();
builder.Services.AddRateLimits();
builder.Services.AddTriggers();
builder.Services.AddOutboundHttp();
builder.Services.AddOperations();
builder.Services.AddTenancy();
builder.Services.AddBuiltInComponents();
builder.Services.AddIntegrationPlatform();
builder.Services.AddStatusPages();
builder.Services.AddApiReference();

var app = builder.Build().UseApiPipeline();
app.MapRootIndex();
app.MapTriggerFunctions();
app.MapUsersApi();
app.MapContractsApi();
app.MapWorkspacesApi();
app.MapExecutionsApi();
app.MapStorageApi();
app.MapComponentsApi();
app.MapTeamsApi();
app.MapCredentialsApi();
app.MapAuthClientsApi();
app.MapSshKeysApi();
app.MapDataSamplesApi();
app.MapStatusPages();
app.MapApiReference();
app.RunOrWriteFunctionMetadata(args);

/// <summary>The entry point, public so that tests can host the app with WebApplicationFactory.</summary>
public partial class Program;
