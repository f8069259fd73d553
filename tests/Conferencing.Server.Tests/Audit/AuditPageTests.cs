using Conferencing.Server.Meetings;
using Conferencing.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Conferencing.Server.Tests.Audit;

/// <summary>The audit trail page in Chromium: administrators see who did what; others do not.</summary>
public sealed class AuditPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private ConferencingFactory _factory = null!;
    private string _url = null!;

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

    [Fact]
    public async Task AnAdministratorSeesWhoScheduledStartedAndCancelledWhat()
    {
        var meetings = _factory.Services.GetRequiredService<MeetingService>();
        var start = ConsoleSeed.LocalDay(2, 9);
        var held = await meetings.ScheduleAsync(new MeetingDetails("Giao ban tháng", null, MeetingKind.ProvinceHosted, "PT", start, start.AddHours(1), new SiteSelection([], ["PT-X-HC"]), [], []), ConsoleSeed.SecretariatUser, CancellationToken.None).DefaultTimeout();
        await meetings.StartAsync(held.Id, null, ConsoleSeed.SecretariatUser, CancellationToken.None).DefaultTimeout();
        var dropped = await meetings.ScheduleAsync(new MeetingDetails("Hội nghị bị hủy", null, MeetingKind.ProvinceHosted, "PT", start.AddHours(2), start.AddHours(3), new SiteSelection([], ["PT-X-PC"]), [], []), "admin", CancellationToken.None).DefaultTimeout();
        await meetings.CancelAsync(dropped.Id, null, "Lãnh đạo bận công tác", "admin", CancellationToken.None).DefaultTimeout();

        await using var context = await browser.Browser.NewContextAsync().DefaultTimeout();
        var page = await context.NewPageAsync().DefaultTimeout();

        // The secretariat has no audit page, not even by typing its address.
        await BrowserFixture.SignInAsync(page, _url, ConsoleSeed.SecretariatUser, ConferencingFactory.StaffPassword);
        await page.GotoAsync(_url + "/audit").DefaultTimeout();
        await Assertions.Expect(page.Locator(".notice")).ToHaveTextAsync("Bạn không có quyền xem trang này.").DefaultTimeout();
        await page.GetByRole(AriaRole.Button, new() { Name = "Đăng xuất" }).ClickAsync().DefaultTimeout();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Đăng nhập").DefaultTimeout();

        await BrowserFixture.SignInAsync(page, _url, "admin", ConferencingFactory.AdminPassword);
        await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Nhật ký" }).ClickAsync().DefaultTimeout();
        var table = page.GetByTestId("audit");
        await Assertions.Expect(table.Locator("tr[data-action='meeting.started']")).ToContainTextAsync(ConsoleSeed.SecretariatUser).DefaultTimeout();
        await Assertions.Expect(table.Locator("tr[data-action='meeting.started']")).ToContainTextAsync("Giao ban tháng").DefaultTimeout();

        await page.Locator("#audit-action").SelectOptionAsync("meeting.cancelled").DefaultTimeout();
        await Assertions.Expect(table.Locator("tbody tr")).ToHaveCountAsync(1).DefaultTimeout();
        var row = table.Locator("tbody tr");
        await Assertions.Expect(row).ToContainTextAsync("Hủy hội nghị").DefaultTimeout();
        await Assertions.Expect(row).ToContainTextAsync("admin").DefaultTimeout();
        await Assertions.Expect(row).ToContainTextAsync("Lãnh đạo bận công tác").DefaultTimeout();
        await row.GetByRole(AriaRole.Link, new() { Name = "Hội nghị bị hủy" }).ClickAsync().DefaultTimeout();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Hội nghị bị hủy").DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("history")).ToContainTextAsync("hủy hội nghị").DefaultTimeout();

        // Filters live in the address, so a filtered trail can be shared.
        await page.GotoAsync($"{_url}/audit?actor={ConsoleSeed.SecretariatUser}").DefaultTimeout();
        await Assertions.Expect(table.Locator("tbody tr")).ToHaveCountAsync(2).DefaultTimeout();
    }
}
