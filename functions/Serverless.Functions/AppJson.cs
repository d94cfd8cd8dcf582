using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Serverless.Functions.Identity;
using Serverless.Functions.Incidents.Access;
using Serverless.Functions.Incidents.Alerts;
using Serverless.Functions.Incidents.Cards;
using Serverless.Functions.Incidents.Lifecycle;
using Serverless.Functions.Incidents.Notes;
using Serverless.Functions.Incidents.Organization;
using Serverless.Functions.Incidents.Postmortems;
using Serverless.Functions.Incidents.PublicMessages;
using Serverless.Functions.Incidents.Services;
using Serverless.Functions.Incidents.Teams;
using Serverless.Functions.Incidents.Wire;
using Serverless.Functions.IntegrationPlatform.AuthClients;
using Serverless.Functions.IntegrationPlatform.AuthSecrets;
using Serverless.Functions.IntegrationPlatform.Components;
using Serverless.Functions.IntegrationPlatform.Contracts;
using Serverless.Functions.IntegrationPlatform.Credentials;
using Serverless.Functions.IntegrationPlatform.DataSamples;
using Serverless.Functions.IntegrationPlatform.FlowRuntime;
using Serverless.Functions.IntegrationPlatform.Flows;
using Serverless.Functions.IntegrationPlatform.Executions;
using Serverless.Functions.IntegrationPlatform.JsonApi;
using Serverless.Functions.IntegrationPlatform.Resources;
using Serverless.Functions.IntegrationPlatform.SshKeys;
using Serverless.Functions.IntegrationPlatform.Teams;
using Serverless.Functions.IntegrationPlatform.Tenants;
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
[JsonSerializable(typeof(StepEnvelope))]
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
[JsonSerializable(typeof(FlowsApi.FlowInput))]
[JsonSerializable(typeof(FlowsApi.FlowCopyInput))]
[JsonSerializable(typeof(FlowDraftsApi.DraftInput))]
[JsonSerializable(typeof(FlowSnapshotsApi.SnapshotInput))]
[JsonSerializable(typeof(DataSamplesApi.SampleInput))]
[JsonSerializable(typeof(ScheduledExecutionsApi.ExecutionInput))]
[JsonSerializable(typeof(SshKeysApi.KeyInput))]
[JsonSerializable(typeof(TeamsApi.TeamInput))]
[JsonSerializable(typeof(UsersApi.CreateUserAttributes))]
[JsonSerializable(typeof(WorkspacesApi.WorkspaceInput))]
[JsonSerializable(typeof(StatusPagesApi.PageInput))]
[JsonSerializable(typeof(TenantsApi.TenantInput))]
[JsonSerializable(typeof(TenantsApi.TenantAttributes))]
[JsonSerializable(typeof(TenantsApi.CreatedTenantMeta))]
// The incident surface: its JSON columns, its envelopes and what they hold, and its error body.
[JsonSerializable(typeof(List<IncidentAssignment>))]
[JsonSerializable(typeof(Dictionary<string, IncidentTag>))]
[JsonSerializable(typeof(IncidentLog))]
[JsonSerializable(typeof(List<IncidentLog>))]
[JsonSerializable(typeof(List<FollowUp>))]
[JsonSerializable(typeof(IncidentErrorWriter.ErrorBody))]
[JsonSerializable(typeof(DataEnvelope<string>))]
[JsonSerializable(typeof(DataEnvelope<AccessTokenApi.AccessTokenView>))]
[JsonSerializable(typeof(DataEnvelope<List<RefreshTokensApi.TokenView>>))]
[JsonSerializable(typeof(DataEnvelope<RefreshTokensApi.CreatedTokenView>))]
[JsonSerializable(typeof(DataEnvelope<OrganizationApi.OrganizationView>))]
[JsonSerializable(typeof(DataEnvelope<IncidentUsersApi.UserView>))]
[JsonSerializable(typeof(DataEnvelope<List<IncidentUsersApi.UserView>>))]
[JsonSerializable(typeof(DataEnvelope<IncidentTeamsApi.TeamView>))]
[JsonSerializable(typeof(DataEnvelope<List<IncidentTeamsApi.TeamView>>))]
[JsonSerializable(typeof(DataEnvelope<ServicesApi.ServiceView>))]
[JsonSerializable(typeof(DataEnvelope<List<ServicesApi.ServiceView>>))]
[JsonSerializable(typeof(AlertsApi.AlertAccepted))]
[JsonSerializable(typeof(RequestsApi.RequestsStatus))]
[JsonSerializable(typeof(DataEnvelope<IncidentView>))]
[JsonSerializable(typeof(DataEnvelope<List<IncidentView>>))]
[JsonSerializable(typeof(DataEnvelope<IncidentsApi.PriorityView>))]
[JsonSerializable(typeof(DataEnvelope<NotesApi.NoteView>))]
[JsonSerializable(typeof(DataEnvelope<List<NotesApi.NoteView>>))]
[JsonSerializable(typeof(DataEnvelope<CardsApi.CardView>))]
[JsonSerializable(typeof(DataEnvelope<List<CardsApi.CardView>>))]
[JsonSerializable(typeof(DataEnvelope<PostmortemsApi.PostmortemView>))]
[JsonSerializable(typeof(DataEnvelope<List<PostmortemsApi.PostmortemPage>>))]
[JsonSerializable(typeof(ResultEnvelope<PublicMessagesApi.MessageView>))]
[JsonSerializable(typeof(ResultEnvelope<List<PublicMessagesApi.MessageView>>))]
public sealed partial class AppJson : JsonSerializerContext;
