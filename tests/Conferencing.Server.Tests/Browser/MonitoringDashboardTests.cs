using Conferencing.Server.Simulator;
using Conferencing.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Conferencing.Server.Tests.Browser;

/// <summary>The technicians' dashboard in Chromium, fed by simulated room systems over real SIP.</summary>
public sealed class MonitoringDashboardTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private ConferencingFactory _factory = null!;
    private string _url = null!;

    public Task InitializeAsync()
    {
        _factory = new ConferencingFactory(TestDatabase.Sqlite(), demo: true, simulateRooms: true);
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
        await Assertions.Expect(page.Locator("tbody tr:not([hidden])")).ToHaveCountAsync(1).DefaultTimeout();

        Assert.True(await simulator.StartRoomAsync(victim, CancellationToken.None));
        await Assertions.Expect(row.Locator(".badge")).ToHaveTextAsync("Sẵn sàng", new() { Timeout = 15_000 }).DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("alarm-count")).ToHaveTextAsync("0").DefaultTimeout();
    }
}
