using System.Globalization;
using System.Text;
using Conferencing.Server.Common;
using Conferencing.Server.Meetings;
using Conferencing.Server.Reports;
using Conferencing.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using UglyToad.PdfPig;

namespace Conferencing.Server.Tests.Reports;

/// <summary>
/// The report page in Chromium: the figures on the page and in the exported CSV and PDF are checked
/// against the meetings in the store, counted here independently of the report code.
/// </summary>
public sealed class ReportPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private ConferencingFactory _factory = null!;
    private string _url = null!;

    private MeetingService Meetings => _factory.Services.GetRequiredService<MeetingService>();

    public async Task InitializeAsync()
    {
        _factory = new ConferencingFactory(TestDatabase.Sqlite());
        _url = BrowserFixture.StartKestrel(_factory);
        await ConsoleSeed.SeedAsync(_factory);
        await ConsoleSeed.CreateStaffAsync(_factory, ConsoleSeed.SecretariatUser, "Secretariat", "Văn phòng UBND tỉnh");
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _factory.Database.DisposeAsync();
    }

    private async Task<Meeting> HoldAsync(string title, MeetingKind kind, string host, DateTimeOffset start, string[] sites, int delegates, params (string Site, AttendanceStatus Status)[] roll)
    {
        var people = Enumerable.Range(0, delegates).Select(i => new DelegateInput(null, $"Đại biểu {i + 1}", null, null, sites[i % sites.Length], null)).ToList();
        var m = await Meetings.ScheduleAsync(new MeetingDetails(title, null, kind, host, start, start.AddHours(2), new SiteSelection([], sites), people, []), "test", CancellationToken.None).DefaultTimeout();
        await Meetings.StartAsync(m.Id, null, "test", CancellationToken.None).DefaultTimeout();
        foreach (var (site, status) in roll)
        {
            await Meetings.RecordAttendanceAsync(m.Id, site, status, status == AttendanceStatus.Absent ? "Mất điện" : null, null, null, "test", CancellationToken.None).DefaultTimeout();
        }

        return await Meetings.EndAsync(m.Id, null, "test", CancellationToken.None).DefaultTimeout();
    }

    [Fact]
    public async Task TheSecretariatExportsAReportWhoseFiguresMatchTheStore()
    {
        var from = VietnamTime.LocalDate(DateTimeOffset.UtcNow).AddDays(1);
        var to = from.AddDays(1);
        DateTimeOffset At(int day, int hour) => VietnamTime.FromLocal(from.AddDays(day), new TimeOnly(hour, 0));
        var relayed = await HoldAsync("Chính phủ với các địa phương", MeetingKind.RelayedFromCentral, "PT", At(0, 8), ["PT-X-HC", "PT-X-PC", "PT-X-DH", "PT-X-HH"], 6,
            ("PT-X-HC", AttendanceStatus.Present), ("PT-X-PC", AttendanceStatus.Late), ("PT-X-DH", AttendanceStatus.Absent));
        await HoldAsync("Giao ban tỉnh", MeetingKind.ProvinceHosted, "PT", At(0, 14), ["PT-X-HC", "PT-P-VT"], 2, ("PT-X-HC", AttendanceStatus.Present));
        await HoldAsync("Giao ban xã Hy Cương", MeetingKind.CommuneLevel, "PT-X-HC", At(1, 8), ["PT-X-PC"], 1, ("PT-X-PC", AttendanceStatus.Absent));
        await HoldAsync("Họp huyện", MeetingKind.CommuneLevel, "PT-H-LT", At(1, 14), ["PT-X-LT", "PT-X-XL", "PT-X-SV"], 3);
        var cancelled = await Meetings.ScheduleAsync(new MeetingDetails("Hoãn", null, MeetingKind.ProvinceHosted, "PT", At(1, 16), At(1, 17), new SiteSelection([], ["PT-X-HH"]), [], []), "test", CancellationToken.None).DefaultTimeout();
        await Meetings.CancelAsync(cancelled.Id, null, "Lùi lịch", "test", CancellationToken.None).DefaultTimeout();
        await _factory.Services.GetRequiredService<MeetingQualityStore>().UpsertAsync(new MeetingSiteQuality(relayed.Id, "PT-X-HC", 7000, 7000, 0.42, 18.5, 60, 2048), CancellationToken.None).DefaultTimeout();

        // The figures, counted from the store here rather than by the report code.
        var (fromUtc, toUtc) = (VietnamTime.StartOfDayUtc(from), VietnamTime.StartOfDayUtc(to.AddDays(1)));
        var held = (await Meetings.ListAsync(new MeetingQuery(fromUtc, toUtc), CancellationToken.None).DefaultTimeout())
            .Where(m => m.StartUtc >= fromUtc && m.Status is MeetingStatus.Live or MeetingStatus.Ended).ToList();
        string[] Expected(IEnumerable<Meeting> meetings, string label) =>
            [label, meetings.Count().ToString(CultureInfo.InvariantCulture), meetings.Sum(m => m.SiteCodes.Count).ToString(CultureInfo.InvariantCulture), meetings.Sum(m => m.Delegates.Count).ToString(CultureInfo.InvariantCulture)];
        var total = Expected(held, "Tổng cộng");
        var communeLevel = Expected(held.Where(m => m.Kind == MeetingKind.CommuneLevel), "Cấp xã");
        Assert.Equal(["Tổng cộng", "4", "14", "12"], total);
        int Roll(string site, AttendanceStatus status) => held.Count(m => m.RollCall.Any(r => r.SiteCode == site && r.Status == status));

        await using var context = await browser.Browser.NewContextAsync(new() { AcceptDownloads = true }).DefaultTimeout();
        var page = await context.NewPageAsync().DefaultTimeout();
        await BrowserFixture.SignInAsync(page, _url, ConsoleSeed.SecretariatUser, ConferencingFactory.StaffPassword);
        await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Báo cáo" }).ClickAsync().DefaultTimeout();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Báo cáo").DefaultTimeout();
        // The end first: the default period is this year, and the end moves back only as far as tomorrow.
        await page.Locator("#report-to").FillAsync(to.ToString("dd/MM/yyyy", CultureInfo.InvariantCulture)).DefaultTimeout();
        await page.Locator("#report-to").PressAsync("Tab").DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("report-period")).ToContainTextAsync($"đến ngày {to:dd/MM/yyyy}").DefaultTimeout();
        await page.Locator("#report-from").FillAsync(from.ToString("dd/MM/yyyy", CultureInfo.InvariantCulture)).DefaultTimeout();
        await page.Locator("#report-from").PressAsync("Tab").DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("report-period")).ToContainTextAsync($"Từ ngày {from:dd/MM/yyyy}").DefaultTimeout();

        var byKind = page.GetByTestId("by-kind");
        await Assertions.Expect(byKind.Locator("tr[data-kind=Total] td").Nth(0)).ToHaveTextAsync(total[1]).DefaultTimeout();
        await Assertions.Expect(byKind.Locator("tr[data-kind=Total] td").Nth(1)).ToHaveTextAsync(total[2]).DefaultTimeout();
        await Assertions.Expect(byKind.Locator("tr[data-kind=CommuneLevel] td").Nth(0)).ToHaveTextAsync(communeLevel[1]).DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("cancelled")).ToHaveTextAsync("1").DefaultTimeout();
        await Assertions.Expect(page.Locator("svg.chart")).ToHaveCountAsync(2).DefaultTimeout();

        // The CSV.
        var csvDownload = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("export-csv").ClickAsync()).DefaultTimeout();
        Assert.Equal($"bao-cao-hoi-nghi_{Display(from)}_{Display(to)}.csv", csvDownload.SuggestedFilename);
        var csvBytes = await File.ReadAllBytesAsync((await csvDownload.PathAsync().DefaultTimeout())!).DefaultTimeout();
        Assert.Equal(Encoding.UTF8.GetPreamble(), csvBytes[..3]);
        var csvText = Encoding.UTF8.GetString(csvBytes);
        // The Vietnamese interface asks for the Vietnamese spreadsheet's form: ';' between fields, ',' before decimals.
        var rows = Csv.Read(csvText, ';').Select(r => r.Fields).ToList();
        Assert.Equal(total, rows.Single(r => r[0] == "Tổng cộng" && r.Count == 5).Take(4));
        Assert.Equal(communeLevel, rows.Single(r => r[0] == "Cấp xã" && r.Count == 5).Take(4));
        Assert.Equal(Expected(held.Where(m => m.Kind == MeetingKind.RelayedFromCentral), "Tiếp sóng Trung ương"), rows.Single(r => r[0] == "Tiếp sóng Trung ương" && r.Count == 5).Take(4));
        Assert.Equal(["Số hội nghị đã hủy trong kỳ", "1"], rows.Single(r => r[0] == "Số hội nghị đã hủy trong kỳ"));
        foreach (var site in new[] { "PT-X-HC", "PT-X-PC", "PT-X-DH" })
        {
            var row = rows.Single(r => r[0] == site);
            Assert.Equal(held.Count(m => m.SiteCodes.Contains(site)).ToString(CultureInfo.InvariantCulture), row[2]);
            Assert.Equal([Roll(site, AttendanceStatus.Present), Roll(site, AttendanceStatus.Late), Roll(site, AttendanceStatus.Absent)], row.Skip(3).Take(3).Select(int.Parse));
        }

        Assert.Equal(["1", "0,42", "18,5"], rows.Single(r => r[0] == "PT-X-HC").Skip(9).Take(3));
        Assert.Equal(18.5, double.Parse(rows.Single(r => r[0] == "PT-X-HC")[11], NumberStyles.Float, new CultureInfo("vi-VN")));

        // The PDF.
        var pdfDownload = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("export-pdf").ClickAsync()).DefaultTimeout();
        using var pdf = PdfDocument.Open(await File.ReadAllBytesAsync((await pdfDownload.PathAsync().DefaultTimeout())!).DefaultTimeout());
        var lines = Enumerable.Range(1, pdf.NumberOfPages).SelectMany(p => pdf.GetPage(p).GetWords()
            .GroupBy(w => Math.Round(w.BoundingBox.Bottom)).OrderByDescending(g => g.Key)
            .Select(g => string.Join(' ', g.OrderBy(w => w.BoundingBox.Left).Select(w => w.Text)))).ToList();
        Assert.Contains(string.Join(' ', total) + " 5", lines);
        Assert.Contains(string.Join(' ', communeLevel) + " 0", lines);
        Assert.Contains(lines, l => l.StartsWith($"Xã Hy Cương {held.Count(m => m.SiteCodes.Contains("PT-X-HC"))} {Roll("PT-X-HC", AttendanceStatus.Present)} 0 0 ", StringComparison.Ordinal));

        // Read again by poppler's pdftotext: the administrative letterhead, the meetings held (not the
        // cancelled one) and the signature block.
        var text = await PdfToTextAsync((await pdfDownload.PathAsync().DefaultTimeout())!);
        Assert.Contains("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", text, StringComparison.Ordinal);
        Assert.Contains("Độc lập - Tự do - Hạnh phúc", text, StringComparison.Ordinal);
        Assert.Contains("TỈNH PHÚ THỌ", text, StringComparison.Ordinal);
        Assert.Matches(@"[Nn]gày \d{2} tháng \d{2} năm \d{4}", text);
        Assert.Contains("Danh sách hội nghị đã tổ chức", text, StringComparison.Ordinal);
        foreach (var title in held.Select(m => m.Title))
        {
            Assert.Contains(title, text, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("Hoãn", text, StringComparison.Ordinal);
        Assert.Contains("NGƯỜI LẬP BÁO CÁO", text, StringComparison.Ordinal);
        Assert.Contains("Nơi nhận:", text, StringComparison.Ordinal);

        // The page lists them too, each a link to its meeting.
        await Assertions.Expect(page.GetByTestId("meeting-list").Locator("tbody tr")).ToHaveCountAsync(held.Count).DefaultTimeout();
    }

    private static async Task<string> PdfToTextAsync(string file)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("pdftotext", ["-layout", "-enc", "UTF-8", file, "-"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("pdftotext did not start; ops/test installs poppler-utils.");
        var output = await process.StandardOutput.ReadToEndAsync().DefaultTimeout();
        await process.WaitForExitAsync().DefaultTimeout();
        Assert.True(process.ExitCode == 0, "pdftotext failed: " + await process.StandardError.ReadToEndAsync().DefaultTimeout());
        return output.Normalize(System.Text.NormalizationForm.FormC);
    }

    private static string Display(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
