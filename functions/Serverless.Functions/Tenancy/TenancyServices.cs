using Serverless.Functions.Identity;
using Serverless.Functions.Operations;

namespace Serverless.Functions.Tenancy;

/// <summary>What the Contracts and Workspaces handlers share, bound with [AsParameters].</summary>
public sealed record TenancyServices(
    AccessControl Access,
    ContractStore Contracts,
    WorkspaceStore Workspaces,
    MembershipStore Memberships,
    UserStore Users,
    OperationsEngine Operations,
    TimeProvider Time);
