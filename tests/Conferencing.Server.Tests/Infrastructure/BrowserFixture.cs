using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Conferencing.Server.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium driven by Playwright, against the real server on a loopback Kestrel port.
/// Fails, never skips, when Chromium is missing: ops/test installs it.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing. Run the tests with ops/test, which installs Debian's chromium.");
        }

        // Blazor pages answer over a circuit; on two cores shared with other suites a round trip can
        // pass Playwright's 5 s default, which would fail a test that only waited too little.
        Assertions.SetDefaultExpectTimeout(15_000);
        _playwright = await Playwright.CreateAsync().DefaultTimeout();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
            ],
        }).DefaultTimeout();
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
    public static string StartKestrel(ConferencingFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        factory.UseKestrel(0);
        factory.StartServer();
        var addresses = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        return addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("localhost", "127.0.0.1", StringComparison.Ordinal);
    }
}
