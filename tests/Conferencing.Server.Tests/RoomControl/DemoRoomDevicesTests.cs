using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Conferencing.Devices.Agent;
using Conferencing.Devices.PjLink;
using Conferencing.Devices.Visca;
using Conferencing.Server.RoomControl;
using Conferencing.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Conferencing.Server.Tests.RoomControl;

/// <summary>
/// The demo as `dotnet run` starts it, with the room devices on: every demo room's simulated camera
/// and projector, their in-process agents on the real hub, and the device panel in Chromium.
/// One server for the class (149 rooms take a while to come up); each test uses its own sites.
/// </summary>
public sealed class DemoDevicesFixture : IAsyncLifetime
{
    public ConferencingFactory Factory { get; private set; } = null!;

    public string Url { get; private set; } = null!;

    public DemoRoomDevices Devices => Factory.Services.GetRequiredService<DemoRoomDevices>();

    public async Task InitializeAsync()
    {
        Factory = new ConferencingFactory(TestDatabase.Sqlite(), demo: true, settings: new Dictionary<string, string?>
        {
            ["RoomControl:SimulateDevices"] = "true",
            ["RoomControl:DemoDevicePortBase"] = "0",
            ["RoomControl:CommandTimeout"] = "00:00:05",
        });
        Url = BrowserFixture.StartKestrel(Factory);
        // 149 agents connect and synchronize on a machine shared with other suites: more than the default wait.
        await Devices.Started.WaitAsync(TimeSpan.FromMinutes(3));
    }

    public async Task DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Factory.Database.DisposeAsync();
    }

    public async Task<HttpClient> AdminAsync()
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = new Uri(Url) };
        var response = await client.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = ConferencingFactory.AdminPassword }, ConferencingFactory.Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return client;
    }
}

public sealed class DemoRoomDevicesTests(DemoDevicesFixture demo, BrowserFixture browser) : IClassFixture<DemoDevicesFixture>, IClassFixture<BrowserFixture>
{
    private static JsonSerializerOptions Json => ConferencingFactory.Json;

    private static async Task UntilAsync(Func<bool> condition, string what)
    {
        var until = DateTime.UtcNow + TaskTimeouts.Default;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, what);
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task TheDemoStartsWithACameraAndAProjectorReportedForEveryRoom()
    {
        var rooms = demo.Devices.Rooms;
        var sites = (await demo.Factory.Services.GetRequiredService<Conferencing.Server.Endpoints.EndpointStore>().ListAsync(null, CancellationToken.None).DefaultTimeout())
            .Select(e => e.SiteCode).Distinct().Count();
        Assert.True(sites > 100, $"the demo has {sites} rooms");
        Assert.Equal(sites, rooms.Count);
        Assert.Equal(sites, await demo.Devices.Started.DefaultTimeout());

        using var admin = await demo.AdminAsync();
        var devices = (await admin.GetFromJsonAsync<List<DeviceView>>("/api/room-devices", Json).DefaultTimeout())!;
        Assert.Equal(2 * sites, devices.Count);
        Assert.All(devices, d => Assert.True(d.AgentOnline && d.State is { Reachable: true }, $"{d.SiteCode}/{d.Device.Id} is online and reachable"));
        Assert.All(devices.Where(d => d.Device.Kind == DeviceKind.Projector), d => Assert.Equal("standby", d.State!.Power));
        Assert.All(devices.Where(d => d.Device.Kind == DeviceKind.Camera), d => Assert.Equal("on", d.State!.Power));
        // Each room's devices are that room's simulators.
        var hyCuong = devices.Single(d => d.SiteCode == "PT-08515" && d.Device.Kind == DeviceKind.Projector);
        Assert.Equal(rooms["PT-08515"].Projector.EndPoint.ToString(), hyCuong.Device.Address);
    }

    [Fact]
    public async Task APresetButtonMovesTheSimulatedCameraAndPowerOnShowsTheProjectorOn()
    {
        const string Site = "PT-08515";
        var room = demo.Devices.Rooms[Site];
        await using var context = await browser.Browser.NewContextAsync().DefaultTimeout();
        var page = await context.NewPageAsync().DefaultTimeout();
        await BrowserFixture.SignInAsync(page, demo.Url, "admin", ConferencingFactory.AdminPassword);
        await page.GotoAsync($"{demo.Url}/monitoring?site={Site}").DefaultTimeout();

        var panel = page.GetByTestId("device-panel");
        await Assertions.Expect(panel.Locator("h2")).ToHaveTextAsync("Thiết bị phòng họp").DefaultTimeout();
        var row = panel.Locator($"tr[data-site='{Site}']");
        var camera = row.Locator("[data-device='camera']");
        var chair = camera.Locator("button[data-action='preset-2']");
        await Assertions.Expect(chair).ToHaveTextAsync("Chủ tọa").DefaultTimeout();
        await Assertions.Expect(camera.Locator("button[data-action='preset-3']")).ToHaveTextAsync("Đại biểu phát biểu").DefaultTimeout();
        Assert.Equal(new PtzPosition(0, 0, 0), room.Camera.Camera.Position);

        // The circuit may attach a moment after the first render: press until the camera hears it.
        await UntilClickedAsync(chair, () => room.Camera.Camera.LastRecalledPreset == CameraPresets.Chair);
        Assert.Equal(new PtzPosition(-0x0300, 0x0080, 0x1800), room.Camera.Camera.Position);
        await Assertions.Expect(camera.GetByTestId("device-preset")).ToHaveTextAsync("Chủ tọa").DefaultTimeout();

        var projector = row.Locator("[data-device='projector']");
        await Assertions.Expect(projector.GetByTestId("device-power")).ToHaveTextAsync("Đang tắt").DefaultTimeout();
        await projector.Locator("button[data-action='power-on']").ClickAsync().DefaultTimeout();
        await Assertions.Expect(projector.GetByTestId("device-power")).ToHaveTextAsync("Đang bật").DefaultTimeout();
        await Assertions.Expect(projector.GetByTestId("device-power")).ToHaveAttributeAsync("data-power", "on").DefaultTimeout();
        Assert.Equal(PjLinkPower.On, room.Projector.Power);
    }

    [Fact]
    public async Task TurningOnEveryDisplayOfAMeetingShowsProgressAndAResultPerSite()
    {
        string[] sites = ["PT", "PT-08494", "PT-08500"];
        using var admin = await demo.AdminAsync();
        var start = DateTimeOffset.UtcNow.AddDays(3);
        var created = await admin.PostAsJsonAsync("/api/meetings", new
        {
            title = "Hội nghị trực tuyến sơ kết quý",
            kind = "ProvinceHosted",
            hostSiteCode = "PT",
            startUtc = start,
            endUtc = start.AddHours(2),
            sites = new { subtrees = Array.Empty<string>(), sites },
        }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>(Json).DefaultTimeout()).GetProperty("id").GetGuid();
        // One of them unreachable, so the per-site result has something to say.
        demo.Devices.Rooms["PT-08500"].Projector.Hung = true;
        try
        {
            await using var context = await browser.Browser.NewContextAsync().DefaultTimeout();
            var page = await context.NewPageAsync().DefaultTimeout();
            await BrowserFixture.SignInAsync(page, demo.Url, "admin", ConferencingFactory.AdminPassword);
            await page.GotoAsync($"{demo.Url}/meetings/{id}").DefaultTimeout();
            var panel = page.GetByTestId("device-panel");
            await Assertions.Expect(panel.GetByTestId("device-site")).ToHaveCountAsync(3).DefaultTimeout();

            await UntilClickedAsync(panel.GetByTestId("bulk-displays-on"), () => demo.Devices.Rooms["PT"].Projector.Power == PjLinkPower.On);
            var progress = panel.GetByTestId("bulk-progress");
            await Assertions.Expect(progress).ToHaveAttributeAsync("data-finished", "true", new() { Timeout = 30_000 }).DefaultTimeout();
            await Assertions.Expect(progress).ToHaveTextAsync("Xong: 2/3 thành công").DefaultTimeout();
            var results = panel.GetByTestId("bulk-results").Locator("li");
            await Assertions.Expect(results).ToHaveCountAsync(3).DefaultTimeout();
            await Assertions.Expect(results.And(page.Locator("[data-outcome='Done']"))).ToHaveCountAsync(2).DefaultTimeout();
            await Assertions.Expect(panel.Locator("li[data-site='PT-08500']")).Not.ToHaveAttributeAsync("data-outcome", "Done").DefaultTimeout();
            Assert.Equal(PjLinkPower.On, demo.Devices.Rooms["PT-08494"].Projector.Power);
            await Assertions.Expect(panel.Locator("tr[data-site='PT-08494'] [data-device='projector'] [data-testid='device-power']")).ToHaveTextAsync("Đang bật").DefaultTimeout();
        }
        finally
        {
            demo.Devices.Rooms["PT-08500"].Projector.Hung = false;
        }
    }

    /// <summary>Clicks until the effect shows: a click before the Blazor circuit is attached does nothing, a later one does.</summary>
    private static async Task UntilClickedAsync(ILocator button, Func<bool> effect)
    {
        var until = DateTime.UtcNow + TaskTimeouts.Default;
        while (!effect())
        {
            Assert.True(DateTime.UtcNow < until, "the button never took effect");
            if (await button.IsEnabledAsync().DefaultTimeout())
            {
                await button.ClickAsync().DefaultTimeout();
            }

            for (var i = 0; i < 20 && !effect(); i++)
            {
                await Task.Delay(50);
            }
        }
    }
}
