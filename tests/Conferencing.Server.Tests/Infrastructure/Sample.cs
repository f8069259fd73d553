using Conferencing.Server.Sites;

namespace Conferencing.Server.Tests.Infrastructure;

/// <summary>Small site trees for tests that do not need a whole province.</summary>
public static class Sample
{
    /// <summary>A mixed tree: one district still in the old shape, communes directly under the province too.</summary>
    public static IReadOnlyList<Site> MixedTree() =>
    [
        new("PT", "Tỉnh Phú Thọ", null, SiteLevel.Province, SiteKind.Province),
        new("PT-SNV", "Sở Nội vụ", "PT", SiteLevel.Department, SiteKind.Department),
        new("PT-H-LT", "Huyện Lâm Thao", "PT", SiteLevel.District, SiteKind.District),
        new("PT-X-LT", "Xã Lâm Thao", "PT-H-LT", SiteLevel.Commune, SiteKind.Commune),
        new("PT-X-HC", "Xã Hy Cương", "PT", SiteLevel.Commune, SiteKind.Commune),
        new("PT-X-PC", "Xã Pà Cò", "PT", SiteLevel.Commune, SiteKind.Commune),
        new("PT-X-DH", "Xã Đoan Hùng", "PT", SiteLevel.Commune, SiteKind.Commune),
        new("PT-P-VT", "Phường Việt Trì", "PT", SiteLevel.Commune, SiteKind.Ward),
    ];

    /// <summary>A province with <paramref name="communes"/> communes, as CSV.</summary>
    public static IReadOnlyList<Site> Province(int communes, int departments = 16)
    {
        var sites = new List<Site> { new("PT", "Tỉnh Phú Thọ", null, SiteLevel.Province, SiteKind.Province) };
        for (var i = 1; i <= departments; i++)
        {
            sites.Add(new($"PT-S{i:D2}", $"Sở {i}", "PT", SiteLevel.Department, SiteKind.Department));
        }

        for (var i = 1; i <= communes; i++)
        {
            sites.Add(new($"PT-X{i:D3}", $"Xã số {i}", "PT", SiteLevel.Commune, i % 10 == 0 ? SiteKind.Ward : SiteKind.Commune));
        }

        return sites;
    }

    public static string RepoFile(params string[] parts)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Conferencing.sln")))
        {
            directory = directory.Parent;
        }

        return Path.Combine([directory?.FullName ?? throw new InvalidOperationException("Conferencing.sln not found above the test binaries."), .. parts]);
    }
}
