using Serverless.Functions.Identity;
using Serverless.Functions.IntegrationPlatform.JsonApi;

namespace Serverless.Functions.IntegrationPlatform.Contracts;

/// <summary>Members of a contract (<c>contract-member</c>) or of a workspace (<c>member</c>), as the seed shows them.</summary>
public static class Members
{
    public const string ContractMemberType = "contract-member";
    public const string WorkspaceMemberType = "member";

    public sealed record MemberAttributes(string FirstName, string LastName, IReadOnlyList<string> Roles, string Email);

    public sealed record Member(MembershipEntity Membership, UserEntity User);

    /// <summary>The members with their users; a membership whose user is gone is left out.</summary>
    public static async Task<IReadOnlyList<Member>> WithUsersAsync(IEnumerable<MembershipEntity> memberships, string tenantId, UserStore users,
        CancellationToken cancellationToken)
    {
        var loaded = await Task.WhenAll(memberships.Select(async m => (m, user: await users.GetAsync(tenantId, m.UserId, cancellationToken))));
        return loaded.Where(x => x.user is not null).Select(x => new Member(x.m, x.user!)).ToList();
    }

    public static Resource ContractMember(Member member) =>
        new(member.User.Id, ContractMemberType, Attributes(member))
        {
            Relationships = new Dictionary<string, Relationship>
            {
                ["user"] = new()
                {
                    Data = new ResourceIdentifier(member.User.Id, "user"),
                    Links = new RelationshipLinks { Self = $"/v2/users/{member.User.Id}" },
                },
            },
        };

    public static Resource WorkspaceMember(Member member) =>
        new(member.User.Id, WorkspaceMemberType, Attributes(member)) { Links = new ResourceLinks($"/v2/members/{member.User.Id}") };

    public static IReadOnlyList<ResourceIdentifier> Identifiers(IEnumerable<MembershipEntity> memberships, string type) =>
        memberships.Select(m => new ResourceIdentifier(m.UserId, type)).ToList();

    /// <summary>Whether removing or re-roling <paramref name="userId"/> would leave the scope without an Owner.</summary>
    public static bool IsLastOwner(IEnumerable<MembershipEntity> memberships, string userId)
    {
        var owners = memberships.Where(m => m.RoleList.Contains(RoleCatalog.Owner)).Select(m => m.UserId).ToList();
        return owners.Count == 1 && owners[0] == userId;
    }

    /// <summary>Parses <c>?include=members,invites</c>; anything else is a 400 naming the parameter.</summary>
    public static (bool Members, bool Invites) Includes(HttpRequest request)
    {
        var values = request.Query["include"].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        var unknown = values.FirstOrDefault(v => v is not ("members" or "invites"));
        return unknown is null
            ? (values.Contains("members"), values.Contains("invites"))
            : throw new Errors.ApiException(Errors.ApiError.InvalidParameter("include", $"'include' takes 'members' and/or 'invites', not '{unknown}'."));
    }

    private static MemberAttributes Attributes(Member member) =>
        new(member.User.FirstName, member.User.LastName, member.Membership.RoleList, member.User.Email);
}
