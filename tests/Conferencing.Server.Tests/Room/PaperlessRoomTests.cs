using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Conferencing.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Conferencing.Server.Tests.Room;

/// <summary>
/// The paperless room end to end in Chromium: a room TV shows the QR code the server drew, zbarimg
/// reads it, a delegate's phone follows it, confirms, opens a document, follows the chair's page,
/// asks to speak and votes; the chair works from the staff console in another browser context.
/// </summary>
public sealed class PaperlessRoomTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private ConferencingFactory _factory = null!;
    private string _url = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        // Two shared cores and a first pdf.js load: give each expectation time, it still fails if the state never comes.
        Assertions.SetDefaultExpectTimeout(20_000);
        _factory = new ConferencingFactory(TestDatabase.Sqlite());
        _url = BrowserFixture.StartKestrel(_factory);
        _admin = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = new Uri(_url) };
        Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = ConferencingFactory.AdminPassword }).DefaultTimeout()).StatusCode);
        using var csv = new StringContent(Conferencing.Server.Sites.SiteFiles.ToCsv(Sample.MixedTree()), System.Text.Encoding.UTF8, "text/csv");
        Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsync(new Uri("/api/sites/import", UriKind.Relative), csv).DefaultTimeout()).StatusCode);
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        await _factory.DisposeAsync();
        await _factory.Database.DisposeAsync();
    }

    [Fact]
    public async Task ADelegateScansTheRoomCodeConfirmsReadsFollowsTheChairAsksToSpeakAndVotes()
    {
        // The meeting, live, with a three-page report; the commune's TV has a display link.
        var start = DateTimeOffset.UtcNow.AddMinutes(-5);
        var created = await _admin.PostAsJsonAsync("/api/meetings", new
        {
            title = "Hội nghị giao ban trực tuyến tháng 5",
            kind = "ProvinceHosted",
            hostSiteCode = "PT",
            startUtc = start,
            endUtc = start.AddHours(3),
            sites = new { subtrees = Array.Empty<string>(), sites = new[] { "PT-X-HC", "PT-X-PC" } },
            delegates = new object[]
            {
                new { name = "Nguyễn Văn An", unit = "UBND xã Hy Cương", siteCode = "PT-X-HC", phone = "0912 345 678" },
                new { name = "Trần Thị Bình", unit = "UBND xã Pà Cò", siteCode = "PT-X-PC" },
            },
            // Off by default; this meeting lets delegates confirm with their phone's last four digits.
            phoneDigitsProof = true,
        }, ConferencingFactory.Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var meetingId = (await created.Content.ReadFromJsonAsync<JsonElement>().DefaultTimeout()).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsJsonAsync($"/api/meetings/{meetingId}/start", new { }).DefaultTimeout()).StatusCode);
        using (var form = new MultipartFormDataContent())
        {
            form.Add(new ByteArrayContent(SamplePdf.Create(3, "Báo cáo tình hình tháng 5")), "file", "bao-cao.pdf");
            Assert.Equal(HttpStatusCode.Created, (await _admin.PostAsync(new Uri($"/api/meetings/{meetingId}/documents", UriKind.Relative), form).DefaultTimeout()).StatusCode);
        }

        var link = await (await _admin.PostAsJsonAsync("/api/sites/PT-X-HC/display-links", new { label = "TV" }).DefaultTimeout()).Content.ReadFromJsonAsync<JsonElement>().DefaultTimeout();

        // The room TV: its QR code, drawn by the server, read by zbarimg.
        await using var tvContext = await browser.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 720 } }).DefaultTimeout();
        var tv = await tvContext.NewPageAsync().DefaultTimeout();
        var tvErrors = new List<string>();
        tv.Console += (_, m) => { if (m.Type == "error") { tvErrors.Add(m.Text); } };
        tv.PageError += (_, e) => tvErrors.Add(e);
        await tv.GotoAsync(link.GetProperty("url").GetString()!).DefaultTimeout();
        Assert.EndsWith("/display", tv.Url, StringComparison.Ordinal);
        await Assertions.Expect(tv.GetByTestId("meeting-title")).ToHaveTextAsync("Hội nghị giao ban trực tuyến tháng 5").DefaultTimeout();
        await Assertions.Expect(tv.GetByTestId("connection")).ToHaveAttributeAsync("data-state", "connected").DefaultTimeout();
        var qr = tv.GetByTestId("qr");
        await Assertions.Expect(qr).ToBeVisibleAsync().DefaultTimeout();
        var png = await (await tvContext.APIRequest.GetAsync(_url + await qr.GetAttributeAsync("src").DefaultTimeout()).DefaultTimeout()).BodyAsync().DefaultTimeout();
        var joinUrl = await DecodeQrAsync(png);
        Assert.StartsWith(_url + "/j/", joinUrl, StringComparison.Ordinal);

        // A link previewer cannot burn it; a changed code is refused.
        await using var other = await browser.Browser.NewContextAsync().DefaultTimeout();
        var stranger = await other.NewPageAsync().DefaultTimeout();
        var tampered = joinUrl[..^3] + (joinUrl[^3] == 'A' ? "B" : "A") + joinUrl[^2..];
        Assert.Equal(400, (await stranger.GotoAsync(tampered).DefaultTimeout())!.Status);
        await Assertions.Expect(stranger.GetByTestId("notice")).ToContainTextAsync("Mã QR không hợp lệ").DefaultTimeout();

        // The delegate's phone follows the code and confirms with the last digits of the phone.
        await using var phoneContext = await browser.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 390, Height = 844 }, IsMobile = true, HasTouch = true }).DefaultTimeout();
        var phone = await phoneContext.NewPageAsync().DefaultTimeout();
        var errors = new List<string>();
        phone.Console += (_, m) => { if (m.Type == "error") { errors.Add(m.Text); } };
        phone.PageError += (_, e) => errors.Add(e);
        await phone.GotoAsync(joinUrl).DefaultTimeout();
        await phone.GetByTestId("delegate").SelectOptionAsync(new SelectOptionValue { Label = "Nguyễn Văn An · UBND xã Hy Cương" }).DefaultTimeout();
        await phone.GetByTestId("secret").FillAsync("5678").DefaultTimeout();
        await phone.GetByTestId("confirm").ClickAsync().DefaultTimeout();
        await phone.WaitForURLAsync(_url + "/d").DefaultTimeout();
        Assert.DoesNotContain("/j/", phone.Url, StringComparison.Ordinal);
        await Assertions.Expect(phone.GetByTestId("me")).ToHaveTextAsync("Nguyễn Văn An · UBND xã Hy Cương").DefaultTimeout();
        await Assertions.Expect(phone.GetByTestId("connection")).ToHaveAttributeAsync("data-state", "connected").DefaultTimeout();

        // It opens the report itself.
        await phone.GetByTestId("documents").GetByRole(AriaRole.Button).First.ClickAsync().DefaultTimeout();
        var canvas = phone.GetByTestId("page-canvas");
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-rendered", new System.Text.RegularExpressions.Regex(":1$")).DefaultTimeout();
        await Assertions.Expect(phone.GetByTestId("viewer-pages")).ToHaveTextAsync("3").DefaultTimeout();
        Assert.True(await canvas.EvaluateAsync<bool>("c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; for (let i = 0; i < d.length; i += 4) { if (d[i] < 128) return true; } return false; }").DefaultTimeout(),
            "The page canvas has no dark pixel: nothing was drawn.");

        // The chair, in the staff console, presents page 2: the phone rejoins the presenter with one tap and follows.
        await using var chairContext = await browser.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } }).DefaultTimeout();
        var chair = await chairContext.NewPageAsync().DefaultTimeout();
        await BrowserFixture.SignInAsync(chair, _url, "admin", ConferencingFactory.AdminPassword);
        await chair.GotoAsync($"{_url}/meetings/{meetingId}/room").DefaultTimeout();
        await Assertions.Expect(chair.GetByTestId("chair-meeting-title")).ToHaveTextAsync("Hội nghị giao ban trực tuyến tháng 5").DefaultTimeout();
        await WaitForCircuitAsync(chair);
        var follow = phone.GetByTestId("follow");
        await Assertions.Expect(follow).ToHaveTextAsync("Theo người trình bày").DefaultTimeout();
        await follow.ClickAsync().DefaultTimeout();
        await chair.GetByTestId("presenter-document").SelectOptionAsync(new SelectOptionValue { Index = 1 }).DefaultTimeout();
        await Assertions.Expect(chair.GetByTestId("presenter-page")).ToHaveTextAsync("1").DefaultTimeout();
        await chair.GetByTestId("presenter-next").ClickAsync().DefaultTimeout();
        await Assertions.Expect(chair.GetByTestId("presenter-page")).ToHaveTextAsync("2").DefaultTimeout();
        await Assertions.Expect(phone.GetByTestId("viewer-page")).ToHaveTextAsync("2").DefaultTimeout();
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-rendered", new System.Text.RegularExpressions.Regex(":2$")).DefaultTimeout();
        await Assertions.Expect(follow).ToHaveTextAsync("Đang theo người trình bày").DefaultTimeout();
        try
        {
            await Assertions.Expect(tv.GetByTestId("viewer-page")).ToHaveTextAsync("2").DefaultTimeout();
        }
        catch (PlaywrightException e)
        {
            throw new InvalidOperationException("The room display did not show page 2: " + string.Join(" | ", tvErrors), e);
        }

        await Assertions.Expect(tv.GetByTestId("page-canvas")).ToHaveAttributeAsync("data-rendered", new System.Text.RegularExpressions.Regex(":2$")).DefaultTimeout();

        // Turning a page alone stops following; the chair's next page then does not move the phone.
        await phone.GetByRole(AriaRole.Button, new() { Name = "Trang trước" }).ClickAsync().DefaultTimeout();
        await Assertions.Expect(phone.GetByTestId("viewer-page")).ToHaveTextAsync("1").DefaultTimeout();
        await Assertions.Expect(follow).ToHaveTextAsync("Theo người trình bày").DefaultTimeout();
        await chair.GetByTestId("presenter-next").ClickAsync().DefaultTimeout();
        await Assertions.Expect(tv.GetByTestId("viewer-page")).ToHaveTextAsync("3").DefaultTimeout();
        await Assertions.Expect(phone.GetByTestId("viewer-page")).ToHaveTextAsync("1").DefaultTimeout();
        await follow.ClickAsync().DefaultTimeout();
        await Assertions.Expect(phone.GetByTestId("viewer-page")).ToHaveTextAsync("3").DefaultTimeout();

        // Asking to speak: the chair grants it, the floor goes to the delegate's commune.
        await phone.Locator("#back").ClickAsync().DefaultTimeout();
        await phone.GetByTestId("speak").ClickAsync().DefaultTimeout();
        await Assertions.Expect(phone.GetByTestId("speak-state")).ToHaveTextAsync("Đang chờ phát biểu, thứ tự 1").DefaultTimeout();
        var queue = chair.GetByTestId("speaking-queue");
        await Assertions.Expect(queue).ToContainTextAsync("Nguyễn Văn An").DefaultTimeout();
        await queue.GetByTestId("speak-grant").ClickAsync().DefaultTimeout();
        await Assertions.Expect(phone.GetByTestId("speak-state")).ToHaveTextAsync("Mời đồng chí phát biểu").DefaultTimeout();
        await Assertions.Expect(phone.GetByTestId("alert-banner").GetByTestId("alert-turn")).ToHaveTextAsync("Mời đồng chí phát biểu").DefaultTimeout();
        await Assertions.Expect(chair.GetByTestId("speaking-now")).ToContainTextAsync("Xã Hy Cương").DefaultTimeout();
        await Assertions.Expect(tv.GetByTestId("floor")).ToContainTextAsync("Xã Hy Cương").DefaultTimeout();

        // The banner names the site under the site's label and the person under their own: no dangling dot.
        await Assertions.Expect(tv.GetByTestId("floor-site")).ToHaveTextAsync("Điểm cầu phát biểu: Xã Hy Cương").DefaultTimeout();
        await Assertions.Expect(tv.GetByTestId("floor-person")).ToHaveTextAsync("Người phát biểu: Nguyễn Văn An").DefaultTimeout();
        Assert.DoesNotContain("·", await tv.GetByTestId("floor").TextContentAsync().DefaultTimeout() ?? "", StringComparison.Ordinal);
        var meeting = await _admin.GetFromJsonAsync<JsonElement>($"/api/meetings/{meetingId}").DefaultTimeout();
        Assert.Equal("PT-X-HC", meeting.GetProperty("floorSiteCode").GetString());

        // A vote: opened by the chair, answered once from the phone, the result live on the chair's screen.
        await phone.GetByTestId("documents").GetByRole(AriaRole.Button).First.ClickAsync().DefaultTimeout();
        await follow.ClickAsync().DefaultTimeout();
        await Assertions.Expect(follow).ToHaveTextAsync("Đang theo người trình bày").DefaultTimeout();
        await chair.GetByTestId("vote-question").FillAsync("Thông qua báo cáo tháng 5?").DefaultTimeout();
        await chair.GetByTestId("vote-create").ClickAsync().DefaultTimeout();
        await chair.GetByTestId("vote-open").ClickAsync().DefaultTimeout();
        // The delegate follows the presenter's document: the open vote comes as a banner over it.
        var banner = phone.GetByTestId("alert-banner");
        await Assertions.Expect(banner.GetByTestId("alert-vote-text")).ToHaveTextAsync("Đang biểu quyết: Thông qua báo cáo tháng 5?").DefaultTimeout();
        await Assertions.Expect(tv.GetByTestId("alert-banner").GetByTestId("alert-vote-text")).ToContainTextAsync("Thông qua báo cáo tháng 5?").DefaultTimeout();
        await banner.GetByTestId("alert-vote").ClickAsync().DefaultTimeout();
        var poll = phone.GetByTestId("polls");
        await Assertions.Expect(poll).ToContainTextAsync("Thông qua báo cáo tháng 5?").DefaultTimeout();

        // Counts only after voting; the ballot is said back and confirmed before it counts.
        await Assertions.Expect(poll.GetByTestId("results")).ToHaveTextAsync("Kết quả hiển thị sau khi đồng chí biểu quyết").DefaultTimeout();
        await poll.GetByRole(AriaRole.Button, new() { Name = "Đồng ý", Exact = true }).ClickAsync().DefaultTimeout();
        await Assertions.Expect(poll.GetByTestId("ballot-confirm")).ToContainTextAsync("Xác nhận biểu quyết: Đồng ý?").DefaultTimeout();
        await Assertions.Expect(chair.GetByTestId("vote-results").First).ToContainTextAsync("Đồng ý 0").DefaultTimeout();
        await poll.GetByTestId("ballot-confirm-yes").ClickAsync().DefaultTimeout();
        await Assertions.Expect(poll.GetByTestId("voted")).ToHaveTextAsync("Bạn đã biểu quyết: Đồng ý").DefaultTimeout();
        await Assertions.Expect(poll.GetByTestId("results")).ToContainTextAsync("Đồng ý 1").DefaultTimeout();
        await Assertions.Expect(banner.GetByTestId("alert-vote-text")).ToHaveCountAsync(0).DefaultTimeout();
        await Assertions.Expect(poll.GetByRole(AriaRole.Button, new() { Name = "Không đồng ý" })).ToHaveCountAsync(0).DefaultTimeout();
        await Assertions.Expect(chair.GetByTestId("vote-results").First).ToContainTextAsync("Đồng ý 1 · Không đồng ý 0 · Không biểu quyết 0 · Chưa biểu quyết 1 / 2").DefaultTimeout();
        await Assertions.Expect(tv.GetByTestId("polls")).ToContainTextAsync("Đồng ý 1").DefaultTimeout();

        // The chair uploads a confidential plan from the console: it appears on the phone at once,
        // marked, and opens stamped with the delegate's name, view only.
        var manager = chair.GetByTestId("document-manager");
        await manager.Locator("label:has-text('Đánh dấu mật') input[type=checkbox]").First.CheckAsync().DefaultTimeout();
        await manager.GetByTestId("document-file").SetInputFilesAsync(new FilePayload { Name = "ke-hoach-mat.pdf", MimeType = "application/pdf", Buffer = SamplePdf.Create(2, "Kế hoạch bảo vệ hội nghị") }).DefaultTimeout();
        await Assertions.Expect(manager.Locator("tbody tr")).ToHaveCountAsync(2).DefaultTimeout();
        var secret = phone.GetByTestId("documents").GetByRole(AriaRole.Button, new() { Name = "ke-hoach-mat" });
        await Assertions.Expect(secret).ToContainTextAsync("Mật").DefaultTimeout();
        await secret.ClickAsync().DefaultTimeout();
        await Assertions.Expect(phone.GetByTestId("view-only")).ToBeVisibleAsync().DefaultTimeout();
        await Assertions.Expect(phone.GetByTestId("viewer-pages")).ToHaveTextAsync("2").DefaultTimeout();
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-rendered", new System.Text.RegularExpressions.Regex(":1$")).DefaultTimeout();
        var opens = await _admin.GetFromJsonAsync<JsonElement>($"/api/meetings/{meetingId}/document-opens").DefaultTimeout();
        Assert.Contains(opens.EnumerateArray(), o => o.GetProperty("stamped").GetBoolean() && o.GetProperty("readerName").GetString() == "Nguyễn Văn An");
        await phone.Locator("#back").ClickAsync().DefaultTimeout();

        // After a reload (a lost connection), the phone resynchronizes to the same state.
        await phone.ReloadAsync().DefaultTimeout();
        await Assertions.Expect(phone.GetByTestId("speak-state")).ToHaveTextAsync("Mời đồng chí phát biểu").DefaultTimeout();
        await Assertions.Expect(phone.GetByTestId("polls").GetByTestId("voted")).ToHaveTextAsync("Bạn đã biểu quyết: Đồng ý").DefaultTimeout();
        Assert.Empty(errors);
        Assert.Empty(tvErrors);
    }

    /// <summary>Interactive pages answer only once their circuit is up.</summary>
    private static async Task WaitForCircuitAsync(IPage page) =>
        await Assertions.Expect(page.Locator("[data-testid=presenter-control][data-ready=true]")).ToBeVisibleAsync().DefaultTimeout();

    private static async Task<string> DecodeQrAsync(byte[] png)
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("qr").FullName, "room.png");
        await File.WriteAllBytesAsync(file, png).DefaultTimeout();
        using var zbar = Process.Start(new ProcessStartInfo("zbarimg", ["--raw", "-q", file]) { RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException("zbarimg did not start; ops/test installs zbar-tools.");
        var output = await zbar.StandardOutput.ReadToEndAsync().DefaultTimeout();
        await zbar.WaitForExitAsync().DefaultTimeout();
        Assert.True(zbar.ExitCode == 0, $"zbarimg found no code (exit {zbar.ExitCode}): {await zbar.StandardError.ReadToEndAsync().DefaultTimeout()}");
        return output.Trim();
    }
}
