using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Conferencing.Server.Accounts;
using Conferencing.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Playwright;

namespace Conferencing.Server.Tests.Accounts;

/// <summary>A commune technician's live view, over the monitoring hub and in Chromium: its own rooms only.</summary>
public sealed class ScopedDashboardTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private const string Scope = "PT-X-PC";

    private ConferencingFactory _factory = null!;
    private string _url = null!;
    private string _username = null!;

    public async Task InitializeAsync()
    {
        _factory = new ConferencingFactory(TestDatabase.Sqlite());
        _url = BrowserFixture.StartKestrel(_factory);
        using var admin = await SignInAsync("admin", ConferencingFactory.AdminPassword, new CookieContainer());
        using var sites = new StringContent(Conferencing.Server.Sites.SiteFiles.ToCsv(Sample.MixedTree()), System.Text.Encoding.UTF8, "text/csv");
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync(new Uri("/api/sites/import", UriKind.Relative), sites).DefaultTimeout()).StatusCode);
        var port = 9;
        foreach (var code in new[] { "PT", "PT-X-LT", "PT-X-HC", "PT-X-PC", "PT-X-DH" })
        {
            // Loopback addresses on the discard port: nothing answers, and nothing leaves the machine.
            var created = await admin.PostAsJsonAsync("/api/endpoints", new { siteCode = code, sipUri = $"sip:{code.ToLowerInvariant()}@127.0.0.1:{port++}", displayName = "Phòng họp " + code }, ConferencingFactory.Json).DefaultTimeout();
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        _username = "ktv-pa-co";
        var user = await admin.PostAsJsonAsync("/api/users", new { username = _username, displayName = "Kỹ thuật viên Pà Cò", role = StaffRoles.Technician, password = ConferencingFactory.StaffPassword, scopeSiteCode = Scope }, ConferencingFactory.Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, user.StatusCode);
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _factory.Database.DisposeAsync();
    }

    private async Task<HttpClient> SignInAsync(string username, string password, CookieContainer cookies)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = new Uri(_url) };
        var response = await client.PostAsJsonAsync("/api/auth/login", new { username, password }, ConferencingFactory.Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return client;
    }

    [Fact]
    public async Task TheMonitoringHubGivesAScopedTechnicianItsSubtreeAndRefusesOthers()
    {
        var cookies = new CookieContainer();
        using (await SignInAsync(_username, ConferencingFactory.StaffPassword, cookies))
        {
        }

        await using var hub = new HubConnectionBuilder().WithUrl(_url + "/hubs/monitoring", o => o.Cookies = cookies).Build();
        await hub.StartAsync().DefaultTimeout();
        var snapshot = await hub.InvokeAsync<JsonElement>("Subscribe", null, null).DefaultTimeout();
        Assert.Equal([Scope], snapshot.GetProperty("sites").EnumerateArray().Select(s => s.GetProperty("code").GetString()));
        Assert.All(snapshot.GetProperty("endpoints").EnumerateArray(), e => Assert.Equal(Scope, e.GetProperty("siteCode").GetString()));
        Assert.Single(snapshot.GetProperty("endpoints").EnumerateArray());

        var refused = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<JsonElement>("Subscribe", "PT-X-HC", null).DefaultTimeout());
        Assert.Contains(StaffScopes.OutOfScopeCode, refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<JsonElement>("Subscribe", "PT", null).DefaultTimeout());
    }

    [Fact]
    public async Task AScopedTechniciansDashboardShowsItsOwnRoomsOnly()
    {
        await using var context = await browser.Browser.NewContextAsync().DefaultTimeout();
        var page = await context.NewPageAsync().DefaultTimeout();
        await BrowserFixture.SignInAsync(page, _url, _username, ConferencingFactory.StaffPassword);
        await page.GotoAsync(_url + "/monitoring").DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("connection")).ToHaveTextAsync("Đã kết nối trực tiếp").DefaultTimeout();
        var rows = page.Locator("#endpoint-rows tr[data-endpoint]");
        await Assertions.Expect(rows).ToHaveCountAsync(1).DefaultTimeout();
        Assert.Equal(Scope, await rows.First.GetAttributeAsync("data-site").DefaultTimeout());
        Assert.Equal(0, await page.Locator($"#endpoint-rows tr[data-site]:not([data-site='{Scope}'])").CountAsync().DefaultTimeout());

        // Another commune by address: refused, and the page stays on its own rooms.
        await page.GotoAsync(_url + "/monitoring?site=PT-X-HC").DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("connection")).ToHaveTextAsync("Đã kết nối trực tiếp").DefaultTimeout();
        await Assertions.Expect(rows).ToHaveCountAsync(1).DefaultTimeout();
        Assert.Equal(Scope, await rows.First.GetAttributeAsync("data-site").DefaultTimeout());

        // The admin sees every room on the same page.
        await using var adminContext = await browser.Browser.NewContextAsync().DefaultTimeout();
        var adminPage = await adminContext.NewPageAsync().DefaultTimeout();
        await BrowserFixture.SignInAsync(adminPage, _url, "admin", ConferencingFactory.AdminPassword);
        await adminPage.GotoAsync(_url + "/monitoring").DefaultTimeout();
        await Assertions.Expect(adminPage.Locator("#endpoint-rows tr[data-endpoint]")).ToHaveCountAsync(5).DefaultTimeout();
    }
}
