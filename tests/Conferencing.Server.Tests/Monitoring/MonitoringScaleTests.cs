using Conferencing.Server.Endpoints;
using Conferencing.Server.Endpoints.Presence;
using Conferencing.Server.Monitoring;
using Conferencing.Server.Sites;
using Conferencing.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Conferencing.Server.Tests.Monitoring;

/// <summary>
/// The dashboard at national scale: 3,500 endpoints (175 communes of 20 rooms), every one changing
/// in one batch through the real broadcaster and hub. Checks that every change lands and reports how
/// long the page took to apply a batch (window.monitoringStats); the time is a figure for the
/// README, not an assertion.
/// </summary>
[Collection(Relaying.RealTimeCollection.Name)]
public sealed class MonitoringScaleTests(BrowserFixture browser, ITestOutputHelper output) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private const int Communes = 175;
    private const int PerCommune = 20;
    private ConferencingFactory _factory = null!;
    private string _url = null!;

    public Task InitializeAsync()
    {
        _factory = new ConferencingFactory(TestDatabase.Sqlite());
        _url = BrowserFixture.StartKestrel(_factory);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _factory.Database.DisposeAsync();
    }

    [Fact]
    public async Task ThreeThousandFiveHundredEndpointsChangingAtOnceAllReachThePage()
    {
        await _factory.Services.GetRequiredService<SiteStore>().ImportAsync(Sample.Province(Communes, departments: 0), "admin", CancellationToken.None).DefaultTimeout();
        var store = _factory.Services.GetRequiredService<EndpointStore>();
        var endpoints = new List<SipEndpoint>();
        for (var c = 1; c <= Communes; c++)
        {
            for (var r = 1; r <= PerCommune; r++)
            {
                // Host names, not addresses: the registrar probes only addresses and registered rooms.
                endpoints.Add(await store.CreateAsync(new EndpointInput($"PT-X{c:D3}", $"sip:phong-{r}@xa-{c}.invalid", $"Phòng {r}", null, null, null, null, null), "admin", CancellationToken.None).DefaultTimeout());
            }
        }

        await using var context = await browser.Browser.NewContextAsync().DefaultTimeout();
        var page = await context.NewPageAsync().DefaultTimeout();
        await BrowserFixture.SignInAsync(page, _url, "admin", ConferencingFactory.AdminPassword);
        await page.GotoAsync(_url + "/monitoring").DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("connection")).ToHaveTextAsync("Đã kết nối trực tiếp", new() { Timeout = 30_000 }).DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("count-unknown")).ToHaveTextAsync("3500").DefaultTimeout();

        var broadcaster = _factory.Services.GetRequiredService<MonitoringBroadcaster>();
        var meeting = Guid.NewGuid();
        var now = DateTimeOffset.UtcNow;
        var applied = new List<double>();
        for (var round = 0; round < 5; round++)
        {
            var state = round % 2 == 0 ? EndpointState.Offline : EndpointState.InCall;
            foreach (var e in endpoints)
            {
                broadcaster.Publish(new EndpointPresence(e.Id, e.SiteCode, e.SipUri, state, null, null, null, now, now, null));
                broadcaster.PublishCall(meeting, new CallFigures(e.Id, CallLegState.Connected, round, 0.5, 3.2 + round, 21, 290, 300, round));
            }

            var before = await page.EvaluateAsync<int>("window.monitoringStats.batches").DefaultTimeout();
            await broadcaster.FlushAsync(CancellationToken.None).DefaultTimeout();
            var testId = state == EndpointState.Offline ? "count-offline" : "count-incall";
            await Assertions.Expect(page.GetByTestId(testId)).ToHaveTextAsync("3500").DefaultTimeout();
            await page.WaitForFunctionAsync($"window.monitoringStats.batches > {before}").DefaultTimeout();
            applied.Add(await page.EvaluateAsync<double>("window.monitoringStats.lastApplyMs").DefaultTimeout());
        }

        // Every row shows the last round's figures, and every commune's header counts its 20 rooms (all offline in the last round).
        await Assertions.Expect(page.Locator($"tr[data-endpoint='{endpoints[^1].Id}'] td").Nth(3)).ToHaveTextAsync("7,2 ms").DefaultTimeout();
        await Assertions.Expect(page.Locator("tr.site[data-site='PT-X175'] .counts")).ToHaveTextAsync("0/20 thiết bị hoạt động · 20 Mất kết nối").DefaultTimeout();
        output.WriteLine($"applying one batch of 3,500 presence changes and 3,500 call figures: {string.Join(", ", applied.Select(a => a.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)))} ms");
    }
}
