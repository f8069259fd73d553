using System.Text;
using Conferencing.Server.Common;
using Conferencing.Server.Sites;
using Conferencing.Server.Tests.Infrastructure;

namespace Conferencing.Server.Tests.Sites;

public sealed class SiteTests
{
    [Theory]
    [InlineData("Xã Pà Cò", "xa pa co")]
    [InlineData("XÃ ĐOAN HÙNG", "xa doan hung")]
    [InlineData("  Phường   Việt   Trì ", "phuong viet tri")]
    [InlineData("Thị trấn Hùng Sơn", "thi tran hung son")]
    public void FoldingDropsDiacriticsCaseAndExtraSpace(string input, string expected) =>
        Assert.Equal(expected, VietnameseText.Fold(input));

    [Fact]
    public void FoldingTreatsComposedAndDecomposedFormsAlike() =>
        Assert.Equal(VietnameseText.Fold("Hạ Hòa".Normalize(NormalizationForm.FormC)), VietnameseText.Fold("Hạ Hòa".Normalize(NormalizationForm.FormD)));

    [Fact]
    public void AMixedTwoAndThreeLevelTreeIsValid()
    {
        var tree = SiteTree.Build(Sample.MixedTree());
        Assert.Equal(8, tree.Count);
        Assert.Equal(["PT", "PT-H-LT", "PT-X-LT"], tree.PathTo("PT-X-LT").Select(s => s.Code));
        Assert.Equal(["PT-H-LT", "PT-X-LT"], tree.Subtree("PT-H-LT").Select(s => s.Code));
    }

    public static TheoryData<string, Site[]> InvalidTrees => new()
    {
        { "commune under a commune", [new("P", "Tỉnh", null, SiteLevel.Province, SiteKind.Province), new("A", "Xã A", "P", SiteLevel.Commune, SiteKind.Commune), new("B", "Xã B", "A", SiteLevel.Commune, SiteKind.Commune)] },
        { "district under a district", [new("P", "Tỉnh", null, SiteLevel.Province, SiteKind.Province), new("A", "Huyện A", "P", SiteLevel.District, SiteKind.District), new("B", "Huyện B", "A", SiteLevel.District, SiteKind.District)] },
        { "commune at the root", [new("A", "Xã A", null, SiteLevel.Commune, SiteKind.Commune)] },
        { "missing parent", [new("P", "Tỉnh", null, SiteLevel.Province, SiteKind.Province), new("A", "Xã A", "Q", SiteLevel.Commune, SiteKind.Commune)] },
        { "kind at the wrong level", [new("P", "Tỉnh", null, SiteLevel.Province, SiteKind.Province), new("A", "Phường A", "P", SiteLevel.District, SiteKind.Ward)] },
        { "bad code", [new("P T", "Tỉnh", null, SiteLevel.Province, SiteKind.Province)] },
        { "empty name", [new("P", " ", null, SiteLevel.Province, SiteKind.Province)] },
        { "duplicate code", [new("P", "Tỉnh", null, SiteLevel.Province, SiteKind.Province), new("P", "Tỉnh 2", null, SiteLevel.Province, SiteKind.Province)] },
        { "department under a district", [new("P", "Tỉnh", null, SiteLevel.Province, SiteKind.Province), new("H", "Huyện", "P", SiteLevel.District, SiteKind.District), new("S", "Sở", "H", SiteLevel.Department, SiteKind.Department)] },
    };

    [Theory]
    [MemberData(nameof(InvalidTrees))]
    public void InvalidTreesAreRefused(string name, Site[] sites)
    {
        Assert.NotEmpty(SiteTree.Validate(sites));
        var e = Assert.Throws<DomainException>(() => SiteTree.Build(sites));
        Assert.Equal(DomainErrorKind.Invalid, e.Kind);
        Assert.False(string.IsNullOrEmpty(name));
    }

    [Fact]
    public void CsvRoundTripKeepsVietnameseNamesByteForByte()
    {
        // One decomposed name on purpose: the store must not normalize what the province typed.
        var sites = Sample.MixedTree().Append(new Site("PT-X-HH", "Xã Hạ Hòa".Normalize(NormalizationForm.FormD), "PT", SiteLevel.Commune, SiteKind.Commune))
            .Append(new Site("PT-X-Q", "Xã \"Ngoặc\", có dấu phẩy", "PT", SiteLevel.Commune, SiteKind.Commune)).ToList();
        var csv = SiteFiles.ToCsv(sites);
        var back = SiteFiles.FromCsv(csv, out var errors);
        Assert.Empty(errors);
        Assert.Equal(sites.OrderBy(s => s.Code, StringComparer.Ordinal), back.OrderBy(s => s.Code, StringComparer.Ordinal));
    }

    [Fact]
    public void JsonRoundTripKeepsEveryField()
    {
        var sites = Sample.MixedTree();
        var back = SiteFiles.FromJson(SiteFiles.ToJson(sites), out var errors);
        Assert.Empty(errors);
        Assert.Equal(sites.OrderBy(s => s.Code, StringComparer.Ordinal), back.OrderBy(s => s.Code, StringComparer.Ordinal));
    }

    [Fact]
    public void CsvErrorsNameTheLine()
    {
        var csv = "code,name,parent_code,level,kind\nPT,Tỉnh Phú Thọ,,province,province\nX1,Xã Một,PT,commune,village\n";
        var sites = SiteFiles.FromCsv(csv, out var errors);
        Assert.Empty(sites);
        Assert.Contains(errors, e => e.Field == "line 3.kind");
    }

    [Fact]
    public void CsvWithAMissingColumnIsRefused()
    {
        SiteFiles.FromCsv("code,name,level,kind\n", out var errors);
        Assert.Equal("header", Assert.Single(errors).Field);
    }

    [Fact]
    public void CsvReaderHandlesQuotesNewlinesAndBom()
    {
        var records = Csv.Read("\uFEFFa,\"b,1\",\"c \"\"q\"\"\"\r\n\"multi\nline\",x,\r\n").ToList();
        Assert.Equal(2, records.Count);
        Assert.Equal(["a", "b,1", "c \"q\""], records[0].Fields);
        Assert.Equal(["multi\nline", "x", ""], records[1].Fields);
        Assert.Equal(2, records[1].Line);
    }

    [Fact]
    public void UnterminatedQuoteIsAFormatError() =>
        Assert.Throws<FormatException>(() => Csv.Read("a,\"b\n").ToList());
}
