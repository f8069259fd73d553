using System.Net;
using System.Net.Http.Json;
using Conferencing.Server.Accounts;
using Conferencing.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Playwright;

namespace Conferencing.Server.Tests.Accounts;

/// <summary>
/// Connections that outlive the request that opened them, a SignalR hub connection and a Blazor
/// circuit, end when the account's session is revoked, over a real Kestrel.
/// </summary>
public sealed class RevokedSessionConnectionTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private ConferencingFactory _factory = null!;
    private string _url = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        _factory = new ConferencingFactory(TestDatabase.Sqlite(), settings: new Dictionary<string, string?> { ["Sessions:RevalidateInterval"] = "00:00:01" });
        _url = BrowserFixture.StartKestrel(_factory);
        _admin = await SignInAsync("admin", ConferencingFactory.AdminPassword);
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        await _factory.DisposeAsync();
        await _factory.Database.DisposeAsync();
    }

    private async Task<HttpClient> SignInAsync(string username, string password)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = new Uri(_url) };
        var response = await client.PostAsJsonAsync("/api/auth/login", new { username, password }, ConferencingFactory.Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return client;
    }

    private async Task<string> CreateTechnicianAsync()
    {
        var username = "ktv-" + Guid.NewGuid().ToString("N")[..8];
        var created = await _admin.PostAsJsonAsync("/api/users", new { username, displayName = "Kỹ thuật viên", role = StaffRoles.Technician, password = ConferencingFactory.StaffPassword }, ConferencingFactory.Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return username;
    }

    private Task<HttpResponseMessage> DisableAsync(string username) =>
        _admin.PutAsJsonAsync($"/api/users/{username}", new { disabled = true }, ConferencingFactory.Json).DefaultTimeout();

    [Fact]
    public async Task DisablingAnAccountClosesItsMonitoringHubConnection()
    {
        var username = await CreateTechnicianAsync();
        var cookies = new CookieContainer();
        using (var login = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = new Uri(_url) })
        {
            Assert.Equal(HttpStatusCode.OK, (await login.PostAsJsonAsync("/api/auth/login", new { username, password = ConferencingFactory.StaffPassword }, ConferencingFactory.Json).DefaultTimeout()).StatusCode);
        }

        await using var hub = new HubConnectionBuilder()
            .WithUrl(_url + "/hubs/monitoring", o => o.Cookies = cookies)
            .Build();
        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.Closed += e =>
        {
            closed.TrySetResult(e);
            return Task.CompletedTask;
        };
        await hub.StartAsync().DefaultTimeout();
        var snapshot = await hub.InvokeAsync<System.Text.Json.JsonElement>("Subscribe", null, null).DefaultTimeout();
        Assert.True(snapshot.TryGetProperty("sites", out _));

        Assert.Equal(HttpStatusCode.OK, (await DisableAsync(username)).StatusCode);
        await closed.Task.DefaultTimeout();
        Assert.Equal(HubConnectionState.Disconnected, hub.State);

        // And it cannot come back with the same cookie.
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => hub.StartAsync().DefaultTimeout());
    }

    [Fact]
    public async Task AnOpenPageOfADisabledUserIsSentToTheLoginPage()
    {
        var username = await CreateTechnicianAsync();
        await using var context = await browser.Browser.NewContextAsync().DefaultTimeout();
        var page = await context.NewPageAsync().DefaultTimeout();
        await BrowserFixture.SignInAsync(page, _url, username, ConferencingFactory.StaffPassword);
        await page.GotoAsync(_url + "/meetings").DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("current-user")).ToHaveTextAsync("Kỹ thuật viên").DefaultTimeout();

        // The circuit is up before the account changes: the calendar's filters appear only then.
        await Assertions.Expect(page.GetByTestId("filter-kind")).ToBeVisibleAsync().DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, (await DisableAsync(username)).StatusCode);
        await page.WaitForURLAsync(url => url.Contains("/login", StringComparison.Ordinal), new() { Timeout = 30_000 }).DefaultTimeout();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Đăng nhập").DefaultTimeout();
    }
}
