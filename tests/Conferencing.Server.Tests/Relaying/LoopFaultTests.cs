using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Conferencing.Server.Endpoints.Presence;
using Conferencing.Server.Hosting.Supervision;
using Conferencing.Server.Monitoring;
using Conferencing.Server.Relaying;
using Conferencing.Server.Room;
using Conferencing.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;

namespace Conferencing.Server.Tests.Relaying;

/// <summary>
/// A bug in any background loop costs that loop a restart, never the host: with a meeting live on
/// simulated rooms, a fault is injected into every kind of loop the server runs (SIP keepalive, the
/// conductor's input loop, its ticker and its store writer, alarm rules, the dashboard's push, the
/// room's push), and the calls go on, the host keeps serving, and the conductor still obeys.
/// </summary>
[Collection(RealTimeCollection.Name)]
public sealed class LoopFaultTests(ITestOutputHelper output) : RelayTestBase(output)
{
    // Keepalive every two seconds, so the presence loop goes round during the test.
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Sip:KeepaliveInterval"] = "00:00:02",
        ["Sip:OfflineAfter"] = "00:01:00",
    };

    [Fact]
    public async Task AFaultInEveryLoopKindLeavesTheHostUpAndTheLiveCallsUp()
    {
        var (_, host) = await SimulatedRoomAsync("PT");
        var (_, hyCuong) = await SimulatedRoomAsync("PT-X-HC");
        var (_, paCo) = await SimulatedRoomAsync("PT-X-PC");
        var meeting = await ScheduleAsync("ProvinceHosted", "PT", ["PT", "PT-X-HC", "PT-X-PC"]);
        await CommandAsync(meeting, "start");
        var live = await WaitForCallsAsync(meeting, c => c.Endpoints.Count == 3 && c.Endpoints.All(e => e.State == CallState.InCall), "every site in the call");
        var attempts = live.Endpoints.ToDictionary(e => e.SiteCode, e => e.Attempts);
        var supervisor = Factory.Services.GetRequiredService<LoopSupervisor>();
        var lifetime = Factory.Services.GetRequiredService<IHostApplicationLifetime>();

        string[] loops =
        [
            PresenceService.Loop, RelayConductor.Loop, RelayConductor.TickLoop, RelayConductor.WriteLoop,
            AlarmService.Loop, MonitoringBroadcaster.Loop, RoomBroadcaster.Loop,
        ];
        foreach (var loop in loops)
        {
            supervisor.InjectFault(loop, new InvalidOperationException($"injected into {loop}"));
        }

        // The room's push goes round on a change: a floor change is one, and shows the conductor obeys.
        await CommandAsync(meeting, "floor", new { siteCode = "PT-X-HC" });
        await Until(() => loops.All(l => supervisor.StatusOf(l) is { Restarts: >= 1, Running: true }), "every loop to fail and start again",
            detail: () => string.Join("; ", supervisor.Statuses.Select(s => $"{s.Name} restarts={s.Restarts} running={s.Running}")));
        Assert.False(lifetime.ApplicationStopping.IsCancellationRequested, "the host is stopping");

        // The calls were never dropped nor dialled again, and the floor reached every room.
        await Until(() => PictureAt(paCo) == "pt-x-hc" && PictureAt(host) == "pt-x-hc", "the floor at Hy Cương to reach the other rooms",
            detail: () => DescribePictures([host, hyCuong, paCo]));
        var after = await WaitForCallsAsync(meeting, c => c.ProgramSiteCode == "PT-X-HC" && c.Endpoints.All(e => e.State == CallState.InCall), "the calls after the restarts");
        Assert.All(after.Endpoints, e => Assert.Equal(attempts[e.SiteCode], e.Attempts));
        Assert.All(new[] { host, hyCuong, paCo }, r => Assert.Equal(1, r.ActiveCalls));

        // Statistics keep coming from the relay through the conductor that was started again.
        var stamp = Live.Get(meeting)!.Endpoints.Max(e => e.Last!.AtUtc);
        await WaitForCallsAsync(meeting, c => c.Endpoints.All(e => e.Last!.AtUtc > stamp), "a new second of statistics");

        // The restarted loops go round again, and /health says which restarted without any error text.
        var beats = loops.ToDictionary(l => l, l => supervisor.StatusOf(l)!.LastBeatUtc);
        await Until(() => new[] { PresenceService.Loop, RelayConductor.Loop, RelayConductor.TickLoop, AlarmService.Loop, MonitoringBroadcaster.Loop }
            .All(l => supervisor.StatusOf(l)!.LastBeatUtc > beats[l]), "the restarted loops to go round");
        using var anonymous = Factory.CreateClient();
        var health = await anonymous.GetAsync(new Uri("/health", UriKind.Relative)).DefaultTimeout();
        var body = await health.Content.ReadFromJsonAsync<JsonElement>(Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        var description = body.GetProperty("checks").GetProperty("loops").GetProperty("description").GetString()!;
        Assert.Contains("conductor restarted 1x", description, StringComparison.Ordinal);
        Assert.DoesNotContain("injected", body.ToString(), StringComparison.Ordinal);
        Output.WriteLine(description);
    }

    [Fact]
    public async Task APresenceListenerThatThrowsDoesNotKeepTheOthersFromHearing()
    {
        var presence = Factory.Services.GetRequiredService<PresenceService>();
        var heard = new List<EndpointState>();
        presence.Changed += _ => throw new FormatException("a broken listener");
        presence.Changed += p =>
        {
            lock (heard)
            {
                heard.Add(p.State);
            }
        };

        var (endpoint, _) = await SimulatedRoomAsync("PT-X-HC");
        await Until(() =>
        {
            lock (heard)
            {
                return heard.Count > 0;
            }
        }, "the second listener to hear the registration");
        Assert.Equal(EndpointState.Reachable, (await WaitForPresenceAsync(presence, endpoint)).State);
        Assert.True(Factory.Services.GetRequiredService<LoopSupervisor>().StatusOf(PresenceService.Loop + ".listeners")!.SkippedItems >= 1);
    }

    private static async Task<EndpointPresence> WaitForPresenceAsync(PresenceService presence, Guid endpoint)
    {
        await Until(() => presence.Get(endpoint)?.State == EndpointState.Reachable, "the room to be reachable");
        return presence.Get(endpoint)!;
    }
}
