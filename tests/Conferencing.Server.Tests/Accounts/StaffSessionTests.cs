using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Conferencing.Server.Accounts;
using Conferencing.Server.Hosting;
using Conferencing.Server.Store;
using Conferencing.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Conferencing.Server.Tests.Accounts;

/// <summary>
/// Staff sessions end when the account changes: the cookie stops working on the next request on
/// the node that made the change, and within the revalidation interval on any other.
/// </summary>
public sealed class StaffSessionTests : IAsyncLifetime
{
    private static readonly JsonSerializerOptions Json = ConferencingFactory.Json;

    private ConferencingFactory _factory = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        // A short interval: the cross-node test waits for the cache to age instead of 30 s.
        _factory = new ConferencingFactory(TestDatabase.Sqlite(), settings: new Dictionary<string, string?> { ["Sessions:RevalidateInterval"] = "00:00:01" });
        _admin = await _factory.AdminAsync();
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        await _factory.DisposeAsync();
        await _factory.Database.DisposeAsync();
    }

    private async Task<(string Username, HttpClient Client)> StaffAsync(string role)
    {
        var username = role.ToLowerInvariant() + "-" + Guid.NewGuid().ToString("N")[..8];
        var created = await _admin.PostAsJsonAsync("/api/users", new { username, displayName = role + " user", role, password = ConferencingFactory.StaffPassword }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (username, await _factory.SignedInAsync(username, ConferencingFactory.StaffPassword));
    }

    private static async Task<HttpStatusCode> MeAsync(HttpClient client) =>
        (await client.GetAsync(new Uri("/api/auth/me", UriKind.Relative)).DefaultTimeout()).StatusCode;

    [Fact]
    public async Task ADisabledAccountsCookieStopsWorking()
    {
        var (username, client) = await StaffAsync(StaffRoles.Technician);
        using (client)
        {
            Assert.Equal(HttpStatusCode.OK, await MeAsync(client));
            Assert.Equal(HttpStatusCode.OK, (await _admin.PutAsJsonAsync($"/api/users/{username}", new { disabled = true }, Json).DefaultTimeout()).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, await MeAsync(client));
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync(new Uri("/api/sites", UriKind.Relative)).DefaultTimeout()).StatusCode);

            // Enabling the account again does not bring the old cookie back.
            Assert.Equal(HttpStatusCode.OK, (await _admin.PutAsJsonAsync($"/api/users/{username}", new { disabled = false }, Json).DefaultTimeout()).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, await MeAsync(client));
        }
    }

    [Fact]
    public async Task ARoleChangeEndsTheOldCookieAndTheNextSignInCarriesTheNewRole()
    {
        var (username, client) = await StaffAsync(StaffRoles.Secretariat);
        using (client)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/api/reports/meetings?from=2026-01-01&to=2026-12-31", UriKind.Relative)).DefaultTimeout()).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await _admin.PutAsJsonAsync($"/api/users/{username}", new { role = StaffRoles.Technician }, Json).DefaultTimeout()).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync(new Uri("/api/reports/meetings?from=2026-01-01&to=2026-12-31", UriKind.Relative)).DefaultTimeout()).StatusCode);
        }

        using var again = await _factory.SignedInAsync(username, ConferencingFactory.StaffPassword);
        var me = await again.GetFromJsonAsync<JsonElement>("/api/auth/me", Json).DefaultTimeout();
        Assert.Equal(StaffRoles.Technician, me.GetProperty("role").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await again.GetAsync(new Uri("/api/reports/meetings?from=2026-01-01&to=2026-12-31", UriKind.Relative)).DefaultTimeout()).StatusCode);
    }

    [Fact]
    public async Task ChangingOnlyTheDisplayNameKeepsTheSession()
    {
        var (username, client) = await StaffAsync(StaffRoles.Technician);
        using (client)
        {
            Assert.Equal(HttpStatusCode.OK, (await _admin.PutAsJsonAsync($"/api/users/{username}", new { displayName = "Kỹ thuật viên Hạ Hòa" }, Json).DefaultTimeout()).StatusCode);
            Assert.Equal(HttpStatusCode.OK, await MeAsync(client));
        }
    }

    [Fact]
    public async Task SignOutEverywhereEndsEverySessionOfTheAccountAndNoOther()
    {
        var (username, laptop) = await StaffAsync(StaffRoles.Technician);
        var (_, colleague) = await StaffAsync(StaffRoles.Technician);
        using var phone = await _factory.SignedInAsync(username, ConferencingFactory.StaffPassword);
        using (laptop)
        using (colleague)
        {
            Assert.Equal(HttpStatusCode.NoContent, (await laptop.PostAsync(new Uri("/api/auth/logout-everywhere", UriKind.Relative), null).DefaultTimeout()).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, await MeAsync(laptop));
            Assert.Equal(HttpStatusCode.Unauthorized, await MeAsync(phone));
            Assert.Equal(HttpStatusCode.OK, await MeAsync(colleague));
        }

        // The administrator's version of the same, on someone else's account.
        using var fresh = await _factory.SignedInAsync(username, ConferencingFactory.StaffPassword);
        Assert.Equal(HttpStatusCode.OK, await MeAsync(fresh));
        Assert.Equal(HttpStatusCode.NoContent, (await _admin.PostAsync(new Uri($"/api/users/{username}/revoke-sessions", UriKind.Relative), null).DefaultTimeout()).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, await MeAsync(fresh));
        Assert.Equal(HttpStatusCode.OK, await MeAsync(_admin));
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.PostAsync(new Uri("/api/users/khong-co-ai/revoke-sessions", UriKind.Relative), null).DefaultTimeout()).StatusCode);
    }

    [Fact]
    public async Task APasswordResetThroughTheApiEndsTheSessions()
    {
        var (username, client) = await StaffAsync(StaffRoles.Technician);
        using (client)
        {
            Assert.Equal(HttpStatusCode.OK, (await _admin.PutAsJsonAsync($"/api/users/{username}", new { password = "mat-khau-moi-12345" }, Json).DefaultTimeout()).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, await MeAsync(client));
        }
    }

    [Fact]
    public async Task TheResetPasswordCommandOnAnotherNodeEndsTheSessionsWithinTheInterval()
    {
        var (username, client) = await StaffAsync(StaffRoles.Technician);
        using (client)
        {
            Assert.Equal(HttpStatusCode.OK, await MeAsync(client));

            // The command as an operator runs it: its own process (here its own container) on the same store.
            await using (var database = _factory.Database.Open())
            {
                var services = new ServiceCollection()
                    .AddSingleton(database)
                    .AddSingleton(TimeProvider.System)
                    .AddSingleton<AuditLog>()
                    .AddSingleton<StaffUserStore>()
                    .BuildServiceProvider();
                await using (services)
                {
                    Assert.Equal(0, await CommandLine.RunAsync(services, ["reset-password", username], "mat-khau-moi-12345").DefaultTimeout());
                }
            }

            // This node learns of it when its cached entry ages out (1 s here, at most 30 s).
            var deadline = DateTime.UtcNow.AddSeconds(20);
            var status = await MeAsync(client);
            while (status == HttpStatusCode.OK && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
                status = await MeAsync(client);
            }

            Assert.Equal(HttpStatusCode.Unauthorized, status);
        }

        using var again = await _factory.SignedInAsync(username, "mat-khau-moi-12345");
        Assert.Equal(HttpStatusCode.OK, await MeAsync(again));
    }

    [Fact]
    public async Task AScopeIsShownAndChangingItEndsTheSession()
    {
        using var sites = new StringContent(Conferencing.Server.Sites.SiteFiles.ToCsv(Sample.MixedTree()), System.Text.Encoding.UTF8, "text/csv");
        Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsync(new Uri("/api/sites/import", UriKind.Relative), sites).DefaultTimeout()).StatusCode);
        var (username, client) = await StaffAsync(StaffRoles.Technician);
        using (client)
        {
            var unknown = await _admin.PutAsJsonAsync($"/api/users/{username}", new { scopeSiteCode = "PT-KHONG-CO" }, Json).DefaultTimeout();
            Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
            Assert.Equal(HttpStatusCode.OK, await MeAsync(client));
            Assert.Equal(HttpStatusCode.OK, (await _admin.PutAsJsonAsync($"/api/users/{username}", new { scopeSiteCode = "PT-H-LT" }, Json).DefaultTimeout()).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, await MeAsync(client));
        }

        using var again = await _factory.SignedInAsync(username, ConferencingFactory.StaffPassword);
        var me = await again.GetFromJsonAsync<JsonElement>("/api/auth/me", Json).DefaultTimeout();
        Assert.Equal("PT-H-LT", me.GetProperty("scopeSiteCode").GetString());
        var users = await _admin.GetFromJsonAsync<JsonElement>("/api/users", Json).DefaultTimeout();
        Assert.Contains(users.EnumerateArray(), u => u.GetProperty("username").GetString() == username && u.GetProperty("scopeSiteCode").GetString() == "PT-H-LT");
    }
}
