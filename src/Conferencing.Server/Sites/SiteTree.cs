using System.Text.RegularExpressions;
using Conferencing.Server.Common;

namespace Conferencing.Server.Sites;

/// <summary>
/// An immutable, validated snapshot of the site tree. The tree may be two-level (province, communes
/// and wards), three-level (province, districts, communes), or both at once while a province moves
/// from one shape to the other; departments hang under the province.
/// </summary>
public sealed partial class SiteTree
{
    public const int MaxCodeLength = 64;
    public const int MaxNameLength = 200;

    private readonly Dictionary<string, Site> _byCode;
    private readonly Dictionary<string, List<Site>> _children;

    private SiteTree(Dictionary<string, Site> byCode)
    {
        _byCode = byCode;
        _children = new Dictionary<string, List<Site>>(StringComparer.Ordinal);
        foreach (var site in byCode.Values)
        {
            if (site.ParentCode is { } parent)
            {
                if (!_children.TryGetValue(parent, out var list))
                {
                    _children[parent] = list = [];
                }

                list.Add(site);
            }
        }

        foreach (var list in _children.Values)
        {
            list.Sort(static (a, b) => string.CompareOrdinal(a.Code, b.Code));
        }
    }

    public static SiteTree Empty { get; } = new(new Dictionary<string, Site>(StringComparer.Ordinal));

    public int Count => _byCode.Count;

    public IEnumerable<Site> All => _byCode.Values;

    public IEnumerable<Site> Roots => _byCode.Values.Where(s => s.ParentCode is null).OrderBy(s => s.Code, StringComparer.Ordinal);

    public bool TryGet(string code, out Site site) => _byCode.TryGetValue(code, out site!);

    public Site Get(string code) => _byCode.TryGetValue(code, out var site) ? site : throw DomainException.NotFound("site", code);

    public IReadOnlyList<Site> ChildrenOf(string code) => _children.TryGetValue(code, out var list) ? list : [];

    /// <summary>The site and everything below it, parents before children.</summary>
    public IEnumerable<Site> Subtree(string code)
    {
        var stack = new Stack<Site>();
        stack.Push(Get(code));
        while (stack.Count > 0)
        {
            var site = stack.Pop();
            yield return site;
            var children = ChildrenOf(site.Code);
            for (var i = children.Count - 1; i >= 0; i--)
            {
                stack.Push(children[i]);
            }
        }
    }

    /// <summary>The chain from the root down to the site.</summary>
    public IReadOnlyList<Site> PathTo(string code)
    {
        var path = new List<Site>();
        for (Site? site = Get(code); site is not null; site = site.ParentCode is { } p ? _byCode.GetValueOrDefault(p) : null)
        {
            path.Add(site);
        }

        path.Reverse();
        return path;
    }

    /// <summary>Builds a tree from sites, or throws naming the first rule a site breaks.</summary>
    public static SiteTree Build(IEnumerable<Site> sites)
    {
        var errors = Validate(sites);
        if (errors.Count > 0)
        {
            var (field, message) = errors[0];
            throw DomainException.Invalid(field, message);
        }

        return new SiteTree(sites.ToDictionary(s => s.Code, StringComparer.Ordinal));
    }

    /// <summary>Every rule the sites break, keyed by the code of the site at fault.</summary>
    public static IReadOnlyList<(string Field, string Message)> Validate(IEnumerable<Site> sites)
    {
        ArgumentNullException.ThrowIfNull(sites);
        var errors = new List<(string, string)>();
        var byCode = new Dictionary<string, Site>(StringComparer.Ordinal);
        foreach (var site in sites)
        {
            if (!byCode.TryAdd(site.Code, site))
            {
                errors.Add((site.Code, $"Site code '{site.Code}' appears more than once."));
            }
        }

        foreach (var site in byCode.Values)
        {
            foreach (var problem in CheckOwnFields(site))
            {
                errors.Add((site.Code, problem));
            }

            if (site.ParentCode is null)
            {
                if (site.Level != SiteLevel.Province)
                {
                    errors.Add((site.Code, $"Site '{site.Code}' has no parent, so it must be a province."));
                }

                continue;
            }

            if (!byCode.TryGetValue(site.ParentCode, out var parent))
            {
                errors.Add((site.Code, $"Site '{site.Code}' names parent '{site.ParentCode}', which does not exist."));
                continue;
            }

            var allowed = site.Level switch
            {
                SiteLevel.Province => false,
                SiteLevel.Department or SiteLevel.District => parent.Level == SiteLevel.Province,
                SiteLevel.Commune => parent.Level is SiteLevel.Province or SiteLevel.District,
                _ => false,
            };
            if (!allowed)
            {
                errors.Add((site.Code, $"A {site.Level.ToString().ToLowerInvariant()} cannot be placed under a {parent.Level.ToString().ToLowerInvariant()} ('{site.Code}' under '{parent.Code}')."));
            }
        }

        return errors;
    }

    /// <summary>Checks a site's own fields, without looking at the rest of the tree.</summary>
    public static IEnumerable<string> CheckOwnFields(Site site)
    {
        ArgumentNullException.ThrowIfNull(site);
        if (string.IsNullOrEmpty(site.Code) || site.Code.Length > MaxCodeLength || !CodePattern().IsMatch(site.Code))
        {
            yield return $"Site code '{site.Code}' must be 1 to {MaxCodeLength} letters, digits, '.', '-' or '_'.";
        }

        if (string.IsNullOrWhiteSpace(site.Name) || site.Name.Length > MaxNameLength)
        {
            yield return $"Site '{site.Code}' needs a name of 1 to {MaxNameLength} characters.";
        }

        if (Site.LevelOf(site.Kind) != site.Level)
        {
            yield return $"Site '{site.Code}': a {site.Kind.ToString().ToLowerInvariant()} belongs at level {Site.LevelOf(site.Kind).ToString().ToLowerInvariant()}, not {site.Level.ToString().ToLowerInvariant()}.";
        }

        if (site.ParentCode == site.Code)
        {
            yield return $"Site '{site.Code}' cannot be its own parent.";
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial Regex CodePattern();
}
