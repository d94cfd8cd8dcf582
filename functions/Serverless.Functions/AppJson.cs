using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Serverless.Functions.Identity;
using Serverless.Functions.IntegrationPlatform.AuthClients;
using Serverless.Functions.IntegrationPlatform.AuthSecrets;
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
using Serverless.Functions.StatusPage;
using Serverless.Functions.StatusPage.Notifications;

namespace Serverless.Functions;

// At the root, beside Program.cs: it lists types of every slice, so no one slice owns it.
/// <summary>
/// Every type that goes through System.Text.Json, generated at build time. Its own options (web defaults) are the
/// storage format of queue messages, blobs and JSON table columns, written and read alike; the /v2 documents use it
/// as the resolver of <see cref="JsonApiJson.Options"/>. A type missing here fails when it is first written or read,
/// rather than falling back to reflection.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
// Queue messages.
[JsonSerializable(typeof(OperationsEngine.Message))]
[JsonSerializable(typeof(StatusNotifier.NotificationMessage))]
// Operation inputs and results, blob payloads, and JSON held in table columns.
[JsonSerializable(typeof(ComponentMethodInput))]
[JsonSerializable(typeof(JsonNode))]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(List<int>))]
[JsonSerializable(typeof(IEnumerable<string>))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
[JsonSerializable(typeof(HashSet<string>))]
[JsonSerializable(typeof(SortedDictionary<string, string>))]
[JsonSerializable(typeof(List<RoleRef>))]
// /v2 documents, and the runtime types of their object-typed members (data, attributes, meta, links).
[JsonSerializable(typeof(Document))]
[JsonSerializable(typeof(Resource))]
[JsonSerializable(typeof(List<Resource>))]
[JsonSerializable(typeof(ResourceIdentifier))]
[JsonSerializable(typeof(List<ResourceIdentifier>))]
[JsonSerializable(typeof(ResourceIdentifier[]))]
[JsonSerializable(typeof(CollectionLinks))]
[JsonSerializable(typeof(EmptyMeta))]
[JsonSerializable(typeof(Paging.Meta), TypeInfoPropertyName = "PagingMeta")]
[JsonSerializable(typeof(UsersApi.CreatedUserMeta))]
[JsonSerializable(typeof(JsonApiErrorWriter.ErrorDocument))]
[JsonSerializable(typeof(AuthClientsApi.ClientAttributes))]
[JsonSerializable(typeof(AuthSecretsApi.SecretAttributes))]
[JsonSerializable(typeof(ComponentsApi.ComponentAttributes))]
[JsonSerializable(typeof(ComponentsApi.VersionAttributes))]
[JsonSerializable(typeof(ComponentsApi.EnvAttributes))]
[JsonSerializable(typeof(ContractsApi.ContractAttributes))]
[JsonSerializable(typeof(ContractsApi.ContractPolicy))]
[JsonSerializable(typeof(Members.MemberAttributes))]
[JsonSerializable(typeof(CredentialsApi.CredentialAttributes))]
[JsonSerializable(typeof(DataSamplesApi.SampleAttributes))]
[JsonSerializable(typeof(ExecutionsApi.ExecutionResult))]
[JsonSerializable(typeof(StorageApi.SignedUrl))]
[JsonSerializable(typeof(SshKeysApi.KeyAttributes))]
[JsonSerializable(typeof(TeamsApi.TeamAttributes))]
[JsonSerializable(typeof(UsersApi.UserAttributes))]
[JsonSerializable(typeof(WorkspacesApi.WorkspaceAttributes))]
[JsonSerializable(typeof(StatusPagesApi.PageAttributes))]
// /v2 request bodies' attributes.
[JsonSerializable(typeof(AuthClientsApi.ClientInput))]
[JsonSerializable(typeof(AuthSecretsApi.SecretInput))]
[JsonSerializable(typeof(ComponentRepositoriesApi.RepositoryInput))]
[JsonSerializable(typeof(ComponentsApi.EnvInput))]
[JsonSerializable(typeof(ContractsApi.ContractInput))]
[JsonSerializable(typeof(ContractsApi.MemberInput))]
[JsonSerializable(typeof(CredentialsApi.CredentialInput))]
[JsonSerializable(typeof(DataSamplesApi.SampleInput))]
[JsonSerializable(typeof(ScheduledExecutionsApi.ExecutionInput))]
[JsonSerializable(typeof(SshKeysApi.KeyInput))]
[JsonSerializable(typeof(TeamsApi.TeamInput))]
[JsonSerializable(typeof(UsersApi.CreateUserAttributes))]
[JsonSerializable(typeof(WorkspacesApi.WorkspaceInput))]
[JsonSerializable(typeof(StatusPagesApi.PageInput))]
public sealed partial class AppJson : JsonSerializerContext;
