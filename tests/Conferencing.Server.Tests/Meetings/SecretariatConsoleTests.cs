using System.Text.RegularExpressions;
using Conferencing.Server.Common;
using Conferencing.Server.Meetings;
using Conferencing.Server.Sites;
using Conferencing.Server.Tests.Infrastructure;
using Conferencing.Sip.UserAgent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Conferencing.Server.Tests.Meetings;

/// <summary>
/// The secretariat's pages in Chromium against the real server and store: sign in, schedule a
/// meeting for a district's subtree, see a conflict before saving, run the meeting.
/// </summary>
public sealed partial class SecretariatConsoleTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private ConferencingFactory _factory = null!;
    private string _url = null!;
    private SipUserAgent? _room;

    private MeetingService Meetings => _factory.Services.GetRequiredService<MeetingService>();

    public async Task InitializeAsync()
    {
        _factory = new ConferencingFactory(TestDatabase.Sqlite());
        _url = BrowserFixture.StartKestrel(_factory);

        // Xã Pà Cò's room is a real SIP user agent on loopback, probed by the server's OPTIONS keepalive.
        _room = new SipUserAgent(new SipUserAgentOptions { User = "paco" });
        var port = _room.Stack.UdpEndPoint.Address.Port;
        await ConsoleSeed.SeedAsync(_factory, s => s.Code == "PT-X-PC" ? $"sip:paco@127.0.0.1:{port}" : $"sip:{s.Code.ToLowerInvariant()}@rooms.invalid");
        await ConsoleSeed.CreateStaffAsync(_factory, ConsoleSeed.SecretariatUser, "Secretariat", "Văn phòng UBND tỉnh");
    }

    public async Task DisposeAsync()
    {
        if (_room is not null)
        {
            await _room.DisposeAsync();
        }

        await _factory.DisposeAsync();
        await _factory.Database.DisposeAsync();
    }

    private async Task<IPage> SignedInPageAsync(IBrowserContext context, string user = ConsoleSeed.SecretariatUser)
    {
        var page = await context.NewPageAsync().DefaultTimeout();
        await BrowserFixture.SignInAsync(page, _url, user, ConferencingFactory.StaffPassword);
        return page;
    }

    private static async Task FillTimesAsync(IPage page, DateTimeOffset start, DateTimeOffset end)
    {
        // Typed the Vietnamese way (dd/MM/yyyy, 24-hour): the fields follow the interface, not the browser's language.
        async Task TypeAsync(string field, string value)
        {
            await page.Locator(field).FillAsync(value).DefaultTimeout();
            await page.Locator(field).PressAsync("Tab").DefaultTimeout();
        }

        await TypeAsync("#start-date", start.ToString("dd/MM/yyyy", System.Globalization.CultureInfo.InvariantCulture));
        await TypeAsync("#start-time", start.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture));
        await TypeAsync("#end-date", end.ToString("dd/MM/yyyy", System.Globalization.CultureInfo.InvariantCulture));
        await TypeAsync("#end-time", end.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture));
    }

    private async Task<Guid> SavedMeetingIdAsync(IPage page)
    {
        // Saving navigates inside the circuit (history API): poll the address rather than wait for a load event.
        await Assertions.Expect(page).ToHaveURLAsync(MeetingUrl()).DefaultTimeout();
        return Guid.Parse(MeetingUrl().Match(page.Url).Groups[1].Value);
    }

    [Fact]
    public async Task TheSecretariatSchedulesADistrictSubtreeThenSeesAConflictInlineBeforeSaving()
    {
        await using var context = await browser.Browser.NewContextAsync().DefaultTimeout();
        var page = await SignedInPageAsync(context);

        // Navigation follows the role: the secretariat has the calendar and reports, not the audit trail.
        var nav = page.GetByRole(AriaRole.Navigation);
        await Assertions.Expect(nav.GetByRole(AriaRole.Link, new() { Name = "Lịch họp" })).ToBeVisibleAsync().DefaultTimeout();
        await Assertions.Expect(nav.GetByRole(AriaRole.Link, new() { Name = "Báo cáo" })).ToBeVisibleAsync().DefaultTimeout();
        await Assertions.Expect(nav.GetByRole(AriaRole.Link, new() { Name = "Nhật ký" })).ToHaveCountAsync(0).DefaultTimeout();

        await nav.GetByRole(AriaRole.Link, new() { Name = "Lịch họp" }).ClickAsync().DefaultTimeout();
        await page.GetByTestId("new-meeting").ClickAsync().DefaultTimeout();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Tạo hội nghị").DefaultTimeout();

        // A commune-level meeting hosted by the district, for its whole subtree.
        var start = ConsoleSeed.LocalDay(3, 9);
        await page.Locator("#title").FillAsync("Giao ban huyện Lâm Thao").DefaultTimeout();
        await page.Locator("input[name=kind][value=CommuneLevel]").CheckAsync().DefaultTimeout();
        await page.Locator("#host").FillAsync("huyen lam thao").DefaultTimeout();
        await Assertions.Expect(page.Locator("#host-list li").First).ToContainTextAsync("Huyện Lâm Thao").DefaultTimeout();
        await page.Locator("#host").PressAsync("Enter").DefaultTimeout();
        await FillTimesAsync(page, start, start.AddHours(2));
        await page.Locator(".site-picker-search").FillAsync("lam thao").DefaultTimeout();
        await page.GetByLabel("Huyện Lâm Thao", new() { Exact = true }).CheckAsync().DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("selected-count")).ToHaveTextAsync("Đã chọn 4 điểm cầu (3 có thiết bị)").DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("no-conflicts")).ToBeVisibleAsync().DefaultTimeout();
        await page.GetByTestId("save").ClickAsync().DefaultTimeout();
        var firstId = await SavedMeetingIdAsync(page);

        var first = await Meetings.GetAsync(firstId, CancellationToken.None).DefaultTimeout();
        Assert.NotNull(first);
        Assert.Equal(MeetingKind.CommuneLevel, first.Kind);
        Assert.Equal("PT-H-LT", first.HostSiteCode);
        Assert.Equal(["PT-H-LT"], first.Selection.Subtrees);
        Assert.Equal(["PT-H-LT", "PT-X-LT", "PT-X-SV", "PT-X-XL"], first.SiteCodes);
        Assert.Equal(start.ToUniversalTime(), first.StartUtc);

        // A province meeting an hour later: free with Hy Cương, a conflict as soon as Lâm Thao is ticked.
        await page.GotoAsync(_url + "/meetings/new").DefaultTimeout();
        await page.Locator("#title").FillAsync("Hội nghị chen ngang").DefaultTimeout();
        await FillTimesAsync(page, start.AddHours(1), start.AddHours(3));
        await page.Locator(".site-picker-search").FillAsync("hy cuong").DefaultTimeout();
        await page.GetByLabel("Xã Hy Cương", new() { Exact = true }).CheckAsync().DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("no-conflicts")).ToBeVisibleAsync().DefaultTimeout();
        await page.Locator(".site-picker-search").FillAsync("xa lam thao").DefaultTimeout();
        await page.GetByLabel("Xã Lâm Thao", new() { Exact = true }).CheckAsync().DefaultTimeout();

        var conflict = page.GetByTestId("conflict");
        await Assertions.Expect(conflict).ToContainTextAsync("Giao ban huyện Lâm Thao").DefaultTimeout();
        await Assertions.Expect(conflict).ToContainTextAsync("Xã Lâm Thao").DefaultTimeout();
        await Assertions.Expect(conflict).Not.ToContainTextAsync("Xã Hy Cương").DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("save")).ToBeDisabledAsync().DefaultTimeout();
        Assert.Single(await Meetings.ListAsync(new MeetingQuery(), CancellationToken.None).DefaultTimeout());

        await page.GetByTestId("untick-conflicts").ClickAsync().DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("no-conflicts")).ToBeVisibleAsync().DefaultTimeout();
        await page.GetByTestId("save").ClickAsync().DefaultTimeout();
        var second = await Meetings.GetAsync(await SavedMeetingIdAsync(page), CancellationToken.None).DefaultTimeout();
        Assert.NotNull(second);
        Assert.Equal(["PT", "PT-X-HC"], second.SiteCodes);

        // Documents are added once the meeting exists: the new form says so, the edit form takes them.
        await page.GotoAsync(_url + "/meetings/new").DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("documents-after-save")).ToBeVisibleAsync().DefaultTimeout();
        await page.GotoAsync($"{_url}/meetings/{second.Id}/edit").DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("document-manager")).ToHaveAttributeAsync("data-ready", "true").DefaultTimeout();

        // Both are on the week's calendar, filtered by site.
        await page.GotoAsync($"{_url}/meetings?date={start:yyyy-MM-dd}&site=PT-X-LT").DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("meeting-card")).ToHaveCountAsync(1).DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("meeting-card")).ToContainTextAsync("Giao ban huyện Lâm Thao").DefaultTimeout();
    }

    [Fact]
    public async Task RollCallFloorAndConnectionStateRunOnTheLivePage()
    {
        var start = ConsoleSeed.LocalDay(1, 14);
        var meeting = await Meetings.ScheduleAsync(new MeetingDetails(
            "Hội nghị trực tuyến về chuyển đổi số", null, MeetingKind.ProvinceHosted, "PT", start, start.AddHours(2),
            new SiteSelection([], ["PT-X-HC", "PT-X-PC", "PT-X-DH", "PT-X-HH"]), [], []), "test", CancellationToken.None).DefaultTimeout();

        await using var context = await browser.Browser.NewContextAsync().DefaultTimeout();
        var page = await SignedInPageAsync(context);
        await page.GotoAsync($"{_url}/meetings/{meeting.Id}").DefaultTimeout();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Hội nghị trực tuyến về chuyển đổi số").DefaultTimeout();

        // Pà Cò's room answers the keepalive: its row turns online (not yet the meeting's green) without a reload.
        var paCo = page.Locator("tr[data-site='PT-X-PC']");
        await Assertions.Expect(paCo.GetByTestId("connection")).ToHaveTextAsync("Trực tuyến", new() { Timeout = 20_000 }).DefaultTimeout();
        await Assertions.Expect(page.Locator("tr[data-site='PT-X-HC']").GetByTestId("connection")).ToHaveTextAsync("Chưa kết nối").DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("count-up")).ToHaveTextAsync("1").DefaultTimeout();

        await page.GetByTestId("start").ClickAsync().DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("confirm-start-count")).ToContainTextAsync("gọi 5 điểm cầu").DefaultTimeout();
        await page.GetByTestId("confirm-start-yes").ClickAsync().DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("meeting-status")).ToHaveTextAsync("Đang diễn ra").DefaultTimeout();

        // The paperless room runs from the same page: the speaking queue and the presenter's document,
        // and a way to the chair's full page.
        var room = page.GetByTestId("live-room");
        await Assertions.Expect(room.GetByTestId("speaking-queue")).ToHaveAttributeAsync("data-ready", "true").DefaultTimeout();
        await Assertions.Expect(room.GetByTestId("speaking-queue")).ToContainTextAsync("Chưa có").DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("chair-link")).ToHaveAttributeAsync("href", $"/meetings/{meeting.Id}/room").DefaultTimeout();

        // Every connected site present at once, then one late and one absent with a reason.
        await page.GetByTestId("present-connected").ClickAsync().DefaultTimeout();
        await Assertions.Expect(paCo.GetByTestId("attendance")).ToHaveTextAsync("Có mặt").DefaultTimeout();
        var hyCuong = page.Locator("tr[data-site='PT-X-HC']");
        await hyCuong.GetByRole(AriaRole.Button, new() { Name = "Đến muộn" }).ClickAsync().DefaultTimeout();
        await Assertions.Expect(hyCuong.GetByTestId("attendance")).ToContainTextAsync("Đến muộn").DefaultTimeout();
        var doanHung = page.Locator("tr[data-site='PT-X-DH']");
        await doanHung.GetByRole(AriaRole.Button, new() { Name = "Vắng…" }).ClickAsync().DefaultTimeout();
        await doanHung.GetByTestId("absent-reason").FillAsync("Mất điện").DefaultTimeout();
        await doanHung.GetByTestId("absent-reason").PressAsync("Enter").DefaultTimeout();
        await Assertions.Expect(doanHung.GetByTestId("attendance")).ToHaveTextAsync("Vắng: Mất điện").DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("count-unrecorded")).ToHaveTextAsync("2").DefaultTimeout();

        // No room here answers a call (the user agent takes no calls, the others do not exist): none is
        // in the meeting, so none is offered the floor (LiveMeetingPageTests gives it to rooms in the call).
        await Assertions.Expect(hyCuong.GetByTestId("connection")).ToHaveAttributeAsync("data-phase", new Regex("^(Dialling|Dropped)$")).DefaultTimeout();
        await Assertions.Expect(page.Locator(".floor-button")).ToHaveCountAsync(0).DefaultTimeout();

        var saved = await Meetings.GetAsync(meeting.Id, CancellationToken.None).DefaultTimeout();
        Assert.NotNull(saved);
        Assert.Equal(MeetingStatus.Live, saved.Status);
        Assert.Null(saved.FloorSiteCode);
        var roll = saved.RollCall.ToDictionary(r => r.SiteCode);
        Assert.Equal(AttendanceStatus.Present, roll["PT-X-PC"].Status);
        Assert.Equal(AttendanceStatus.Late, roll["PT-X-HC"].Status);
        Assert.NotNull(roll["PT-X-HC"].ArrivedUtc);
        Assert.Equal((AttendanceStatus.Absent, "Mất điện"), (roll["PT-X-DH"].Status, roll["PT-X-DH"].Reason));
        Assert.Equal(ConsoleSeed.SecretariatUser, roll["PT-X-DH"].RecordedBy);

        // A change made elsewhere (the API, another browser) shows without a reload.
        await Meetings.RecordAttendanceAsync(meeting.Id, "PT-X-HH", AttendanceStatus.Present, null, null, null, "other", CancellationToken.None).DefaultTimeout();
        await Assertions.Expect(page.Locator("tr[data-site='PT-X-HH']").GetByTestId("attendance")).ToHaveTextAsync("Có mặt").DefaultTimeout();

        // A site the relay cannot bring into the call is red, whatever its room's keepalive says.
        await Assertions.Expect(paCo.GetByTestId("connection")).ToHaveTextAsync("Rớt khỏi hội nghị", new() { Timeout = 30_000 }).DefaultTimeout();
        await _room!.DisposeAsync();
        _room = null;

        await page.GetByTestId("end").ClickAsync().DefaultTimeout();
        await page.GetByTestId("confirm-end").ClickAsync().DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("meeting-status")).ToHaveTextAsync("Đã kết thúc").DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("history")).ToContainTextAsync("kết thúc hội nghị").DefaultTimeout();
        Assert.Equal(MeetingStatus.Ended, (await Meetings.GetAsync(meeting.Id, CancellationToken.None).DefaultTimeout())!.Status);
    }

    [Fact]
    public async Task DelegatesComeFromASpreadsheetAndABadFileChangesNothing()
    {
        await using var context = await browser.Browser.NewContextAsync().DefaultTimeout();
        var page = await SignedInPageAsync(context);
        await page.GotoAsync(_url + "/meetings/new").DefaultTimeout();
        var start = ConsoleSeed.LocalDay(4, 8);
        await page.Locator("#title").FillAsync("Hội nghị tổng kết năm").DefaultTimeout();
        await FillTimesAsync(page, start, start.AddHours(3));
        await page.GetByTestId("tick-communes").ClickAsync().DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("selected-count")).ToHaveTextAsync("Đã chọn 9 điểm cầu (9 có thiết bị)").DefaultTimeout();

        // Line 3 names a site that does not exist: the file is refused whole, with the line named.
        var upload = page.Locator("input[type=file]");
        await upload.SetInputFilesAsync(new FilePayload
        {
            Name = "dai-bieu.csv", MimeType = "text/csv",
            Buffer = System.Text.Encoding.UTF8.GetBytes("ho_ten,chuc_vu,don_vi,diem_cau,dien_thoai\nNguyễn Văn An,Chủ tịch,UBND xã,Xã Hy Cương,0912345678\nTrần Văn Bình,,,Xã Không Có,\n"),
        }).DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("import-errors")).ToContainTextAsync("Dòng 3: không có điểm cầu «Xã Không Có».").DefaultTimeout();
        await Assertions.Expect(page.Locator("#delegates-title")).ToContainTextAsync("(0)").DefaultTimeout();

        await upload.SetInputFilesAsync(new FilePayload
        {
            Name = "dai-bieu.csv", MimeType = "text/csv",
            Buffer = System.Text.Encoding.UTF8.GetBytes("ho_ten;diem_cau;dien_thoai\nNguyễn Văn An;Xã Hy Cương;0912345678\nTrần Văn Bình;pa co;\nLê Thị Cúc;PT-X-LT;\n"),
        }).DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("import-result")).ToContainTextAsync("Đã thêm 3 đại biểu").DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("delegates").Locator("tbody tr")).ToHaveCountAsync(3).DefaultTimeout();

        await page.GetByTestId("add-agenda").ClickAsync().DefaultTimeout();
        await page.GetByLabel("Nội dung 1").FillAsync("Báo cáo tổng kết").DefaultTimeout();
        await page.GetByLabel("Số phút 1").FillAsync("30").DefaultTimeout();
        await page.GetByTestId("save").ClickAsync().DefaultTimeout();
        var saved = await Meetings.GetAsync(await SavedMeetingIdAsync(page), CancellationToken.None).DefaultTimeout();
        Assert.NotNull(saved);
        Assert.Equal(["Nguyễn Văn An", "Trần Văn Bình", "Lê Thị Cúc"], saved.Delegates.Select(d => d.Name));
        Assert.Equal(["PT-X-HC", "PT-X-PC", "PT-X-LT"], saved.Delegates.Select(d => d.SiteCode));
        Assert.Equal("0912345678", saved.Delegates[0].Phone);
        var item = Assert.Single(saved.Agenda);
        Assert.Equal(("Báo cáo tổng kết", (int?)30), (item.Title, item.DurationMinutes));
        Assert.Equal(["PT", "PT-P-VT", "PT-X-DH", "PT-X-HC", "PT-X-HH", "PT-X-LT", "PT-X-PC", "PT-X-SV", "PT-X-XL"], saved.SiteCodes);
    }

    [Fact]
    public async Task ATechnicianFollowsMeetingsInEnglishWithoutRunningThem()
    {
        var start = ConsoleSeed.LocalDay(1, 8);
        var meeting = await Meetings.ScheduleAsync(new MeetingDetails("Giao ban kỹ thuật", null, MeetingKind.ProvinceHosted, "PT", start, start.AddHours(1),
            new SiteSelection([], ["PT-X-PC"]), [], []), "test", CancellationToken.None).DefaultTimeout();
        await ConsoleSeed.CreateStaffAsync(_factory, ConsoleSeed.TechnicianUser, "Technician", "Kỹ thuật viên");
        await using var context = await browser.Browser.NewContextAsync().DefaultTimeout();
        var page = await SignedInPageAsync(context, ConsoleSeed.TechnicianUser);
        await page.GetByRole(AriaRole.Link, new() { Name = "English" }).ClickAsync().DefaultTimeout();

        var nav = page.GetByRole(AriaRole.Navigation);
        await Assertions.Expect(nav.GetByRole(AriaRole.Link, new() { Name = "Endpoint monitoring" })).ToBeVisibleAsync().DefaultTimeout();
        await Assertions.Expect(nav.GetByRole(AriaRole.Link, new() { Name = "Reports" })).ToHaveCountAsync(0).DefaultTimeout();
        await nav.GetByRole(AriaRole.Link, new() { Name = "Meetings" }).ClickAsync().DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("week")).ToContainTextAsync("Monday").DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("new-meeting")).ToHaveCountAsync(0).DefaultTimeout();
        await page.GetByTestId("view-month").ClickAsync().DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("calendar-range")).ToHaveTextAsync(VietnamTime.ToLocal(DateTimeOffset.UtcNow).ToString("MMMM yyyy", System.Globalization.CultureInfo.GetCultureInfo("en-US"))).DefaultTimeout();

        await page.GotoAsync($"{_url}/meetings/{meeting.Id}").DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("meeting-status")).ToHaveTextAsync("Scheduled").DefaultTimeout();
        await Assertions.Expect(page.Locator("tr[data-site='PT-X-PC']")).ToContainTextAsync("Xã Pà Cò").DefaultTimeout();

        // A change made elsewhere redraws the page from another thread, still in the reader's language.
        await Meetings.PrepareAsync(meeting.Id, null, "test", CancellationToken.None).DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("meeting-status")).ToHaveTextAsync("Preparing").DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("history")).ToContainTextAsync("opened preparation").DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("lifecycle")).ToHaveCountAsync(0).DefaultTimeout();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Present" })).ToHaveCountAsync(0).DefaultTimeout();
        await page.GotoAsync($"{_url}/meetings/{meeting.Id}/edit").DefaultTimeout();
        await Assertions.Expect(page.Locator(".notice")).ToContainTextAsync("not allowed").DefaultTimeout();
    }

    [GeneratedRegex(@"/meetings/([0-9a-f-]{36})$")]
    private static partial Regex MeetingUrl();
}
