using Conferencing.Server.Simulator;
using Conferencing.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Conferencing.Server.Tests.Monitoring;

/// <summary>The technicians' dashboard in Chromium, fed by simulated room systems over real SIP.</summary>
[Collection(Relaying.RealTimeCollection.Name)]
public sealed class MonitoringDashboardTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private ConferencingFactory _factory = null!;
    private string _url = null!;

    public Task InitializeAsync()
    {
        _factory = new ConferencingFactory(TestDatabase.Sqlite(), demo: true, simulateRooms: true,
            settings: new Dictionary<string, string?> { ["Relaying:RetryDelay"] = "00:00:01", ["Relaying:ReconcileInterval"] = "00:00:00.500" });
        _url = BrowserFixture.StartKestrel(_factory);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _factory.Database.DisposeAsync();
    }

    private async Task<Guid> PaCoEndpointAsync()
    {
        var site = (await _factory.Services.GetRequiredService<Conferencing.Server.Sites.SiteStore>().SearchAsync("pa co", 5, CancellationToken.None).DefaultTimeout())[0];
        var endpoints = await _factory.Services.GetRequiredService<Conferencing.Server.Endpoints.EndpointStore>().ListAsync(site.Code, CancellationToken.None).DefaultTimeout();
        return endpoints[0].Id;
    }

    [Fact]
    public async Task AStoppedRoomTurnsOfflineOnTheDashboardAndComesBackWhenRestarted()
    {
        await using var context = await browser.Browser.NewContextAsync().DefaultTimeout();
        var page = await context.NewPageAsync().DefaultTimeout();
        var console = new List<string>();
        page.Console += (_, m) => console.Add(m.Type + ": " + m.Text);
        page.RequestFailed += (_, r) => console.Add("failed: " + r.Url);
        page.Response += (_, r) => { if (r.Status >= 400) { console.Add(r.Status + " " + r.Url); } };
        await BrowserFixture.SignInAsync(page, _url, "admin", ConferencingFactory.AdminPassword);
        await page.GotoAsync(_url + "/monitoring").DefaultTimeout();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Giám sát điểm cầu").DefaultTimeout();
        try
        {
            await Assertions.Expect(page.GetByTestId("connection")).ToHaveTextAsync("Đã kết nối trực tiếp").DefaultTimeout();
        }
        catch (PlaywrightException e)
        {
            throw new InvalidOperationException(string.Join("\n", console), e);
        }
        await Assertions.Expect(page.GetByTestId("count-reachable")).ToHaveTextAsync("165", new() { Timeout = 45_000 }).DefaultTimeout();

        var simulator = _factory.Services.GetRequiredService<RoomSimulatorService>();
        var victim = await PaCoEndpointAsync();
        Assert.True(await simulator.StopRoomAsync(victim));
        var row = page.Locator($"tr[data-endpoint='{victim}']");
        await Assertions.Expect(row.Locator(".badge")).ToHaveTextAsync("Mất kết nối", new() { Timeout = 15_000 }).DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("count-offline")).ToHaveTextAsync("1").DefaultTimeout();

        // The offline alarm comes after the set time and a technician acknowledges it.
        var alarm = page.Locator("#alarm-list li").First;
        await Assertions.Expect(alarm).ToContainTextAsync("Xã Pà Cò", new() { Timeout = 15_000 }).DefaultTimeout();
        // Its details in Vietnamese: the site, what is wrong, since when (Asia/Ho_Chi_Minh).
        await Assertions.Expect(alarm.GetByTestId("alarm-text")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"Xã Pà Cò · [^·]+ · từ \d\d:\d\d:\d\d$")).DefaultTimeout();
        await alarm.GetByRole(AriaRole.Button, new() { Name = "Xác nhận" }).ClickAsync().DefaultTimeout();
        await Assertions.Expect(alarm).ToContainTextAsync("đã xác nhận: admin").DefaultTimeout();

        await page.Locator("#filter").FillAsync("pa co").DefaultTimeout();
        await Assertions.Expect(page.Locator("tbody tr[data-endpoint]:not([hidden])")).ToHaveCountAsync(1).DefaultTimeout();
        await Assertions.Expect(page.Locator("tbody tr.site:not([hidden])")).ToHaveCountAsync(2).DefaultTimeout();

        Assert.True(await simulator.StartRoomAsync(victim, CancellationToken.None));
        await Assertions.Expect(row.Locator(".badge")).ToHaveTextAsync("Sẵn sàng", new() { Timeout = 15_000 }).DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("alarm-count")).ToHaveTextAsync("0").DefaultTimeout();
    }

    /// <summary>
    /// A district's technician bookmarks their district: the page opens on that subtree, lists only
    /// its rooms, and a room going down elsewhere in the province never reaches it (checked on the
    /// WebSocket itself, not only on the rows). The picker then moves to another area by a name
    /// typed without diacritics, and the URL follows.
    /// </summary>
    [Fact]
    public async Task ADistrictTechnicianSeesOnlyTheirDistrictAndNothingFromOutsideIt()
    {
        // The transition's mixed tree: a district still standing over four communes of the new list.
        var sites = _factory.Services.GetRequiredService<Conferencing.Server.Sites.SiteStore>();
        const string District = "PT-227";
        await sites.UpsertAsync(new Conferencing.Server.Sites.Site(District, "Huyện Lâm Thao", "PT", Conferencing.Server.Sites.SiteLevel.District, Conferencing.Server.Sites.SiteKind.District), "admin", CancellationToken.None).DefaultTimeout();
        var tree = await sites.LoadTreeAsync(CancellationToken.None).DefaultTimeout();
        foreach (var code in new[] { "PT-08494", "PT-08500", "PT-08515", "PT-08521" })
        {
            var commune = tree.Get(code);
            await sites.UpsertAsync(commune with { ParentCode = District }, "admin", CancellationToken.None).DefaultTimeout();
        }

        var all = await _factory.Services.GetRequiredService<Conferencing.Server.Endpoints.EndpointStore>().ListAsync(null, CancellationToken.None).DefaultTimeout();
        var inside = all.Where(e => e.SiteCode is "PT-08494" or "PT-08500" or "PT-08515" or "PT-08521").ToList();
        Assert.Equal(4, inside.Count);
        var hyCuong = inside.Single(e => e.SiteCode == "PT-08515").Id;
        var paCo = await PaCoEndpointAsync();

        await using var context = await browser.Browser.NewContextAsync().DefaultTimeout();
        var page = await context.NewPageAsync().DefaultTimeout();
        var frames = new System.Collections.Concurrent.ConcurrentQueue<string>();
        page.WebSocket += (_, socket) => socket.FrameReceived += (_, frame) => frames.Enqueue(frame.Text ?? "");
        await BrowserFixture.SignInAsync(page, _url, "admin", ConferencingFactory.AdminPassword);
        await page.GotoAsync(_url + "/monitoring?site=" + District).DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("connection")).ToHaveTextAsync("Đã kết nối trực tiếp").DefaultTimeout();
        await Assertions.Expect(page.Locator("#site-picker")).ToHaveValueAsync("Huyện Lâm Thao").DefaultTimeout();
        await Assertions.Expect(page.Locator("tr[data-endpoint]")).ToHaveCountAsync(4).DefaultTimeout();
        foreach (var e in inside)
        {
            await Assertions.Expect(page.Locator($"tr[data-endpoint='{e.Id}']")).ToHaveCountAsync(1).DefaultTimeout();
        }

        await Assertions.Expect(page.GetByTestId("count-reachable")).ToHaveTextAsync("4", new() { Timeout = 45_000 }).DefaultTimeout();

        // Outside first, and only once the server has it offline does the room inside go down: batches
        // leave in order, so when the inside change has arrived, an outside one would have too.
        var simulator = _factory.Services.GetRequiredService<RoomSimulatorService>();
        var presence = _factory.Services.GetRequiredService<Conferencing.Server.Endpoints.Presence.PresenceService>();
        Assert.True(await simulator.StopRoomAsync(paCo));
        await WaitUntilAsync(() => presence.Get(paCo)?.State == Conferencing.Server.Endpoints.Presence.EndpointState.Offline, TimeSpan.FromSeconds(30));
        Assert.True(await simulator.StopRoomAsync(hyCuong));
        await Assertions.Expect(page.Locator($"tr[data-endpoint='{hyCuong}'] .badge")).ToHaveTextAsync("Mất kết nối", new() { Timeout = 30_000 }).DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("count-offline")).ToHaveTextAsync("1").DefaultTimeout();
        Assert.Contains(frames, f => f.Contains(hyCuong.ToString(), StringComparison.Ordinal));
        Assert.DoesNotContain(frames, f => f.Contains(paCo.ToString(), StringComparison.Ordinal));

        // The picker: "pa co" typed without tones finds Xã Pà Cò; choosing it rescopes the page and the URL.
        await page.Locator("#site-picker").FillAsync("pa co").DefaultTimeout();
        var option = page.Locator("#site-picker-list li[role=option]");
        await Assertions.Expect(option).ToHaveCountAsync(1).DefaultTimeout();
        await Assertions.Expect(option).ToContainTextAsync("Xã Pà Cò").DefaultTimeout();
        await page.Locator("#site-picker").PressAsync("Enter").DefaultTimeout();
        var paCoSite = presence.Get(paCo)!.SiteCode;
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/monitoring\\?site=" + paCoSite + "$")).DefaultTimeout();
        await Assertions.Expect(page.Locator("tr[data-endpoint]")).ToHaveCountAsync(1).DefaultTimeout();
        await Assertions.Expect(page.Locator($"tr[data-endpoint='{paCo}'] .badge")).ToHaveTextAsync("Mất kết nối").DefaultTimeout();

        // A bookmark to a site that does not exist says so and shows the province.
        await page.GotoAsync(_url + "/monitoring?site=PT-NOPE").DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("scope-error")).ToContainTextAsync("PT-NOPE").DefaultTimeout();
        await Assertions.Expect(page.Locator("tr[data-endpoint]")).ToHaveCountAsync(165).DefaultTimeout();
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (!condition())
        {
            await Task.Delay(100, cts.Token).DefaultTimeout();
        }
    }

    /// <summary>
    /// The redial of the issue, as a technician does it in a live meeting: hang a site up from the
    /// dashboard (it stays out), then redial it from the dashboard and watch it come back in the call.
    /// </summary>
    [Fact]
    public async Task ATechnicianHangsUpASiteFromTheDashboardAndARedialBringsItBack()
    {
        var sites = _factory.Services.GetRequiredService<Conferencing.Server.Sites.SiteStore>();
        var paCo = (await sites.SearchAsync("pa co", 5, CancellationToken.None).DefaultTimeout())[0].Code;
        var victim = await PaCoEndpointAsync();
        var meetings = _factory.Services.GetRequiredService<Conferencing.Server.Meetings.MeetingService>();
        var start = DateTimeOffset.UtcNow.AddDays(40);
        var meeting = await meetings.ScheduleAsync(new Conferencing.Server.Meetings.MeetingDetails("Giao ban kỹ thuật", null, Conferencing.Server.Meetings.MeetingKind.ProvinceHosted, "PT",
            start, start.AddHours(1), new Conferencing.Server.Meetings.SiteSelection([], [paCo]), [], []), "admin", CancellationToken.None).DefaultTimeout();

        // Both rooms registered first, as before a real meeting: a room dialled before its simulator
        // has registered is called at its SIP URI, where nothing answers until the INVITE times out.
        var endpoints = _factory.Services.GetRequiredService<Conferencing.Server.Endpoints.EndpointStore>();
        var presence = _factory.Services.GetRequiredService<Conferencing.Server.Endpoints.Presence.PresenceService>();
        var rooms = (await endpoints.ListAsync("PT", CancellationToken.None).DefaultTimeout()).Select(e => e.Id).Append(victim).ToList();
        await TaskTimeouts.Until(
            () => rooms.All(id => presence.Get(id)?.State is Conferencing.Server.Endpoints.Presence.EndpointState.Registered or Conferencing.Server.Endpoints.Presence.EndpointState.Reachable),
            "the host's and Pà Cò's rooms to register");
        await meetings.StartAsync(meeting.Id, null, "admin", CancellationToken.None).DefaultTimeout();

        await using var context = await browser.Browser.NewContextAsync().DefaultTimeout();
        var page = await context.NewPageAsync().DefaultTimeout();
        await BrowserFixture.SignInAsync(page, _url, "admin", ConferencingFactory.AdminPassword);
        await page.GotoAsync(_url + "/monitoring").DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("connection")).ToHaveTextAsync("Đã kết nối trực tiếp").DefaultTimeout();
        await Assertions.Expect(page.Locator($"#scope option[value='{meeting.Id}']")).ToHaveCountAsync(1).DefaultTimeout();
        await page.GetByTestId("scope").SelectOptionAsync(meeting.Id.ToString()).DefaultTimeout();

        // The meeting's scope: its two sites, with the call's figures once the relay measures them.
        var row = page.Locator($"tr[data-endpoint='{victim}']");
        await Assertions.Expect(page.Locator("tr[data-endpoint]")).ToHaveCountAsync(2).DefaultTimeout();
        await Assertions.Expect(row.Locator(".badge")).ToHaveTextAsync("Đang họp", new() { Timeout = 30_000 }).DefaultTimeout();
        await Assertions.Expect(row.Locator("td").Nth(5)).ToContainTextAsync(" / ", new() { Timeout = 15_000 }).DefaultTimeout();

        await row.ClickAsync().DefaultTimeout();
        var bar = page.GetByTestId("action-bar");
        var confirm = page.GetByTestId("confirm-hang-up");

        // Hang-up asks first; Cancel (focused, so Enter is Cancel too) leaves the site in the meeting.
        await bar.GetByRole(AriaRole.Button, new() { Name = "Ngắt cuộc gọi" }).ClickAsync().DefaultTimeout();
        await Assertions.Expect(confirm).ToBeVisibleAsync().DefaultTimeout();
        await Assertions.Expect(confirm).ToContainTextAsync("Xã Pà Cò").DefaultTimeout();
        await Assertions.Expect(confirm.GetByRole(AriaRole.Button, new() { Name = "Hủy bỏ" })).ToBeFocusedAsync().DefaultTimeout();
        await page.Keyboard.PressAsync("Enter").DefaultTimeout();
        await Assertions.Expect(confirm).ToBeHiddenAsync().DefaultTimeout();
        await Assertions.Expect(page.Locator("#action-outcome")).ToBeEmptyAsync().DefaultTimeout();

        await bar.GetByRole(AriaRole.Button, new() { Name = "Ngắt cuộc gọi" }).ClickAsync().DefaultTimeout();
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Ngắt cuộc gọi" }).ClickAsync().DefaultTimeout();
        await Assertions.Expect(confirm).ToBeHiddenAsync().DefaultTimeout();
        // The result in Vietnamese, not the API's English.
        await Assertions.Expect(page.Locator("#action-outcome")).ToContainTextAsync("Đã thực hiện: đã ngắt cuộc gọi; điểm cầu ở ngoài hội nghị cho đến khi gọi lại").DefaultTimeout();
        // Only the confirmed hang-up reached the server: the audit trail has one.
        var audit = await _factory.Services.GetRequiredService<Conferencing.Server.Store.AuditLog>()
            .QueryAsync(new Conferencing.Server.Store.AuditQuery(EntityType: "endpoint", EntityId: victim.ToString()), CancellationToken.None).DefaultTimeout();
        Assert.Single(audit, e => e.Action == "endpoint.hang-up");
        await Assertions.Expect(row.Locator(".badge")).Not.ToHaveTextAsync("Đang họp", new() { Timeout = 15_000 }).DefaultTimeout();

        await bar.GetByRole(AriaRole.Button, new() { Name = "Gọi lại" }).ClickAsync().DefaultTimeout();
        await Assertions.Expect(page.Locator("#action-outcome")).ToContainTextAsync("Đã thực hiện").DefaultTimeout();
        await Assertions.Expect(row.Locator(".badge")).ToHaveTextAsync("Đang họp", new() { Timeout = 30_000 }).DefaultTimeout();

        // The meeting's page leads to its readiness board and charts.
        await page.GotoAsync(_url + $"/monitoring/meetings/{meeting.Id}").DefaultTimeout();
        var board = page.GetByTestId("readiness").Locator($"tr[data-site='{paCo}']");
        await Assertions.Expect(board).ToHaveCountAsync(1).DefaultTimeout();
        // The reason in the reader's language, not the API's English words.
        await Assertions.Expect(board).ToContainTextAsync("Chưa gọi thử").DefaultTimeout();
    }
}
