using System.Text;
using System.Text.RegularExpressions;
using Conferencing.Server.Demo;
using Conferencing.Server.Sites;
using Conferencing.Server.Tests.Infrastructure;

namespace Conferencing.Server.Tests.Sites;

/// <summary>
/// The real site lists in ops/data: Phú Thọ after Resolution 1676/NQ-UBTVQH15 (two levels, the demo)
/// and Phú Thọ in 2020 (three levels). Counts, codes and a sample of names checked against the sources
/// named in ops/data/README.md.
/// </summary>
public sealed partial class SiteDataSetTests
{
    private static readonly Lazy<string> File2025 = new(() => File.ReadAllText(Sample.RepoFile("ops", "data", "phu-tho-2025.csv")));
    private static readonly Lazy<string> File2020 = new(() => File.ReadAllText(Sample.RepoFile("ops", "data", "phu-tho-2020-three-level.csv")));

    private static SiteTree Load(Lazy<string> file)
    {
        var sites = SiteFiles.FromCsv(file.Value, out var errors);
        Assert.Empty(errors);
        return SiteTree.Build(sites);
    }

    private static SiteTree Tree2025 => Load(File2025);

    private static SiteTree Tree2020 => Load(File2020);

    [Fact]
    public void TheDemoProvinceHas16Departments133CommunesAnd15WardsAllDirectlyUnderIt()
    {
        var tree = Tree2025;
        var province = Assert.Single(tree.Roots);
        Assert.Equal(("PT", "Tỉnh Phú Thọ"), (province.Code, province.Name));
        Assert.Equal(1 + 16 + 148, tree.Count);
        Assert.Equal(16, tree.All.Count(s => s.Kind == SiteKind.Department));
        Assert.Equal(133, tree.All.Count(s => s.Kind == SiteKind.Commune));
        Assert.Equal(15, tree.All.Count(s => s.Kind == SiteKind.Ward));
        Assert.DoesNotContain(tree.All, s => s.Level == SiteLevel.District);
        Assert.All(tree.All.Where(s => s.Level != SiteLevel.Province), s => Assert.Equal("PT", s.ParentCode));
    }

    [Fact]
    public void TheEmbeddedDemoListIsTheOpsDataFile() =>
        Assert.Equal(
            SiteFiles.FromCsv(File2025.Value, out _).OrderBy(s => s.Code, StringComparer.Ordinal),
            DemoSeeder.LoadDemoSites().OrderBy(s => s.Code, StringComparer.Ordinal));

    // Codes and names as in the Statistics Office's list of 25 June 2025 (Công văn 1027/CTK-CSCL),
    // one or more from each of the three provinces merged, including the two units Resolution 1676 left as they were.
    [Theory]
    [InlineData("PT-08515", "Xã Hy Cương", SiteKind.Commune)]
    [InlineData("PT-08494", "Xã Lâm Thao", SiteKind.Commune)]
    [InlineData("PT-07969", "Xã Đoan Hùng", SiteKind.Commune)]
    [InlineData("PT-08053", "Xã Hạ Hòa", SiteKind.Commune)]
    [InlineData("PT-05212", "Xã Pà Cò", SiteKind.Commune)]
    [InlineData("PT-07900", "Phường Việt Trì", SiteKind.Ward)]
    [InlineData("PT-07948", "Phường Âu Cơ", SiteKind.Ward)]
    [InlineData("PT-08716", "Phường Vĩnh Phúc", SiteKind.Ward)]
    [InlineData("PT-04795", "Phường Hòa Bình", SiteKind.Ward)]
    [InlineData("PT-08872", "Xã Tam Dương Bắc", SiteKind.Commune)]
    [InlineData("PT-04990", "Xã Nật Sơn", SiteKind.Commune)]
    [InlineData("PT-08545", "Xã Thu Cúc", SiteKind.Commune)]
    [InlineData("PT-08311", "Xã Trung Sơn", SiteKind.Commune)]
    public void TheDemoProvinceHoldsTheUnitsOfResolution1676UnderTheirOfficialCodes(string code, string name, SiteKind kind)
    {
        Assert.True(Tree2025.TryGet(code, out var site), code);
        Assert.Equal((name, kind), (site.Name, site.Kind));
    }

    [Theory]
    [InlineData("PT-SNV", "Sở Nội vụ")]
    [InlineData("PT-STC", "Sở Tài chính")]
    [InlineData("PT-SYT", "Sở Y tế")]
    [InlineData("PT-SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch")]
    [InlineData("PT-VPUB", "Văn phòng Ủy ban nhân dân tỉnh")]
    public void TheDepartmentsAreNamedNotNumbered(string code, string name)
    {
        Assert.True(Tree2025.TryGet(code, out var site), code);
        Assert.Equal((name, SiteKind.Department), (site.Name, site.Kind));
        Assert.DoesNotContain(Tree2025.All, s => DigitAtTheEnd().IsMatch(s.Name));
    }

    [Fact]
    public void TheOldShapeHas13DistrictsAnd225CommunesWardsAndTownships()
    {
        var tree = Tree2020;
        var province = Assert.Single(tree.Roots);
        Assert.Equal(("PT", "Tỉnh Phú Thọ"), (province.Code, province.Name));
        Assert.Equal(1 + 13 + 225, tree.Count);
        Assert.Equal((1, 1, 11), (Count(tree, SiteKind.City), Count(tree, SiteKind.Town), Count(tree, SiteKind.District)));
        Assert.Equal((197, 17, 11), (Count(tree, SiteKind.Commune), Count(tree, SiteKind.Ward), Count(tree, SiteKind.Township)));
        Assert.All(tree.All.Where(s => s.Level == SiteLevel.District), s => Assert.Equal("PT", s.ParentCode));
        Assert.All(tree.All.Where(s => s.Level == SiteLevel.Commune), s => Assert.Equal(SiteLevel.District, tree.Get(s.ParentCode!).Level));
    }

    // Units per district after Resolution 828/NQ-UBTVQH14, which took effect on 1 January 2020.
    [Theory]
    [InlineData("PT-2020-227", "Thành phố Việt Trì", 22)]
    [InlineData("PT-2020-228", "Thị xã Phú Thọ", 9)]
    [InlineData("PT-2020-230", "Huyện Đoan Hùng", 22)]
    [InlineData("PT-2020-231", "Huyện Hạ Hòa", 20)]
    [InlineData("PT-2020-232", "Huyện Thanh Ba", 19)]
    [InlineData("PT-2020-233", "Huyện Phù Ninh", 17)]
    [InlineData("PT-2020-234", "Huyện Yên Lập", 17)]
    [InlineData("PT-2020-235", "Huyện Cẩm Khê", 24)]
    [InlineData("PT-2020-236", "Huyện Tam Nông", 12)]
    [InlineData("PT-2020-237", "Huyện Lâm Thao", 12)]
    [InlineData("PT-2020-238", "Huyện Thanh Sơn", 23)]
    [InlineData("PT-2020-239", "Huyện Thanh Thủy", 11)]
    [InlineData("PT-2020-240", "Huyện Tân Sơn", 17)]
    public void EachDistrictOf2020HasItsCommuneCount(string code, string name, int communes)
    {
        var tree = Tree2020;
        Assert.Equal(name, tree.Get(code).Name);
        Assert.Equal(communes, tree.ChildrenOf(code).Count);
    }

    [Theory]
    [InlineData("PT-2020-08503", "Xã Hy Cương", "Thành phố Việt Trì")]
    [InlineData("PT-2020-07891", "Phường Vân Cơ", "Thành phố Việt Trì")]
    [InlineData("PT-2020-07948", "Phường Âu Cơ", "Thị xã Phú Thọ")]
    [InlineData("PT-2020-08032", "Xã Vụ Quang", "Huyện Đoan Hùng")]
    [InlineData("PT-2020-08053", "Thị trấn Hạ Hòa", "Huyện Hạ Hòa")]
    [InlineData("PT-2020-08498", "Thị trấn Hùng Sơn", "Huyện Lâm Thao")]
    [InlineData("PT-2020-08341", "Thị trấn Cẩm Khê", "Huyện Cẩm Khê")]
    [InlineData("PT-2020-08545", "Xã Thu Cúc", "Huyện Tân Sơn")]
    public void KnownUnitsOf2020SitUnderTheirDistrict(string code, string name, string district)
    {
        var tree = Tree2020;
        Assert.Equal(name, tree.Get(code).Name);
        Assert.Equal(district, tree.PathTo(code)[1].Name);
    }

    [Fact]
    public void CodesFollowOneRulePerFile()
    {
        Assert.All(Tree2025.All.Where(s => s.Level == SiteLevel.Commune), s => Assert.Matches(Code2025(), s.Code));
        Assert.All(Tree2025.All.Where(s => s.Level == SiteLevel.Department), s => Assert.Matches(DepartmentCode(), s.Code));
        Assert.All(Tree2020.All.Where(s => s.Level == SiteLevel.District), s => Assert.Matches(DistrictCode2020(), s.Code));
        Assert.All(Tree2020.All.Where(s => s.Level == SiteLevel.Commune), s => Assert.Matches(Code2020(), s.Code));

        // The two lists can live in one store: only the province row is shared.
        Assert.Equal(["PT"], Tree2025.All.Select(s => s.Code).Intersect(Tree2020.All.Select(s => s.Code)));
    }

    [Fact]
    public void EveryNameIsComposedTrimmedUniqueUnderItsParentAndStartsWithItsKind()
    {
        foreach (var tree in new[] { Tree2025, Tree2020 })
        {
            Assert.All(tree.All, s =>
            {
                Assert.True(s.Name.IsNormalized(NormalizationForm.FormC), s.Name);
                Assert.Equal(s.Name.Trim(), s.Name);
                if (Prefix(s.Kind) is { } prefix)
                {
                    Assert.StartsWith(prefix, s.Name, StringComparison.Ordinal);
                }
            });
            Assert.All(tree.All.GroupBy(s => s.ParentCode), g => Assert.Equal(g.Count(), g.Select(s => s.Name).Distinct(StringComparer.Ordinal).Count()));
        }
    }

    [Fact]
    public void BothFilesAreWhatTheExportWritesSoTheyRoundTripByteForByte()
    {
        foreach (var file in new[] { File2025.Value, File2020.Value })
        {
            var exported = SiteFiles.ToCsv(SiteFiles.FromCsv(file, out var errors));
            Assert.Empty(errors);
            Assert.Equal(file, exported.ReplaceLineEndings("\n"));
        }
    }

    private static int Count(SiteTree tree, SiteKind kind) => tree.All.Count(s => s.Kind == kind);

    private static string? Prefix(SiteKind kind) => kind switch
    {
        SiteKind.Province => "Tỉnh ",
        SiteKind.City => "Thành phố ",
        SiteKind.Town => "Thị xã ",
        SiteKind.District => "Huyện ",
        SiteKind.Commune => "Xã ",
        SiteKind.Ward => "Phường ",
        SiteKind.Township => "Thị trấn ",
        _ => null,
    };

    [GeneratedRegex(@"\d$")]
    private static partial Regex DigitAtTheEnd();

    [GeneratedRegex(@"^PT-\d{5}$")]
    private static partial Regex Code2025();

    [GeneratedRegex(@"^PT-[A-Z]+$")]
    private static partial Regex DepartmentCode();

    [GeneratedRegex(@"^PT-2020-\d{3}$")]
    private static partial Regex DistrictCode2020();

    [GeneratedRegex(@"^PT-2020-\d{5}$")]
    private static partial Regex Code2020();
}
