using System.Text;
using Conferencing.Server.Meetings;
using Conferencing.Server.Sites;
using Conferencing.Server.Tests.Infrastructure;

namespace Conferencing.Server.Tests.Meetings;

public sealed class DelegateCsvTests
{
    private static readonly SiteIndex Sites = new(SiteTree.Build(
    [
        .. ConsoleSeed.Sites(),

        // The old three-level shape repeats commune names across districts.
        new Site("PT-H-DH", "Huyện Đoan Hùng", "PT", SiteLevel.District, SiteKind.District),
        new Site("PT-X-SV2", "Xã Sơn Vi", "PT-H-DH", SiteLevel.Commune, SiteKind.Commune),
    ]));

    private static readonly string[] Meeting = ["PT", "PT-X-HC", "PT-X-PC", "PT-X-LT", "PT-X-SV"];

    [Fact]
    public void AVietnameseHeaderedListWithSitesByNameOrCodeIsReadWhole()
    {
        const string csv = "\uFEFFHọ và tên,Chức vụ,Đơn vị,Điểm cầu,Điện thoại\r\n"
            + "Nguyễn Văn An,Chủ tịch,UBND xã Hy Cương,Xã Hy Cương,0912 345 678\r\n"
            + "\"Trần Thị Bình, Phó\",,UBND xã,xa pa co,\r\n"
            + "Lê Văn Cường,,,PT-X-LT,+84 210 3847 555\r\n"
            + "\r\n"
            + "Phạm Văn Dũng,,,Xã Sơn Vi,\r\n";
        var result = DelegateCsv.Parse(csv, Sites, Meeting);
        Assert.True(result.Ok, string.Join("; ", result.Errors));
        Assert.Equal(["Nguyễn Văn An", "Trần Thị Bình, Phó", "Lê Văn Cường", "Phạm Văn Dũng"], result.Delegates.Select(d => d.Name));
        Assert.Equal(["PT-X-HC", "PT-X-PC", "PT-X-LT", "PT-X-SV"], result.Delegates.Select(d => d.SiteCode));
        Assert.Equal("0912 345 678", result.Delegates[0].Phone);
        Assert.Null(result.Delegates[1].Title);
        Assert.All(result.Delegates, d => Assert.NotNull(d.Id));
    }

    [Fact]
    public void SemicolonFilesFromAVietnameseSpreadsheetAndAsciiHeadersAreRead()
    {
        var result = DelegateCsv.Parse("ho_ten;chuc_vu;don_vi;diem_cau;dien_thoai\nHoàng Văn Em;;;PT-X-PC;\n", Sites, Meeting);
        Assert.True(result.Ok);
        Assert.Equal("PT-X-PC", Assert.Single(result.Delegates).SiteCode);
    }

    [Fact]
    public void AWindows1258FileFromOlderExcelIsDecodedToTheSameNames()
    {
        System.Text.Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        var bytes = Encoding.GetEncoding(1258).GetBytes(AsWindows1258Writes("name,site\nNguyễn Thị Hường,Xã Hy Cương\n"));
        var result = DelegateCsv.Parse(bytes, Sites, Meeting);
        Assert.True(result.Ok, string.Join("; ", result.Errors));
        Assert.Equal("Nguyễn Thị Hường".Normalize(NormalizationForm.FormC), Assert.Single(result.Delegates).Name);
        Assert.Equal("PT-X-HC", result.Delegates[0].SiteCode);
    }

    /// <summary>
    /// Windows-1258 has the base letters â ê ô ă ơ ư đ but not the toned ones: a tone is a combining
    /// mark after the letter, as Excel writes it.
    /// </summary>
    private static string AsWindows1258Writes(string text)
    {
        const string tones = "\u0300\u0301\u0303\u0309\u0323";
        var output = new StringBuilder();
        var decomposed = text.Normalize(NormalizationForm.FormD);
        for (var i = 0; i < decomposed.Length;)
        {
            var letter = new StringBuilder().Append(decomposed[i++]);
            var tone = new StringBuilder();
            for (; i < decomposed.Length && char.GetUnicodeCategory(decomposed[i]) == System.Globalization.UnicodeCategory.NonSpacingMark; i++)
            {
                (tones.Contains(decomposed[i], StringComparison.Ordinal) ? tone : letter).Append(decomposed[i]);
            }

            output.Append(letter.ToString().Normalize(NormalizationForm.FormC)).Append(tone);
        }

        return output.ToString();
    }

    public static TheoryData<string, int, DelegateImportProblem> BadFiles() => new()
    {
        { "", 0, DelegateImportProblem.Empty },
        { "ho_ten,diem_cau\n", 1, DelegateImportProblem.Empty },
        { "chuc_vu,diem_cau\nChủ tịch,PT-X-HC\n", 1, DelegateImportProblem.NoNameColumn },
        { "ho_ten,don_vi\nAn,UBND\n", 1, DelegateImportProblem.NoSiteColumn },
        { "ho_ten,diem_cau\n\"An,PT-X-HC\n", 0, DelegateImportProblem.Malformed },
        { "ho_ten,diem_cau\n,PT-X-HC\n", 2, DelegateImportProblem.NameMissing },
        { $"ho_ten,diem_cau\n{new string('A', 201)},PT-X-HC\n", 2, DelegateImportProblem.NameTooLong },
        { $"ho_ten,chuc_vu,diem_cau\nAn,{new string('c', 201)},PT-X-HC\n", 2, DelegateImportProblem.TitleTooLong },
        { $"ho_ten,don_vi,diem_cau\nAn,{new string('u', 301)},PT-X-HC\n", 2, DelegateImportProblem.UnitTooLong },
        { "ho_ten,diem_cau\nAn,\n", 2, DelegateImportProblem.SiteMissing },
        { "ho_ten,diem_cau\nAn,Xã Không Có\n", 2, DelegateImportProblem.SiteUnknown },
        { "ho_ten,diem_cau\nAn,Xã Đoan Hùng\n", 2, DelegateImportProblem.SiteNotInMeeting },
        { "ho_ten,diem_cau,dien_thoai\nAn,PT-X-HC,goi-toi\n", 2, DelegateImportProblem.PhoneInvalid },
        { "ho_ten,diem_cau,dien_thoai\nAn,PT-X-HC,12345\n", 2, DelegateImportProblem.PhoneInvalid },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void ABadFileIsRefusedWholeNamingTheLineAndTheProblem(string csv, int line, DelegateImportProblem problem)
    {
        var result = DelegateCsv.Parse(csv, Sites, Meeting);
        Assert.False(result.Ok);
        Assert.Empty(result.Delegates);
        var error = Assert.Single(result.Errors);
        Assert.Equal((line, problem), (error.Line, error.Problem));
    }

    [Fact]
    public void ASiteMayBeNamedWithoutItsUnitWord()
    {
        var result = DelegateCsv.Parse("name,site\nAn,Pà Cò\nBình,hy cuong\nCúc,Lâm Thao\n", Sites, Meeting);
        Assert.True(result.Ok, string.Join("; ", result.Errors));

        // "Lâm Thao" is both a district and a commune; only the commune takes part.
        Assert.Equal(["PT-X-PC", "PT-X-HC", "PT-X-LT"], result.Delegates.Select(d => d.SiteCode));
    }

    [Fact]
    public void ANameSharedByTwoCommunesIsTakenFromTheMeetingOrRefusedAsAmbiguous()
    {
        Assert.Equal("PT-X-SV", Assert.Single(DelegateCsv.Parse("name,site\nAn,Xã Sơn Vi\n", Sites, Meeting).Delegates).SiteCode);
        var both = DelegateCsv.Parse("name,site\nAn,Xã Sơn Vi\n", Sites, [.. Meeting, "PT-X-SV2"]);
        Assert.Equal(DelegateImportProblem.SiteAmbiguous, Assert.Single(both.Errors).Problem);
        Assert.Equal("PT-X-SV2", Assert.Single(DelegateCsv.Parse("name,site\nAn,pt-x-sv2\n", Sites, [.. Meeting, "PT-X-SV2"]).Delegates).SiteCode);
    }

    [Fact]
    public void EveryBadLineIsListedAndTheLimitsHold()
    {
        var result = DelegateCsv.Parse("name,site\n,PT-X-HC\nAn,Xã Không Có\nBình,PT-X-HC\n", Sites, Meeting);
        Assert.Equal([(2, DelegateImportProblem.NameMissing), (3, DelegateImportProblem.SiteUnknown)], result.Errors.Select(e => (e.Line, e.Problem)));

        var tooMany = DelegateCsv.Parse("name,site\nAn,PT-X-HC\nBình,PT-X-HC\n", Sites, Meeting, existingCount: Conferencing.Server.Meetings.Meeting.MaxDelegates - 1);
        Assert.Equal(DelegateImportProblem.TooMany, Assert.Single(tooMany.Errors).Problem);
        Assert.Equal(DelegateImportProblem.TooLarge, Assert.Single(DelegateCsv.Parse(new byte[DelegateCsv.MaxBytes + 1], Sites, Meeting).Errors).Problem);
    }
}
