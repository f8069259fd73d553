using System.Net;
using System.Net.Sockets;
using Conferencing.Relay;
using Conferencing.Server.Relaying;
using Conferencing.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Conferencing.Server.Tests.Relaying;

/// <summary>A room that was dialled before it registered is called again where it registered.</summary>
[Collection(RealTimeCollection.Name)]
public sealed class DialAtContactTests(ITestOutputHelper output) : RelayTestBase(output)
{
    [Fact]
    public async Task ARoomThatRegistersWhileBeingDialledAtItsSipUriIsCalledAtItsContactAtOnce()
    {
        // Where the room's SIP URI points, nothing answers: a socket that swallows every INVITE, as an
        // address the room has left would (the INVITE would hang there until SIP's 32 s timer B).
        using var blackHole = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        blackHole.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)blackHole.LocalEndPoint!).Port;
        var id = await CreateEndpointAsync("PT-X-HC", $"sip:xa-hy-cuong@127.0.0.1:{port}", "xa-hy-cuong", "mat-khau-hy-cuong");
        var meeting = await ScheduleAsync("ProvinceHosted", "PT", ["PT-X-HC"]);
        await CommandAsync(meeting, "start");
        await WaitForCallsAsync(meeting, c => c.Endpoints.Any(e => e.SiteCode == "PT-X-HC" && e.State == CallState.Dialing), "the relay to dial Hy Cương's SIP URI");
        var buffer = new byte[4096];
        using var heard = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = await blackHole.ReceiveAsync(buffer, SocketFlags.None, heard.Token).AsTask().DefaultTimeout();
        Assert.StartsWith("INVITE ", System.Text.Encoding.ASCII.GetString(buffer, 0, received), StringComparison.Ordinal);

        // The room comes up and registers: the waiting INVITE is cancelled and the room called at
        // its contact. Without that, the call would wait for the old INVITE to time out (32 s).
        await Until(async () => await Simulator.StartRoomAsync(id, CancellationToken.None) || Simulator.Rooms.ContainsKey(id), "the room to start");
        var call = await WaitForCallsAsync(meeting, c => c.Endpoints.Any(e => e.SiteCode == "PT-X-HC" && e.State == CallState.InCall),
            "Hy Cương in the call well before the first INVITE's 32 s", TimeSpan.FromSeconds(20));
        var node = Factory.Services.GetRequiredService<RelayNode>();
        var legs = (await node.GetMeetingAsync(call.Number).DefaultTimeout()).Legs;
        var connected = Assert.Single(legs, l => l.State == LegState.Connected);
        Assert.DoesNotContain($":{port}", connected.RemoteUri, StringComparison.Ordinal);
    }
}
