using System.Net.Http.Json;
using System.Text.Json;
using Conferencing.Server.Tests.Infrastructure;
using Conferencing.Server.Tests.Relaying;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Conferencing.Server.Tests.LiveMeetings;

/// <summary>Running a live meeting from its page in Chromium, against simulated rooms called by the in-process relay.</summary>
[Collection(RealTimeCollection.Name)]
public sealed class LiveMeetingPageTests(ITestOutputHelper output, BrowserFixture browser) : RelayTestBase(output), IClassFixture<BrowserFixture>
{
    protected override bool ServesBrowsers => true;

    private static readonly LocatorAssertionsToHaveAttributeOptions TwoSeconds = new() { Timeout = 2_000 };

    private async Task<IPage> AdminPageAsync(IBrowserContext context)
    {
        var page = await context.NewPageAsync().DefaultTimeout();
        await BrowserFixture.SignInAsync(page, Url, "admin", ConferencingFactory.AdminPassword);
        return page;
    }

    [Fact]
    public async Task AHungUpSiteTurnsGreyOnTheMeetingPageAndTheDashboardWithinTwoSecondsAndIsNotOfferedTheFloor()
    {
        var (hyCuong, _) = await SimulatedRoomAsync("PT-X-HC");
        await SimulatedRoomAsync("PT-X-PC");
        var meeting = await ScheduleAsync("ProvinceHosted", "PT", ["PT-X-HC", "PT-X-PC"]);

        await using var context = await browser.Browser.NewContextAsync().DefaultTimeout();
        var page = await AdminPageAsync(context);
        await page.GotoAsync($"{Url}/meetings/{meeting}").DefaultTimeout();
        var row = page.Locator("tr[data-site='PT-X-HC']");

        // Before the start the rooms are online (neutral), and the counter says so.
        await Assertions.Expect(row.GetByTestId("connection")).ToHaveAttributeAsync("data-phase", "Online").DefaultTimeout();
        await Assertions.Expect(row.GetByTestId("connection")).ToHaveTextAsync("Trực tuyến").DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("count-up")).ToHaveTextAsync("2").DefaultTimeout();

        // Start asks first, naming the sites it will call.
        await page.GetByTestId("start").ClickAsync().DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("confirm-start-count")).ToContainTextAsync("gọi 2 điểm cầu").DefaultTimeout();
        await page.GetByTestId("confirm-start-yes").ClickAsync().DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("meeting-status")).ToHaveTextAsync("Đang diễn ra").DefaultTimeout();
        await Assertions.Expect(row.GetByTestId("connection")).ToHaveAttributeAsync("data-phase", "InMeeting", new() { Timeout = 30_000 }).DefaultTimeout();
        await Assertions.Expect(row.GetByTestId("connection")).ToHaveTextAsync("Đang trong hội nghị").DefaultTimeout();
        await Assertions.Expect(row.Locator(".floor-button")).ToBeVisibleAsync().DefaultTimeout();

        // The dashboard watches the same meeting in another tab.
        var dashboard = await context.NewPageAsync().DefaultTimeout();
        await dashboard.GotoAsync($"{Url}/monitoring?meeting={meeting}").DefaultTimeout();
        var endpointRow = dashboard.Locator($"tr[data-endpoint='{hyCuong}']");
        await Assertions.Expect(endpointRow).ToHaveAttributeAsync("data-state", "InCall", new() { Timeout = 30_000 }).DefaultTimeout();

        // Hang up asks first; then both screens show it held out, by whom, within two seconds.
        await row.GetByTestId("site-hang-up").ClickAsync().DefaultTimeout();
        await Assertions.Expect(row.GetByTestId("confirm-site-hang-up")).ToContainTextAsync("Xã Hy Cương").DefaultTimeout();
        await row.GetByTestId("confirm-site-hang-up-yes").ClickAsync().DefaultTimeout();
        await Assertions.Expect(row.GetByTestId("connection")).ToHaveAttributeAsync("data-phase", "HeldOut", TwoSeconds).DefaultTimeout();
        await Assertions.Expect(endpointRow).ToHaveAttributeAsync("data-state", "HeldOut", TwoSeconds).DefaultTimeout();
        await Assertions.Expect(row.GetByTestId("connection")).ToContainTextAsync("Đã ngắt bởi admin").DefaultTimeout();
        await Assertions.Expect(endpointRow.Locator(".badge")).ToContainTextAsync("Đã ngắt bởi admin").DefaultTimeout();
        await Assertions.Expect(endpointRow.Locator(".badge")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("phase-grey")).DefaultTimeout();
        await Assertions.Expect(row.Locator(".floor-button")).ToHaveCountAsync(0).DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("count-held")).ToHaveTextAsync("1").DefaultTimeout();

        // Redial from the row brings it back, and the floor is offered again.
        await row.GetByTestId("site-redial").ClickAsync().DefaultTimeout();
        await Assertions.Expect(row.GetByTestId("connection")).ToHaveAttributeAsync("data-phase", "InMeeting", new() { Timeout = 30_000 }).DefaultTimeout();
        await Assertions.Expect(row.Locator(".floor-button")).ToBeVisibleAsync().DefaultTimeout();
        await Assertions.Expect(endpointRow).ToHaveAttributeAsync("data-state", "InCall", new() { Timeout = 10_000 }).DefaultTimeout();

        // Moving the floor from one speaking site to another asks first.
        await row.Locator(".floor-button").ClickAsync().DefaultTimeout();
        await Assertions.Expect(row.GetByTestId("floor-tag")).ToBeVisibleAsync().DefaultTimeout();
        await page.Locator("tr[data-site='PT-X-PC'] .floor-button").ClickAsync().DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("confirm-floor")).ToContainTextAsync("Xã Hy Cương đang phát biểu").DefaultTimeout();
        await page.GetByTestId("confirm-floor-yes").ClickAsync().DefaultTimeout();
        await Assertions.Expect(page.Locator("tr[data-site='PT-X-PC']").GetByTestId("floor-tag")).ToBeVisibleAsync().DefaultTimeout();
    }

    [Fact]
    public async Task StartAsksFirstNamingTheCountAndWarnsWhenItIsNotTheMeetingsDay()
    {
        await SimulatedRoomAsync("PT-X-HC");
        var start = DateTimeOffset.UtcNow.AddDays(3);
        var created = await Admin.PostAsJsonAsync("/api/meetings", new
        {
            title = "Hội nghị tuần sau", kind = "ProvinceHosted", hostSiteCode = "PT", startUtc = start, endUtc = start.AddHours(2),
            sites = new { subtrees = Array.Empty<string>(), sites = new[] { "PT-X-HC", "PT-X-PC", "PT-X-DH" } },
        }, Json).DefaultTimeout();
        var meeting = (await created.Content.ReadFromJsonAsync<JsonElement>(Json).DefaultTimeout()).GetProperty("id").GetGuid();

        await using var context = await browser.Browser.NewContextAsync().DefaultTimeout();
        var page = await AdminPageAsync(context);
        await page.GotoAsync($"{Url}/meetings/{meeting}").DefaultTimeout();
        await page.GetByTestId("start").ClickAsync().DefaultTimeout();

        // Only Hy Cương has a room system: one site would be called, on the wrong day.
        await Assertions.Expect(page.GetByTestId("confirm-start-count")).ToContainTextAsync("gọi 1 điểm cầu").DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("confirm-start-wrong-day")).ToContainTextAsync("Hôm nay không phải ngày họp").DefaultTimeout();
        await page.GetByTestId("confirm-start").GetByRole(AriaRole.Button, new() { Name = "Hủy bỏ" }).ClickAsync().DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("confirm-start")).ToHaveCountAsync(0).DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("meeting-status")).Not.ToHaveTextAsync("Đang diễn ra").DefaultTimeout();
        var saved = await Admin.GetFromJsonAsync<JsonElement>($"/api/meetings/{meeting}", Json).DefaultTimeout();
        Assert.Equal("Scheduled", saved.GetProperty("status").GetString());
    }
}
