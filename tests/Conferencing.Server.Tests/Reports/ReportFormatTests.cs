using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Xml.Linq;
using Conferencing.Server.Common;
using Conferencing.Server.Meetings;
using Conferencing.Server.Reports;
using Conferencing.Server.Sites;
using Conferencing.Server.Tests.Infrastructure;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using UglyToad.PdfPig;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Writer;

namespace Conferencing.Server.Tests.Reports;

/// <summary>The report's files and charts from a report built in memory, read back with independent readers.</summary>
public sealed class ReportFormatTests : IDisposable
{
    private static readonly DateOnly Day = VietnamTime.LocalDate(DateTimeOffset.UtcNow).AddDays(3);
    private readonly CultureInfo _culture = CultureInfo.CurrentCulture;
    private readonly CultureInfo _uiCulture = CultureInfo.CurrentUICulture;

    public void Dispose()
    {
        CultureInfo.CurrentCulture = _culture;
        CultureInfo.CurrentUICulture = _uiCulture;
    }

    private static ReportText Vietnamese()
    {
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo("vi-VN");
        var factory = new ResourceManagerStringLocalizerFactory(Options.Create(new LocalizationOptions { ResourcesPath = "Resources" }), NullLoggerFactory.Instance);
        return new ReportText(new StringLocalizer<Ui>(factory));
    }

    /// <summary>A province of <paramref name="communes"/> communes; one meeting of each kind, all held, with a roll call and one quality summary.</summary>
    private static MeetingReport Report(int communes = 8, string? oddName = null)
    {
        var sites = Sample.Province(communes, departments: 2).ToList();
        if (oddName is not null)
        {
            sites[^1] = sites[^1] with { Name = oddName };
        }

        var tree = SiteTree.Build(sites);
        var now = DateTimeOffset.UtcNow;
        var start = VietnamTime.FromLocal(Day, new TimeOnly(8, 0));
        var codes = sites.Where(s => s.Level == SiteLevel.Commune).Select(s => s.Code).ToList();
        var meetings = new List<Meeting>();
        foreach (var (kind, host, i) in new[] { (MeetingKind.RelayedFromCentral, "PT", 0), (MeetingKind.ProvinceHosted, "PT", 1), (MeetingKind.CommuneLevel, codes[0], 2) })
        {
            var m = Meeting.Schedule(Guid.NewGuid(), new MeetingDetails($"Họp {i}", null, kind, host, start.AddHours(3 * i), start.AddHours(3 * i + 2),
                new SiteSelection([], kind == MeetingKind.CommuneLevel ? [codes[1]] : codes), [new(null, "Đại biểu", null, null, codes[1], null)], []), tree, "t", now);
            m.Start(now);
            m.RecordAttendance(codes[1], AttendanceStatus.Present, null, null, "t", now);
            m.End(now);
            meetings.Add(m);
        }

        var quality = new[] { new MeetingSiteQuality(meetings[0].Id, codes[1], 3600, 3600, 0.25, 12, 40, 2048) };
        return MeetingReport.Build(new ReportPeriod(Day, Day), meetings, quality, new SiteIndex(tree), now);
    }

    [Fact]
    public void TheCsvCarriesTheProvincesTableTheMonthsAndEverySiteReadableBySpreadsheets()
    {
        var text = Vietnamese();
        var report = Report(communes: 8);
        var bytes = ReportCsv.Write(report, text);
        Assert.Equal(Encoding.UTF8.GetPreamble(), bytes[..3]);

        // Vietnamese: ';' between fields and ',' before decimals, as a spreadsheet set to Vietnamese opens it in columns.
        var rows = Csv.Read(Encoding.UTF8.GetString(bytes), ';').Select(r => r.Fields).ToList();
        Assert.Equal("Báo cáo hội nghị truyền hình trực tuyến", rows[0][0]);
        var total = rows.Single(r => r[0] == "Tổng cộng" && r.Count == 5);
        Assert.Equal(["Tổng cộng", "3", "20", "3", "3"], total);
        Assert.Equal(["Tiếp sóng Trung ương", "1", "9", "1", "1"], rows.Single(r => r[0] == "Tiếp sóng Trung ương" && r.Count == 5));
        var header = rows.FindIndex(r => r[0] == "Mã điểm cầu");
        Assert.Equal(text.SiteColumns(), rows[header]);
        var siteRows = rows.Skip(header + 1).TakeWhile(r => r.Count == text.SiteColumns().Count).ToList();
        Assert.Equal(report.Sites.Select(s => s.Code), siteRows.Select(r => r[0]));
        var withQuality = siteRows.Single(r => r[0] == "PT-X002");
        Assert.Equal(["3", "3", "0", "0", "0", "100,0", "3"], withQuality.Skip(2).Take(7));
        // Held for no measurable time (started and ended in one instant), so the planned two hours count.
        Assert.Equal(["1", "0,25", "12,0", "50,0", "Tốt"], withQuality.Skip(9));
        Assert.Equal(0.25, double.Parse(withQuality[10], NumberStyles.Float, new CultureInfo("vi-VN")));
    }

    [Fact]
    public void ThePdfReadsBackInVietnameseWithTheSiteTableOverSeveralPages()
    {
        var text = Vietnamese();
        var report = Report(communes: 148, oddName: "Xã <Thử> & \"Mới\" 🙂");
        using var pdf = PdfDocument.Open(ReportPdf.Write(report, text));
        Assert.True(pdf.NumberOfPages >= 3, $"{pdf.NumberOfPages} pages");

        var first = Lines(pdf.GetPage(1));
        Assert.Contains("BÁO CÁO HỘI NGHỊ TRUYỀN HÌNH TRỰC TUYẾN", first);
        Assert.Contains("Tổng cộng 3 300 3 3", first);
        Assert.Contains(first, l => l.EndsWith($"Trang 1/{pdf.NumberOfPages}", StringComparison.Ordinal));

        // Every site is in the table once, whichever page it fell on; the header repeats on each page.
        var all = Enumerable.Range(1, pdf.NumberOfPages).SelectMany(p => Lines(pdf.GetPage(p))).ToList();
        foreach (var site in report.Sites.Where(s => s.Code.StartsWith("PT-X", StringComparison.Ordinal)).Take(147))
        {
            Assert.Single(all, l => l.StartsWith(site.Name + " ", StringComparison.Ordinal));
        }

        Assert.Contains(all, l => l.StartsWith("Xã <Thử> & \"Mới\" ?", StringComparison.Ordinal));
        Assert.True(all.Count(l => l.StartsWith("Điểm cầu Số hội", StringComparison.Ordinal)) >= 2);
    }

    [Fact]
    public void ChartsAreWellFormedSvgWithEveryNumberWrittenOut()
    {
        var text = Vietnamese();
        var report = Report();
        var kinds = XDocument.Parse(ReportCharts.MeetingsByKind(report, text));
        Assert.Equal("svg", kinds.Root!.Name.LocalName);
        Assert.Equal("img", kinds.Root.Attribute("role")!.Value);
        Assert.Equal(3, kinds.Descendants().Count(e => e.Name.LocalName == "rect"));
        Assert.Equal(["1", "1", "1"], kinds.Descendants().Where(e => e.Attribute("class")?.Value == "value").Select(e => e.Value));

        var time = XDocument.Parse(ReportCharts.MeetingsOverTime(report, text));
        Assert.Contains(ReportText.Month(report.ByMonth[0]), time.Descendants().Select(e => e.Value));
        Assert.Equal("3", time.Descendants().Single(e => e.Attribute("class")?.Value == "value").Value);
    }

    [Theory]
    [InlineData("2025-01-01", "2025-12-31", null)]
    [InlineData("2025-1-1", "2025-12-31", "from")]
    [InlineData("2025-01-01", "", "to")]
    [InlineData("2025-12-31", "2025-01-01", "to")]
    [InlineData("2015-01-01", "2025-12-31", "to")]
    [InlineData("<script>", "2025-12-31", "from")]
    public void APeriodIsTwoLocalDaysInOrderAndAtMostTenYears(string from, string to, string? badField)
    {
        if (badField is null)
        {
            var period = ReportPeriod.Parse(from, to);
            Assert.Equal(new DateTimeOffset(2024, 12, 31, 17, 0, 0, TimeSpan.Zero), period.FromUtc);
            Assert.Equal(new DateTimeOffset(2025, 12, 31, 17, 0, 0, TimeSpan.Zero), period.ToUtc);
            return;
        }

        var e = Assert.Throws<DomainException>(() => ReportPeriod.Parse(from, to));
        Assert.Equal(badField, e.Field);
    }

    [Theory]
    [InlineData(0.5, 20.0, QualityGrade.Good)]
    [InlineData(1.0, 20.0, QualityGrade.Fair)]
    [InlineData(0.5, 30.0, QualityGrade.Fair)]
    [InlineData(2.9, 49.9, QualityGrade.Fair)]
    [InlineData(3.0, 10.0, QualityGrade.Poor)]
    [InlineData(0.0, 50.0, QualityGrade.Poor)]
    [InlineData(null, 10.0, QualityGrade.Good)]
    public void QualityGradesFollowTheStatedThresholds(double? loss, double? jitter, QualityGrade grade) =>
        Assert.Equal(grade, QualityFigures.GradeOf(loss, jitter));

    /// <summary>
    /// Drawn, not just extracted: poppler rasterizes "A" and "Á" in both faces, and only the second
    /// may have ink above the capital's top. PdfPig's subsets used to drop the mark of composite
    /// capitals while the text layer still read "Á".
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CapitalsWithMarksAreDrawnWithTheirMarks(bool bold)
    {
        var builder = new PdfDocumentBuilder();
        var font = bold ? PdfFonts.AddBold(builder) : PdfFonts.AddRegular(builder);
        var page = builder.AddPage(400, 200);
        page.AddText("A", 100, new PdfPoint(50, 40), font);
        page.AddText("Á", 100, new PdfPoint(200, 40), font);
        var path = Path.Combine(Path.GetTempPath(), $"conferencing-capitals-{Guid.NewGuid():N}");
        await File.WriteAllBytesAsync(path + ".pdf", builder.Build()).DefaultTimeout();
        try
        {
            using var process = Process.Start(new ProcessStartInfo("pdftoppm", ["-r", "72", "-gray", "-singlefile", path + ".pdf", path]) { RedirectStandardError = true })!;
            await process.WaitForExitAsync().DefaultTimeout();
            Assert.Equal(0, process.ExitCode);
            var (width, pixels) = ReadPgm(await File.ReadAllBytesAsync(path + ".pgm").DefaultTimeout());

            // Noto Sans capitals reach 714/1000 em: 71 pt above the baseline at 100 pt, one pixel a point.
            const int baselineRow = 200 - 40;
            int Ink(int fromX, int toX) => Enumerable.Range(baselineRow - 100, 100 - 76).Sum(row => Enumerable.Range(fromX, toX - fromX).Count(x => pixels[row * width + x] < 128));
            Assert.Equal(0, Ink(50, 130));
            Assert.True(Ink(200, 280) > 40, "the acute of Á is missing");
        }
        finally
        {
            File.Delete(path + ".pdf");
            File.Delete(path + ".pgm");
        }
    }

    private static (int Width, byte[] Pixels) ReadPgm(byte[] file)
    {
        // Binary PGM: "P5", width, height, max value, then one byte per pixel.
        var fields = new List<string>();
        var at = 0;
        while (fields.Count < 4)
        {
            while (char.IsWhiteSpace((char)file[at]))
            {
                at++;
            }

            var start = at;
            while (!char.IsWhiteSpace((char)file[at]))
            {
                at++;
            }

            fields.Add(Encoding.ASCII.GetString(file, start, at - start));
        }

        Assert.Equal("P5", fields[0]);
        return (int.Parse(fields[1], CultureInfo.InvariantCulture), file[(at + 1)..]);
    }

    /// <summary>The page's words joined into lines by their baseline, left to right.</summary>
    private static List<string> Lines(Page page) =>
        page.GetWords().GroupBy(w => Math.Round(w.BoundingBox.Bottom))
            .OrderByDescending(g => g.Key)
            .Select(g => string.Join(' ', g.OrderBy(w => w.BoundingBox.Left).Select(w => w.Text)))
            .ToList();
}
