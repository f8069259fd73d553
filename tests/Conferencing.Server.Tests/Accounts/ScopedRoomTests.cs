using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Conferencing.Server.Accounts;
using Conferencing.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace Conferencing.Server.Tests.Accounts;

/// <summary>
/// The meeting scope rule where a meeting is run: the room API, the room hub, the documents, and
/// the monitored-meetings list the monitoring hub pushes. Lâm Thao's district secretariat against
/// a meeting of Hy Cương and Đoan Hùng (wholly outside), the province's meeting with xã Lâm Thao
/// (read-only) and its own district's meeting (run).
/// </summary>
public sealed class ScopedRoomTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private const string District = "PT-H-LT";

    private ConferencingFactory _factory = null!;
    private string _url = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        _factory = new ConferencingFactory(TestDatabase.Sqlite());
        _url = BrowserFixture.StartKestrel(_factory);
        (_admin, _) = await SignInAsync("admin", ConferencingFactory.AdminPassword);
        using var sites = new StringContent(Conferencing.Server.Sites.SiteFiles.ToCsv(Sample.MixedTree()), System.Text.Encoding.UTF8, "text/csv");
        Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsync(new Uri("/api/sites/import", UriKind.Relative), sites).DefaultTimeout()).StatusCode);
        var port = 9;
        foreach (var code in new[] { "PT", "PT-X-LT", "PT-X-HC", "PT-X-PC", "PT-X-DH" })
        {
            // Loopback addresses on the discard port: nothing answers, and nothing leaves the machine.
            var created = await _admin.PostAsJsonAsync("/api/endpoints", new { siteCode = code, sipUri = $"sip:{code.ToLowerInvariant()}@127.0.0.1:{port++}", displayName = "Phòng họp " + code }, ConferencingFactory.Json).DefaultTimeout();
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        await _factory.DisposeAsync();
        await _factory.Database.DisposeAsync();
    }

    private async Task<(HttpClient Client, CookieContainer Cookies)> SignInAsync(string username, string password)
    {
        var cookies = new CookieContainer();
        var client = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = new Uri(_url) };
        var response = await client.PostAsJsonAsync("/api/auth/login", new { username, password }, ConferencingFactory.Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (client, cookies);
    }

    private async Task<(HttpClient Client, CookieContainer Cookies)> ScopedAsync(string role, string scope) =>
        await SignInAsync(await ScopedUserAsync(role, scope), ConferencingFactory.StaffPassword);

    private async Task<string> ScopedUserAsync(string role, string scope)
    {
        var username = role.ToLowerInvariant()[..3] + "-" + scope.ToLowerInvariant() + "-" + Guid.NewGuid().ToString("N")[..6];
        var created = await _admin.PostAsJsonAsync("/api/users", new { username, displayName = role + " " + scope, role, password = ConferencingFactory.StaffPassword, scopeSiteCode = scope }, ConferencingFactory.Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return username;
    }

    /// <summary>A meeting starting within the hour (so the dashboard follows it), prepared so that its votes can open.</summary>
    private async Task<Guid> MeetingAsync(string title, string host, string kind, int hoursAhead, params string[] sites)
    {
        var start = new DateTimeOffset(DateTime.UtcNow.Ticks - (DateTime.UtcNow.Ticks % TimeSpan.TicksPerMinute), TimeSpan.Zero).AddHours(hoursAhead);
        var body = new { title, kind, hostSiteCode = host, startUtc = start, endUtc = start.AddHours(1), sites = new { subtrees = Array.Empty<string>(), sites } };
        var created = await _admin.PostAsJsonAsync("/api/meetings", body, ConferencingFactory.Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>(ConferencingFactory.Json).DefaultTimeout()).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsJsonAsync($"/api/meetings/{id}/prepare", new { }, ConferencingFactory.Json).DefaultTimeout()).StatusCode);
        return id;
    }

    private static MultipartFormDataContent Pdf(string title)
    {
        var file = new ByteArrayContent(SamplePdf.Create(2, title));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        return new MultipartFormDataContent { { file, "file", "bao-cao.pdf" }, { new StringContent(title), "title" } };
    }

    private static async Task<JsonElement> JsonOf(HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>(ConferencingFactory.Json).DefaultTimeout();

    private static async Task ExpectOutOfScope(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(StaffScopes.OutOfScopeCode, (await JsonOf(response)).GetProperty("code").GetString());
    }

    /// <summary>Uploads a document and drafts a vote as the administrator: the things a refused caller would act on.</summary>
    private async Task<(Guid Document, Guid Poll)> FurnishAsync(Guid meeting)
    {
        using var form = Pdf("Báo cáo");
        var uploaded = await _admin.PostAsync(new Uri($"/api/meetings/{meeting}/documents", UriKind.Relative), form).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, uploaded.StatusCode);
        var poll = await _admin.PostAsJsonAsync($"/api/meetings/{meeting}/votes", new { question = "Thông qua báo cáo?" }, ConferencingFactory.Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, poll.StatusCode);
        return ((await JsonOf(uploaded)).GetProperty("id").GetGuid(), (await JsonOf(poll)).GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task ADistrictSecretariatRunsOnlyTheRoomsWhollyInItsDistrict()
    {
        var (lamThao, _) = await ScopedAsync(StaffRoles.Secretariat, District);
        using var client = lamThao;
        var elsewhere = await MeetingAsync("Hội nghị xã Hy Cương", "PT-X-HC", "CommuneLevel", 1, "PT-X-DH");
        var province = await MeetingAsync("Hội nghị toàn tỉnh", "PT", "ProvinceHosted", 3, "PT-X-LT", "PT-X-PC");
        var own = await MeetingAsync("Giao ban huyện Lâm Thao", District, "CommuneLevel", 1, "PT-X-LT");

        foreach (var meeting in new[] { elsewhere, province })
        {
            var (document, poll) = await FurnishAsync(meeting);
            await ExpectOutOfScope(await client.PutAsJsonAsync($"/api/meetings/{meeting}/room/presenter", new { documentId = document, page = 1 }, ConferencingFactory.Json).DefaultTimeout());
            await ExpectOutOfScope(await client.PostAsJsonAsync($"/api/votes/{poll}/open", new { }, ConferencingFactory.Json).DefaultTimeout());
            await ExpectOutOfScope(await client.PostAsJsonAsync($"/api/meetings/{meeting}/votes", new { question = "Ngoài phạm vi?" }, ConferencingFactory.Json).DefaultTimeout());
            using (var form = Pdf("Không được tải"))
            {
                await ExpectOutOfScope(await client.PostAsync(new Uri($"/api/meetings/{meeting}/documents", UriKind.Relative), form).DefaultTimeout());
            }

            await ExpectOutOfScope(await client.DeleteAsync(new Uri($"/api/documents/{document}", UriKind.Relative)).DefaultTimeout());
            await ExpectOutOfScope(await client.PutAsJsonAsync($"/api/meetings/{meeting}/documents/order", new { documentIds = new[] { document } }, ConferencingFactory.Json).DefaultTimeout());

            // Nothing was changed by the refusals.
            var polls = await JsonOf(await _admin.GetAsync(new Uri($"/api/meetings/{meeting}/votes", UriKind.Relative)).DefaultTimeout());
            Assert.Equal(["Draft"], polls.EnumerateArray().Select(p => p.GetProperty("status").GetString()));
            Assert.Single((await JsonOf(await _admin.GetAsync(new Uri($"/api/meetings/{meeting}/documents", UriKind.Relative)).DefaultTimeout())).EnumerateArray());
        }

        // Reads: the wholly outside meeting is refused, the province's (with xã Lâm Thao) is seen.
        await ExpectOutOfScope(await client.GetAsync(new Uri($"/api/meetings/{elsewhere}/room", UriKind.Relative)).DefaultTimeout());
        await ExpectOutOfScope(await client.GetAsync(new Uri($"/api/meetings/{elsewhere}/documents", UriKind.Relative)).DefaultTimeout());
        await ExpectOutOfScope(await client.GetAsync(new Uri($"/api/meetings/{elsewhere}/votes", UriKind.Relative)).DefaultTimeout());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri($"/api/meetings/{province}/room", UriKind.Relative)).DefaultTimeout()).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri($"/api/meetings/{province}/documents", UriKind.Relative)).DefaultTimeout()).StatusCode);

        // Its own district's meeting: everything works.
        using (var form = Pdf("Báo cáo huyện"))
        {
            var uploaded = await client.PostAsync(new Uri($"/api/meetings/{own}/documents", UriKind.Relative), form).DefaultTimeout();
            Assert.Equal(HttpStatusCode.Created, uploaded.StatusCode);
            var document = (await JsonOf(uploaded)).GetProperty("id").GetGuid();
            Assert.Equal(HttpStatusCode.OK, (await client.PutAsJsonAsync($"/api/meetings/{own}/room/presenter", new { documentId = document, page = 2 }, ConferencingFactory.Json).DefaultTimeout()).StatusCode);
        }

        var drafted = await client.PostAsJsonAsync($"/api/meetings/{own}/votes", new { question = "Thông qua kế hoạch?" }, ConferencingFactory.Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, drafted.StatusCode);
        var opened = await client.PostAsJsonAsync($"/api/votes/{(await JsonOf(drafted)).GetProperty("id").GetGuid()}/open", new { }, ConferencingFactory.Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        Assert.Equal("Open", (await JsonOf(opened)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task TheRoomHubLetsAScopedSecretariatWatchOnlyMeetingsItCanSee()
    {
        var (lamThao, cookies) = await ScopedAsync(StaffRoles.Secretariat, District);
        lamThao.Dispose();
        var elsewhere = await MeetingAsync("Hội nghị xã Hy Cương", "PT-X-HC", "CommuneLevel", 1, "PT-X-DH");
        var province = await MeetingAsync("Hội nghị toàn tỉnh", "PT", "ProvinceHosted", 3, "PT-X-LT", "PT-X-PC");
        var own = await MeetingAsync("Giao ban huyện Lâm Thao", District, "CommuneLevel", 1, "PT-X-LT");

        await using var hub = new HubConnectionBuilder().WithUrl(_url + "/hubs/room", o => o.Cookies = cookies).Build();
        await hub.StartAsync().DefaultTimeout();
        var refused = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<JsonElement>("Join", "staff", elsewhere).DefaultTimeout());
        Assert.Contains(StaffScopes.OutOfScopeCode, refused.Message, StringComparison.Ordinal);

        // The refused join left the connection out of the meeting's group: the admin's presenter change there does not arrive.
        var presenters = new ConcurrentQueue<JsonElement>();
        using var subscription = hub.On<JsonElement>("Presenter", presenters.Enqueue);
        var (document, _) = await FurnishAsync(elsewhere);
        Assert.Equal(HttpStatusCode.OK, (await _admin.PutAsJsonAsync($"/api/meetings/{elsewhere}/room/presenter", new { documentId = document, page = 1 }, ConferencingFactory.Json).DefaultTimeout()).StatusCode);

        foreach (var meeting in new[] { province, own })
        {
            var snapshot = await hub.InvokeAsync<JsonElement>("Join", "staff", meeting).DefaultTimeout();
            Assert.Equal(meeting, snapshot.GetProperty("meeting").GetProperty("id").GetGuid());
        }

        // A change in a joined meeting arrives; by then the earlier one of the refused meeting would have too.
        var (ownDocument, _) = await FurnishAsync(own);
        Assert.Equal(HttpStatusCode.OK, (await _admin.PutAsJsonAsync($"/api/meetings/{own}/room/presenter", new { documentId = ownDocument, page = 1 }, ConferencingFactory.Json).DefaultTimeout()).StatusCode);
        await WaitUntilAsync(() => presenters.Any(p => p.GetProperty("meetingId").GetGuid() == own));
        Assert.DoesNotContain(presenters, p => p.GetProperty("meetingId").GetGuid() == elsewhere);
    }

    [Fact]
    public async Task AScopedTechniciansDashboardNeverReceivesAMeetingOutsideItsScope()
    {
        var (technician, cookies) = await ScopedAsync(StaffRoles.Technician, District);
        technician.Dispose();
        var adminCookies = (await SignInAsync("admin", ConferencingFactory.AdminPassword)).Cookies;

        await using var scoped = new HubConnectionBuilder().WithUrl(_url + "/hubs/monitoring", o => o.Cookies = cookies).Build();
        await using var province = new HubConnectionBuilder().WithUrl(_url + "/hubs/monitoring", o => o.Cookies = adminCookies).Build();
        var scopedLists = new ConcurrentQueue<JsonElement>();
        var provinceLists = new ConcurrentQueue<JsonElement>();
        using var s1 = scoped.On<JsonElement>("MeetingsChanged", scopedLists.Enqueue);
        using var s2 = province.On<JsonElement>("MeetingsChanged", provinceLists.Enqueue);
        await scoped.StartAsync().DefaultTimeout();
        await province.StartAsync().DefaultTimeout();
        await scoped.InvokeAsync<JsonElement>("Subscribe", null, null).DefaultTimeout();
        await province.InvokeAsync<JsonElement>("Subscribe", null, null).DefaultTimeout();

        var elsewhere = await MeetingAsync("Hội nghị xã Hy Cương", "PT-X-HC", "CommuneLevel", 1, "PT-X-DH");
        await WaitUntilAsync(() => provinceLists.Any(l => Ids(l).Contains(elsewhere)));
        var own = await MeetingAsync("Giao ban huyện Lâm Thao", District, "CommuneLevel", 1, "PT-X-LT");
        await WaitUntilAsync(() => scopedLists.Any(l => Ids(l).Contains(own)));
        await WaitUntilAsync(() => provinceLists.Any(l => Ids(l).Contains(own)));

        Assert.All(scopedLists, l => Assert.DoesNotContain(elsewhere, Ids(l)));
        Assert.All(scopedLists, l => Assert.DoesNotContain("Hy Cương", l.GetRawText(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheChairPageShowsAScopedSecretariatOnlyWhatItMayReadAndRunsNothingElse()
    {
        var username = await ScopedUserAsync(StaffRoles.Secretariat, District);
        var elsewhere = await MeetingAsync("Hội nghị xã Hy Cương", "PT-X-HC", "CommuneLevel", 1, "PT-X-DH");
        var province = await MeetingAsync("Hội nghị toàn tỉnh", "PT", "ProvinceHosted", 3, "PT-X-LT", "PT-X-PC");
        await FurnishAsync(province);

        await using var context = await browser.Browser.NewContextAsync().DefaultTimeout();
        var page = await context.NewPageAsync().DefaultTimeout();
        await BrowserFixture.SignInAsync(page, _url, username, ConferencingFactory.StaffPassword);
        await page.GotoAsync($"{_url}/meetings/{elsewhere}/room").DefaultTimeout();
        await Microsoft.Playwright.Assertions.Expect(page.GetByTestId("out-of-scope")).ToBeVisibleAsync().DefaultTimeout();
        Assert.Equal(0, await page.GetByTestId("chair-meeting-title").CountAsync().DefaultTimeout());
        Assert.DoesNotContain("Hy Cương", await page.ContentAsync().DefaultTimeout(), StringComparison.Ordinal);

        // Read-only: seen, and a command is refused in place with nothing changed.
        await page.GotoAsync($"{_url}/meetings/{province}/room").DefaultTimeout();
        await Microsoft.Playwright.Assertions.Expect(page.GetByTestId("read-only-scope")).ToBeVisibleAsync().DefaultTimeout();
        await Microsoft.Playwright.Assertions.Expect(page.Locator("[data-testid='voting-panel'][data-ready='true']")).ToBeVisibleAsync().DefaultTimeout();
        await page.GetByTestId("vote-open").ClickAsync().DefaultTimeout();
        await Microsoft.Playwright.Assertions.Expect(page.Locator("[data-testid='voting-panel'] [role='alert']")).ToHaveTextAsync("Hội nghị có điểm cầu ngoài phạm vi của bạn: chỉ xem.").DefaultTimeout();
        var polls = await JsonOf(await _admin.GetAsync(new Uri($"/api/meetings/{province}/votes", UriKind.Relative)).DefaultTimeout());
        Assert.Equal(["Draft"], polls.EnumerateArray().Select(p => p.GetProperty("status").GetString()));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TaskTimeouts.Default);
        while (!condition())
        {
            await Task.Delay(50, timeout.Token);
        }
    }

    private static List<Guid> Ids(JsonElement list) => [.. list.EnumerateArray().Select(m => m.GetProperty("id").GetGuid())];
}
