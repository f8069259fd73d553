using Microsoft.Playwright;

namespace Conferencing.Testing;

/// <summary>
/// Debian's Chromium (installed by ops/test) launched headless through Playwright. Fails, never
/// skips, when Chromium is missing. Playwright's own browser download is never used.
/// </summary>
public static class Chromium
{
    public const string ExecutablePath = "/usr/bin/chromium";

    /// <summary>
    /// Playwright's default for Expect is 5 s; Blazor pages answer over a circuit, and on two cores
    /// shared with other suites a round trip can pass that, failing a test that only waited too little.
    /// </summary>
    public const float ExpectTimeoutMilliseconds = 15_000;

    /// <summary>Launches a headless Chromium with nothing that would reach beyond loopback on its own.</summary>
    public static async Task<IBrowser> LaunchAsync(IPlaywright playwright)
    {
        ArgumentNullException.ThrowIfNull(playwright);
        Tools.Require(ExecutablePath, "chromium");
        Assertions.SetDefaultExpectTimeout(ExpectTimeoutMilliseconds);
        return await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
            ],
        }).DefaultTimeout();
    }
}
