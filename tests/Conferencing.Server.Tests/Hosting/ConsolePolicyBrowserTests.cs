using Conferencing.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Conferencing.Server.Tests.Hosting;

/// <summary>The staff console under its content security policy, in Chromium: the circuit starts and nothing is refused.</summary>
public sealed class ConsolePolicyBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
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
    public async Task TheConsoleRunsItsCircuitUnderThePolicyWithNothingRefused()
    {
        await using var context = await browser.Browser.NewContextAsync().DefaultTimeout();
        var page = await context.NewPageAsync().DefaultTimeout();
        var refused = new System.Collections.Concurrent.ConcurrentQueue<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase) || message.Text.Contains("Refused to", StringComparison.Ordinal))
            {
                refused.Enqueue(message.Text);
            }
        };
        var circuit = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        page.WebSocket += (_, socket) =>
        {
            if (socket.Url.Contains("/_blazor", StringComparison.Ordinal))
            {
                circuit.TrySetResult(socket.Url);
            }
        };

        var response = await page.GotoAsync(_url + "/login").DefaultTimeout();
        Assert.Contains("frame-ancestors 'none'", (await response!.HeaderValueAsync("content-security-policy").DefaultTimeout())!, StringComparison.Ordinal);
        await BrowserFixture.SignInAsync(page, _url, "admin", ConferencingFactory.AdminPassword);
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Hội nghị sắp diễn ra").DefaultTimeout();
        await circuit.Task.DefaultTimeout();

        // A click the circuit answers: the language switch re-renders the page in English.
        await page.GetByRole(AriaRole.Link, new() { Name = "English" }).ClickAsync().DefaultTimeout();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Upcoming meetings").DefaultTimeout();
        Assert.Empty(refused);
    }
}
