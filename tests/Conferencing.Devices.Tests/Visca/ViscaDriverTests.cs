using System.Net;
using System.Net.Sockets;
using Conferencing.Devices.Simulation;
using Conferencing.Devices.Visca;
using static Conferencing.Devices.Tests.Bytes;

namespace Conferencing.Devices.Tests.Visca;

public class ViscaDriverTests
{
    // A command gets long enough for a loaded machine; retransmission stays quick so its tests are short.
    private static readonly ViscaTimeouts Short = new() { Command = TimeSpan.FromSeconds(5), Retransmit = TimeSpan.FromMilliseconds(100) };

    [Fact]
    public async Task ViscaOverIpPowersPresetsAndReportsPosition()
    {
        await using var simulator = new ViscaIpCameraSimulator();
        await using var camera = new ViscaCamera(new ViscaIpTransport(simulator.EndPoint, Short));
        await camera.PowerAsync(false, default).DefaultTimeout();
        Assert.False(await camera.IsPoweredAsync(default).DefaultTimeout());
        await camera.PowerAsync(true, default).DefaultTimeout();
        Assert.True(await camera.IsPoweredAsync(default).DefaultTimeout());

        await camera.PanTiltAsync(PanTiltDirection.Right, default).DefaultTimeout();
        await camera.ZoomAsync(ZoomDirection.Tele, default).DefaultTimeout();
        var moved = await camera.GetPositionAsync(default).DefaultTimeout();
        Assert.True(moved.Pan > 0);
        Assert.True(moved.Zoom > 0);
        await camera.StorePresetAsync(3, default).DefaultTimeout();
        await camera.HomeAsync(default).DefaultTimeout();
        await camera.PanTiltAsync(PanTiltDirection.DownLeft, default).DefaultTimeout();
        var elsewhere = await camera.GetPositionAsync(default).DefaultTimeout();
        Assert.True(elsewhere.Pan < 0 && elsewhere.Tilt < 0);

        await camera.RecallPresetAsync(3, default).DefaultTimeout();
        Assert.Equal(moved, await camera.GetPositionAsync(default).DefaultTimeout());
        Assert.Equal(3, simulator.Camera.LastRecalledPreset);
    }

    [Fact]
    public async Task LostDatagramsAreSentAgainWithTheSameSequenceAndRunOnce()
    {
        await using var simulator = new ViscaIpCameraSimulator();
        var transport = new ViscaIpTransport(simulator.EndPoint, Short);
        await using var camera = new ViscaCamera(transport);
        await camera.HomeAsync(default).DefaultTimeout();
        var executed = simulator.Camera.Executed;

        simulator.DropNext(2);
        await camera.RecallPresetAsync(1, default).DefaultTimeout();

        Assert.Equal(2, transport.Retransmissions);
        Assert.Equal(executed + 1, simulator.Camera.Executed);
    }

    [Fact]
    public async Task ARepeatedSequenceNumberIsAnsweredFromTheCacheAndABackwardOneIsAnError()
    {
        await using var simulator = new ViscaIpCameraSimulator();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(simulator.EndPoint);
        var buffer = new byte[64];

        async Task<string> Exchange(byte[] datagram)
        {
            await socket.SendAsync(datagram).DefaultTimeout();
            var n = await socket.ReceiveAsync(buffer).DefaultTimeout();
            return Convert.ToHexString(buffer, 0, n);
        }

        Assert.Equal("0201000100000000" + "01", await Exchange(Hex("02 00 00 01 00 00 00 00 01")));
        var recall = ViscaIpHeader.Packet(ViscaIpPayloadType.ViscaCommand, 5, ViscaCommands.PowerOn());
        Assert.Equal("0111000300000005" + "9041FF", await Exchange(recall));
        Assert.Equal("0111000300000005" + "9051FF", Convert.ToHexString(buffer, 0, await socket.ReceiveAsync(buffer).DefaultTimeout()));
        var executed = simulator.Camera.Executed;

        Assert.Equal("0111000300000005" + "9041FF", await Exchange(recall));
        await socket.ReceiveAsync(buffer).DefaultTimeout();
        Assert.Equal(executed, simulator.Camera.Executed);

        Assert.Equal("0200000200000003" + "0F01", await Exchange(ViscaIpHeader.Packet(ViscaIpPayloadType.ViscaCommand, 3, ViscaCommands.PowerOn())));
        Assert.Equal("0111000400000006" + "906002FF", await Exchange(ViscaIpHeader.Packet(ViscaIpPayloadType.ViscaCommand, 6, Hex("81 01 7E 7E FF"))));
    }

    [Fact]
    public async Task ACameraInStandbyAnswersNotExecutable()
    {
        await using var simulator = new ViscaIpCameraSimulator();
        simulator.Camera.Power = false;
        await using var camera = new ViscaCamera(new ViscaIpTransport(simulator.EndPoint, Short));
        var error = await Assert.ThrowsAsync<DeviceException>(() => camera.RecallPresetAsync(1, default)).DefaultTimeout();
        Assert.Equal(DeviceFailure.DeviceError, error.Failure);
        Assert.Contains("not executable", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AClosedPortIsUnreachable()
    {
        var port = FreeUdpPort();
        await using var camera = new ViscaCamera(new ViscaIpTransport(new IPEndPoint(IPAddress.Loopback, port), Short));
        var error = await Assert.ThrowsAsync<DeviceException>(() => camera.PowerAsync(true, default)).DefaultTimeout();
        Assert.Equal(DeviceFailure.Unreachable, error.Failure);
    }

    [Fact]
    public async Task ASilentCameraIsUnreachableAfterTheTimeoutHavingBeenAskedAgain()
    {
        await using var simulator = new ViscaIpCameraSimulator { Silent = true };
        var transport = new ViscaIpTransport(simulator.EndPoint, Short);
        await using var camera = new ViscaCamera(transport);
        var error = await Assert.ThrowsAsync<DeviceException>(() => camera.PowerAsync(true, default)).DefaultTimeout();
        Assert.Equal(DeviceFailure.Unreachable, error.Failure);
        Assert.Contains("did not answer", error.Message, StringComparison.Ordinal);
        Assert.True(transport.Retransmissions >= 2);
        Assert.True(simulator.Received >= 3);
    }

    [Fact]
    public async Task ViscaOverTcpPowersAndRecallsPresets()
    {
        await using var simulator = new ViscaTcpCameraSimulator();
        simulator.Camera.StorePreset(2, new PtzPosition(100, -50, 0x800));
        await using var camera = new ViscaCamera(ViscaStreamTransport.Tcp(simulator.EndPoint, Short));
        await camera.PowerAsync(true, default).DefaultTimeout();
        await camera.RecallPresetAsync(2, default).DefaultTimeout();
        Assert.Equal(new PtzPosition(100, -50, 0x800), await camera.GetPositionAsync(default).DefaultTimeout());
        await camera.PowerAsync(false, default).DefaultTimeout();
        Assert.False(await camera.IsPoweredAsync(default).DefaultTimeout());
        var error = await Assert.ThrowsAsync<DeviceException>(() => camera.HomeAsync(default)).DefaultTimeout();
        Assert.Equal(DeviceFailure.DeviceError, error.Failure);
        // The connection survives a device error: the next command works on it.
        await camera.PowerAsync(true, default).DefaultTimeout();
        await camera.HomeAsync(default).DefaultTimeout();
    }

    [Fact]
    public async Task ViscaOverTcpToAClosedPortIsUnreachable()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var endPoint = (IPEndPoint)listener.LocalEndpoint;
        listener.Stop();
        await using var camera = new ViscaCamera(ViscaStreamTransport.Tcp(endPoint, Short));
        var error = await Assert.ThrowsAsync<DeviceException>(() => camera.PowerAsync(true, default)).DefaultTimeout();
        Assert.Equal(DeviceFailure.Unreachable, error.Failure);
    }

    [Fact]
    public async Task ViscaOverTcpToASilentPeerTimesOut()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        await using var camera = new ViscaCamera(ViscaStreamTransport.Tcp((IPEndPoint)listener.LocalEndpoint, Short));
        var error = await Assert.ThrowsAsync<DeviceException>(() => camera.PowerAsync(true, default)).DefaultTimeout();
        Assert.Equal(DeviceFailure.Unreachable, error.Failure);
        Assert.Contains("did not answer", error.Message, StringComparison.Ordinal);
    }

    private static int FreeUdpPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
