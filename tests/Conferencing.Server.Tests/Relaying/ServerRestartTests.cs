using Conferencing.Server.Endpoints.Presence;
using Conferencing.Server.Meetings;
using Conferencing.Server.Relaying;
using Conferencing.Server.Simulator;
using Conferencing.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Conferencing.Server.Tests.Relaying;

/// <summary>The server stops in the middle of a live meeting and a new one starts over the same store.</summary>
[Collection(RealTimeCollection.Name)]
public sealed class ServerRestartTests(ITestOutputHelper output) : RelayTestBase(output)
{
    [Fact]
    public async Task AServerRestartedInALiveMeetingResumesItFromTheStore()
    {
        // Rooms of their own (not the server's simulator), so they outlive the server; the new server
        // has no registrations yet and calls them at their addresses.
        var presence = Factory.Services.GetRequiredService<PresenceService>();
        await Until(() => presence.UdpEndPoint is not null, "the registrar to listen");
        await using var host = await RoomAsync("PT", presence);
        await using var hyCuong = await RoomAsync("PT-X-HC", presence);
        var meeting = await ScheduleAsync("ProvinceHosted", "PT", ["PT", "PT-X-HC"]);
        await CommandAsync(meeting, "start");
        var before = await WaitForCallsAsync(meeting, c => c.Endpoints.All(e => e.State == CallState.InCall), "both sites in the call");
        await CommandAsync(meeting, "floor", new { siteCode = "PT-X-HC" });
        await Until(() => PictureAt(host) == "pt-x-hc", "the host to see Hy Cương", detail: () => DescribePictures([host, hyCuong]));

        var restartedUtc = DateTimeOffset.UtcNow;
        await RestartServerAsync();
        var after = await WaitForCallsAsync(meeting, c => c.Status == MeetingStatus.Live && c.Endpoints.All(e => e.State == CallState.InCall && e.ConnectedUtc > restartedUtc),
            "the restarted server to call both sites again");
        Assert.Equal(before.Number, after.Number);
        await WaitForCallsAsync(meeting, c => c.ProgramSiteCode == "PT-X-HC", "the floor to stay with Hy Cương");
        await Until(() => PictureAt(host) == "pt-x-hc" && Video(host).Packets > 30, "the host to see Hy Cương on the new call", detail: () => DescribePictures([host, hyCuong]));

        await CommandAsync(meeting, "end");
        await Until(() => host.ActiveCalls == 0 && hyCuong.ActiveCalls == 0, "both rooms to be hung up");
    }

    private async Task<SimulatedRoom> RoomAsync(string siteCode, PresenceService presence)
    {
        var user = siteCode.ToLowerInvariant();
        var room = new SimulatedRoom(user, "mat-khau-" + user, presence.UdpEndPoint!.Value, RoomSimulatorService.RegistrationInterval, NullLogger.Instance);
        room.Start();
        await CreateEndpointAsync(siteCode, $"sip:{user}@{room.EndPoint!.Value.Address}", user, "mat-khau-" + user);
        return room;
    }
}
