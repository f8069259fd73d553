using System.Net;
using System.Net.Sockets;
using Conferencing.Devices.PjLink;
using Conferencing.Devices.Simulation;

namespace Conferencing.Devices.Tests.PjLink;

public class PjLinkDriverTests
{
    // Long enough for a loaded machine to answer in time; the tests of silence wait it out once.
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task PowerInputMuteAndStatusWithoutAuthentication()
    {
        await using var projector = new PjLinkProjectorSimulator();
        var client = new PjLinkClient(projector.EndPoint, timeout: Short);
        Assert.Equal(PjLinkPower.Off, await client.GetPowerAsync(default).DefaultTimeout());
        await client.SetPowerAsync(true, default).DefaultTimeout();
        await client.SetInputAsync("31", default).DefaultTimeout();
        await client.SetAvMuteAsync(true, default).DefaultTimeout();
        projector.LampHours = 2800;
        projector.ErrorStatus = "010000";

        var status = await client.GetStatusAsync(default).DefaultTimeout();

        Assert.Equal(PjLinkPower.On, status.Power);
        Assert.Equal("31", status.Input);
        Assert.Equal("31", status.AvMute);
        Assert.Equal(PjLinkErrorLevel.Warning, status.Errors!.Value.Lamp);
        Assert.Equal([new PjLinkLamp(2800, true)], status.Lamps);
    }

    [Fact]
    public async Task TheRightPasswordAuthenticatesEveryCommandOfTheConnection()
    {
        await using var projector = new PjLinkProjectorSimulator("JBMIAProjectorLink");
        var client = new PjLinkClient(projector.EndPoint, "JBMIAProjectorLink", Short);
        await client.SetPowerAsync(true, default).DefaultTimeout();
        var status = await client.GetStatusAsync(default).DefaultTimeout();
        Assert.Equal(PjLinkPower.On, status.Power);
        Assert.Equal(6, projector.Commands);
    }

    [Fact]
    public async Task AWrongPasswordIsRefusedWithErra()
    {
        await using var projector = new PjLinkProjectorSimulator("right");
        var client = new PjLinkClient(projector.EndPoint, "wrong", Short);
        var error = await Assert.ThrowsAsync<DeviceException>(() => client.SetPowerAsync(true, default)).DefaultTimeout();
        Assert.Equal(DeviceFailure.AuthenticationFailed, error.Failure);
        Assert.Contains("ERRA", error.Message, StringComparison.Ordinal);
        Assert.Equal(PjLinkPower.Off, projector.Power);
    }

    [Fact]
    public async Task AProjectorAskingForAPasswordWeDoNotHaveIsAnAuthenticationFailure()
    {
        await using var projector = new PjLinkProjectorSimulator("secret");
        var client = new PjLinkClient(projector.EndPoint, timeout: Short);
        var error = await Assert.ThrowsAsync<DeviceException>(() => client.GetPowerAsync(default)).DefaultTimeout();
        Assert.Equal(DeviceFailure.AuthenticationFailed, error.Failure);
    }

    [Fact]
    public async Task DeviceErrorsCarryTheProjectorsOwnCode()
    {
        await using var projector = new PjLinkProjectorSimulator();
        var client = new PjLinkClient(projector.EndPoint, timeout: Short);

        var standby = await Assert.ThrowsAsync<DeviceException>(() => client.SetInputAsync("31", default)).DefaultTimeout();
        Assert.Equal(DeviceFailure.DeviceError, standby.Failure);
        Assert.Contains("ERR3", standby.Message, StringComparison.Ordinal);

        await client.SetPowerAsync(true, default).DefaultTimeout();
        var missing = await Assert.ThrowsAsync<DeviceException>(() => client.SetInputAsync("59", default)).DefaultTimeout();
        Assert.Contains("ERR2", missing.Message, StringComparison.Ordinal);

        projector.Faulty = true;
        var fault = await Assert.ThrowsAsync<DeviceException>(() => client.SetPowerAsync(false, default)).DefaultTimeout();
        Assert.Contains("ERR4", fault.Message, StringComparison.Ordinal);

        var undefined = await client.SendAsync([PjLinkProtocol.Command("FREZ", "1")], default).DefaultTimeout();
        Assert.Equal(PjLinkError.UndefinedCommand, undefined[0].Error);
    }

    [Fact]
    public async Task AClosedPortIsUnreachable()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var endPoint = (IPEndPoint)listener.LocalEndpoint;
        listener.Stop();
        var error = await Assert.ThrowsAsync<DeviceException>(() => new PjLinkClient(endPoint, timeout: Short).GetPowerAsync(default)).DefaultTimeout();
        Assert.Equal(DeviceFailure.Unreachable, error.Failure);
    }

    [Fact]
    public async Task AHungProjectorIsUnreachableAfterTheTimeout()
    {
        await using var projector = new PjLinkProjectorSimulator { Hung = true };
        var error = await Assert.ThrowsAsync<DeviceException>(() => new PjLinkClient(projector.EndPoint, timeout: Short).GetPowerAsync(default)).DefaultTimeout();
        Assert.Equal(DeviceFailure.Unreachable, error.Failure);
        Assert.Contains("did not answer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheSimulatorSpeaksTheWireFormatByteForByte()
    {
        await using var projector = new PjLinkProjectorSimulator("JBMIAProjectorLink");
        using var client = new TcpClient();
        await client.ConnectAsync(projector.EndPoint).DefaultTimeout();
        var stream = client.GetStream();
        var reader = new PjLinkClient.LineReader(stream);
        var greeting = await reader.ReadLineAsync(default).DefaultTimeout();
        Assert.Matches("^PJLINK 1 [0-9a-f]{8}$", greeting);
        var digest = PjLinkProtocol.Digest(greeting[9..], "JBMIAProjectorLink");
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(digest + "%1POWR 1\r")).DefaultTimeout();
        Assert.Equal("%1POWR=OK", await reader.ReadLineAsync(default).DefaultTimeout());
        await stream.WriteAsync("%1POWR ?\r"u8.ToArray()).DefaultTimeout();
        Assert.Equal("%1POWR=1", await reader.ReadLineAsync(default).DefaultTimeout());
        await stream.WriteAsync("%1POWR 7\r"u8.ToArray()).DefaultTimeout();
        Assert.Equal("%1POWR=ERR2", await reader.ReadLineAsync(default).DefaultTimeout());
        await stream.WriteAsync("%1ERST ?\r"u8.ToArray()).DefaultTimeout();
        Assert.Equal("%1ERST=000000", await reader.ReadLineAsync(default).DefaultTimeout());
    }
}
