using System.Security.Claims;
using Conferencing.Server.Hosting;
using Conferencing.Server.Sites;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Conferencing.Server.Accounts;

/// <summary>
/// The one place that answers "is this site within the user's scope". A staff account limited to a
/// site (its <c>scopeSiteCode</c>) sees and acts on that site and everything below it; an account
/// without one, and any caller that is not staff (delegates, room displays: their own rules apply),
/// has the whole province. The scope comes from the cookie: changing an account's scope gives it a
/// new stamp, so the cookie never carries a stale one.
/// </summary>
public sealed class StaffScopes(SiteStore sites)
{
    public const string OutOfScopeCode = "account.out-of-scope";

    /// <summary>The site the caller is limited to, or null for the whole province.</summary>
    public static string? ScopeOf(ClaimsPrincipal? user) => StaffClaims.StaffIdentity(user)?.FindFirst(StaffClaims.Scope)?.Value;

    /// <summary>The caller's scope over the current site tree.</summary>
    public async Task<SiteScope> ForAsync(ClaimsPrincipal? user, CancellationToken cancellationToken) =>
        ScopeOf(user) is { } root ? new SiteScope(root, await sites.LoadTreeAsync(cancellationToken).ConfigureAwait(false)) : SiteScope.Everything;

    /// <summary>The caller's scope over a tree already loaded.</summary>
    public static SiteScope For(ClaimsPrincipal? user, SiteTree tree) => ScopeOf(user) is { } root ? new SiteScope(root, tree) : SiteScope.Everything;

    /// <summary>The 403 answer for a site, meeting or endpoint outside the caller's scope.</summary>
    public static ProblemHttpResult Forbidden(string detail) => Problems.Of(StatusCodes.Status403Forbidden, "Outside your scope", OutOfScopeCode, detail);
}

/// <summary>A subtree of the site tree (or all of it) that one caller may see and act on.</summary>
public sealed class SiteScope
{
    private readonly SiteTree? _tree;

    public SiteScope(string root, SiteTree tree)
    {
        Root = root;
        _tree = tree;
    }

    private SiteScope()
    {
    }

    public static SiteScope Everything { get; } = new();

    /// <summary>The scope's top site; null for the whole province.</summary>
    public string? Root { get; }

    public bool IsEverything => Root is null;

    /// <summary>True when the site is the scope's root or below it. A site the tree does not know is outside any limited scope.</summary>
    public bool Contains(string? siteCode)
    {
        if (Root is null)
        {
            return true;
        }

        if (siteCode is null || !_tree!.TryGet(siteCode, out _) || !_tree.TryGet(Root, out _))
        {
            return false;
        }

        foreach (var site in _tree.PathTo(siteCode))
        {
            if (string.Equals(site.Code, Root, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when every one of the sites is inside.</summary>
    public bool ContainsAll(IEnumerable<string> siteCodes) => Root is null || siteCodes.All(Contains);
}
