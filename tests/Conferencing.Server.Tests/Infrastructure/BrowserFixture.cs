using Microsoft.Playwright;

namespace Conferencing.Server.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium driven by Playwright, against the real server on a loopback Kestrel port. The
/// generic parts (launching Chromium, starting Kestrel) live in Conferencing.Testing; what stays
/// here knows the server (its factory, its login page).
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = Chromium.ExecutablePath;

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _playwright = await Playwright.CreateAsync().DefaultTimeout();
        Browser = await Chromium.LaunchAsync(_playwright);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
    }

    /// <summary>Signs in through the login page, as a person would.</summary>
    public static async Task SignInAsync(IPage page, string baseUrl, string username, string password)
    {
        ArgumentNullException.ThrowIfNull(page);
        await page.GotoAsync(baseUrl + "/login").DefaultTimeout();
        await page.Locator("input[name='Input.Username']").FillAsync(username).DefaultTimeout();
        await page.Locator("input[name='Input.Password']").FillAsync(password).DefaultTimeout();
        await page.Locator("form button[type=submit]").ClickAsync().DefaultTimeout();
        // Signed in once the redirect away from the login page is committed (the cookie came with it);
        // waiting for the next page's load too timed out once on a cold server, and every test's next
        // step waits for what it needs anyway.
        await page.WaitForURLAsync(url => !url.Contains("/login", StringComparison.Ordinal), new() { WaitUntil = WaitUntilState.Commit }).DefaultTimeout();
    }

    /// <summary>Starts the factory's server on a free loopback port and returns its base address.</summary>
    public static string StartKestrel(ConferencingFactory factory) => Kestrel.Start(factory);
}
