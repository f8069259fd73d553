using Conferencing.Server.Sites;

namespace Conferencing.Server.Meetings;

/// <summary>Turns the sites ticked in a picker into the selection a meeting stores.</summary>
public static class SiteSelections
{
    /// <summary>
    /// The shortest selection that names the ticked sites: a site whose whole subtree is ticked
    /// becomes a subtree (so a commune added under that district later takes part too), any other
    /// ticked site is named alone.
    /// </summary>
    public static SiteSelection FromTicked(SiteTree tree, IReadOnlySet<string> ticked)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(ticked);
        var subtrees = new List<string>();
        var sites = new List<string>();
        var whole = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var root in tree.Roots)
        {
            Visit(root);
        }

        return new SiteSelection(subtrees, sites);

        void Visit(Site site)
        {
            var children = tree.ChildrenOf(site.Code);
            if (children.Count > 0 && Whole(site))
            {
                subtrees.Add(site.Code);
                return;
            }

            if (ticked.Contains(site.Code))
            {
                sites.Add(site.Code);
            }

            foreach (var child in children)
            {
                Visit(child);
            }
        }

        bool Whole(Site site)
        {
            if (!whole.TryGetValue(site.Code, out var result))
            {
                result = ticked.Contains(site.Code) && tree.ChildrenOf(site.Code).All(Whole);
                whole[site.Code] = result;
            }

            return result;
        }
    }
}
