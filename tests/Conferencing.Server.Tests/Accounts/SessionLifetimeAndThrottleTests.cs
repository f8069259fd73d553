using System.Net;
using System.Net.Http.Json;
using Conferencing.Server.Accounts;
using Conferencing.Server.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Conferencing.Server.Tests.Accounts;

public sealed class SessionLifetimeAndThrottleTests
{
    private static async Task<HttpStatusCode> MeAsync(HttpClient client) =>
        (await client.GetAsync(new Uri("/api/auth/me", UriKind.Relative)).DefaultTimeout()).StatusCode;

    private static Task<HttpResponseMessage> LoginAsync(HttpClient client, string username, string password) =>
        client.PostAsJsonAsync("/api/auth/login", new { username, password }, ConferencingFactory.Json).DefaultTimeout();

    [Fact]
    public async Task ASessionEndsAtItsAbsoluteLifetimeEvenWhileItIsInUse()
    {
        await using var database = TestDatabase.Sqlite();
        await using var factory = new ConferencingFactory(database, settings: new Dictionary<string, string?>
        {
            ["Sessions:AbsoluteLifetime"] = "00:00:04",
            ["Sessions:IdleTimeout"] = "00:00:04",
        });
        // The server starts first (it may take a while on a busy machine); the clock starts just before the sign-in.
        using (var warm = factory.CreateClient())
        {
            await warm.GetAsync(new Uri("/health", UriKind.Relative)).DefaultTimeout();
        }

        var signedIn = DateTime.UtcNow;
        using var admin = await factory.AdminAsync();

        // Used every 300 ms, the sliding expiry never runs out; only the absolute lifetime can end it.
        var status = HttpStatusCode.OK;
        while (status == HttpStatusCode.OK && DateTime.UtcNow < signedIn.AddSeconds(30))
        {
            await Task.Delay(300);
            status = await MeAsync(admin);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.True(DateTime.UtcNow - signedIn >= TimeSpan.FromSeconds(4), "ended before its lifetime");
    }

    [Fact]
    public async Task FailedSignInsFromOneAddressAreThrottledAcrossAccountNamesWithRetryAfter()
    {
        await using var database = TestDatabase.Sqlite();
        await using var factory = new ConferencingFactory(database, settings: new Dictionary<string, string?> { ["LoginThrottle:MaxFailuresPerAddress"] = "3" });
        using var client = factory.CreateClient();
        foreach (var name in new[] { "an", "binh", "chi" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await LoginAsync(client, name + "-khong-co", "wrong-password-1")).StatusCode);
        }

        // The right password of another account, from the same address: refused too.
        var throttled = await LoginAsync(client, "admin", ConferencingFactory.AdminPassword);
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.NotNull(throttled.Headers.RetryAfter?.Delta);
        Assert.True(throttled.Headers.RetryAfter!.Delta!.Value > TimeSpan.Zero);
        var problem = await throttled.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>().DefaultTimeout();
        Assert.Equal("auth.throttled", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task AnAccountsLockoutOutlivesARestartOfTheServer()
    {
        await using var database = TestDatabase.Sqlite();
        await using (var first = new ConferencingFactory(database))
        {
            using var client = first.CreateClient();
            for (var i = 0; i < LoginThrottleOptions.DefaultMaxFailuresPerAccount; i++)
            {
                Assert.Equal(HttpStatusCode.Unauthorized, (await LoginAsync(client, "admin", "wrong-password-" + i)).StatusCode);
            }
        }

        await using var second = new ConferencingFactory(database);
        using var again = second.CreateClient();
        var throttled = await LoginAsync(again, "admin", ConferencingFactory.AdminPassword);
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.NotNull(throttled.Headers.RetryAfter);
    }

    [Theory]
    [InlineData(Conferencing.Server.Store.StoreProvider.Sqlite)]
    [InlineData(Conferencing.Server.Store.StoreProvider.PostgreSql)]
    public async Task OldFailureRowsArePrunedAndALockEnds(Conferencing.Server.Store.StoreProvider provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider);
        await using var database = await test.OpenMigratedAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var throttle = new LoginThrottle(database, Options.Create(new LoginThrottleOptions()), clock);
        for (var i = 0; i < 200; i++)
        {
            await throttle.FailedAsync("ten-" + i, "10.0.0." + (i % 50), CancellationToken.None).DefaultTimeout();
        }

        for (var i = 0; i < LoginThrottleOptions.DefaultMaxFailuresPerAccount; i++)
        {
            await throttle.FailedAsync("admin", "127.0.0.1", CancellationToken.None).DefaultTimeout();
        }

        Assert.NotNull(await throttle.RetryAfterAsync("admin", "127.0.0.2", CancellationToken.None).DefaultTimeout());
        Assert.True(await CountAsync(database) >= 250);

        clock.Advance(LoginThrottleOptions.DefaultLockoutDuration + TimeSpan.FromSeconds(1));
        Assert.Null(await throttle.RetryAfterAsync("admin", "127.0.0.2", CancellationToken.None).DefaultTimeout());

        clock.Advance(LoginThrottleOptions.DefaultWindow);
        Assert.True(await throttle.PruneAsync(CancellationToken.None).DefaultTimeout() >= 250);
        Assert.Equal(0, await CountAsync(database));
    }

    private static async Task<long> CountAsync(Conferencing.Server.Store.Database database)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None).DefaultTimeout();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM login_failures";
        return Convert.ToInt64(await command.ExecuteScalarAsync().DefaultTimeout(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
