using Conferencing.Server.Simulator;
using Conferencing.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Conferencing.Server.Tests.Browser;

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
        await Conferencing.Relay.Tests.Infrastructure.TaskTimeouts.Until(
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
        await bar.GetByRole(AriaRole.Button, new() { Name = "Ngắt cuộc gọi" }).ClickAsync().DefaultTimeout();
        await Assertions.Expect(page.Locator("#action-outcome")).ToContainTextAsync("Đã thực hiện").DefaultTimeout();
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
