using Conferencing.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Conferencing.Server.Tests.Accounts;

public sealed class LoginPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private ConferencingFactory _factory = null!;
    private string _url = null!;

    public Task InitializeAsync()
    {
        _factory = new ConferencingFactory(TestDatabase.Sqlite(), demo: true);
        _url = BrowserFixture.StartKestrel(_factory);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _factory.Database.DisposeAsync();
    }

    [Fact]
    public async Task AStaffMemberSignsInInVietnameseAndSeesUpcomingMeetings()
    {
        await using var context = await browser.Browser.NewContextAsync().DefaultTimeout();
        var page = await context.NewPageAsync().DefaultTimeout();
        await page.GotoAsync(_url + "/").DefaultTimeout();
        Assert.EndsWith("/login?ReturnUrl=%2F", page.Url, StringComparison.Ordinal);
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Đăng nhập").DefaultTimeout();

        await page.GetByLabel("Tên đăng nhập").FillAsync("admin").DefaultTimeout();
        await page.GetByLabel("Mật khẩu").FillAsync("wrong-password-x").DefaultTimeout();
        await page.GetByRole(AriaRole.Button, new() { Name = "Đăng nhập" }).ClickAsync().DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("login-error")).ToContainTextAsync("không đúng").DefaultTimeout();

        await page.GetByLabel("Tên đăng nhập").FillAsync("admin").DefaultTimeout();
        await page.GetByLabel("Mật khẩu").FillAsync(ConferencingFactory.AdminPassword).DefaultTimeout();
        await page.GetByRole(AriaRole.Button, new() { Name = "Đăng nhập" }).ClickAsync().DefaultTimeout();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Hội nghị sắp diễn ra").DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("upcoming")).ToContainTextAsync("Hội nghị trực tuyến triển khai nhiệm vụ phát triển kinh tế - xã hội").DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("upcoming")).ToContainTextAsync("08:00–11:30").DefaultTimeout();

        await page.GetByRole(AriaRole.Link, new() { Name = "English" }).ClickAsync().DefaultTimeout();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Upcoming meetings").DefaultTimeout();

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync().DefaultTimeout();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Sign in").DefaultTimeout();
    }
}
