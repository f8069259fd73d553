using Conferencing.Server.Common;

namespace Conferencing.Server.Sites;

/// <summary>One site as a picker shows it: its place in the tree order and its path for context.</summary>
public sealed record IndexedSite(Site Site, int Order, int Depth, string Path, string Folded);

/// <summary>
/// The site tree prepared for the staff pages' pickers: sites in tree order (parents before
/// children, siblings by code), each with the names above it and its name folded for search, so
/// that typing "pa co" or "lam thao" finds "Xã Pà Cò" or "Huyện Lâm Thao" without a query per
/// keystroke. Built once per page from a <see cref="SiteTree"/> snapshot.
/// </summary>
public sealed class SiteIndex
{
    private readonly Dictionary<string, IndexedSite> _byCode;

    public SiteIndex(SiteTree tree)
    {
        ArgumentNullException.ThrowIfNull(tree);
        Tree = tree;
        var ordered = new List<IndexedSite>(tree.Count);
        foreach (var root in tree.Roots)
        {
            Walk(root, 0, []);
        }

        Ordered = ordered;
        _byCode = ordered.ToDictionary(s => s.Site.Code, StringComparer.Ordinal);

        void Walk(Site site, int depth, List<string> above)
        {
            // The province is the root of every path; naming it on every line says nothing.
            ordered.Add(new IndexedSite(site, ordered.Count, depth, string.Join(" › ", above), VietnameseText.Fold(site.Name)));
            var below = depth == 0 ? above : [.. above, site.Name];
            foreach (var child in tree.ChildrenOf(site.Code))
            {
                Walk(child, depth + 1, below);
            }
        }
    }

    public SiteTree Tree { get; }

    /// <summary>Every site, parents before children.</summary>
    public IReadOnlyList<IndexedSite> Ordered { get; }

    public IndexedSite? Find(string? code) => code is not null && _byCode.TryGetValue(code, out var site) ? site : null;

    public string NameOf(string code) => Find(code)?.Site.Name ?? code;

    /// <summary>Tree position of a site, for sorting lists of codes the way the tree reads.</summary>
    public int OrderOf(string code) => Find(code)?.Order ?? int.MaxValue;

    /// <summary>
    /// Sites whose name contains every word of the query, ignoring case and Vietnamese diacritics,
    /// or whose code starts with it; in tree order.
    /// </summary>
    public IEnumerable<IndexedSite> Search(string? query, Func<Site, bool>? filter = null)
    {
        var words = VietnameseText.Fold(query).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var raw = query?.Trim() ?? "";
        foreach (var entry in Ordered)
        {
            if (filter is not null && !filter(entry.Site))
            {
                continue;
            }

            if (words.Length == 0
                || words.All(w => entry.Folded.Contains(w, StringComparison.Ordinal))
                || (raw.Length > 0 && entry.Site.Code.StartsWith(raw, StringComparison.OrdinalIgnoreCase)))
            {
                yield return entry;
            }
        }
    }
}
