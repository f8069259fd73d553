using Conferencing.Devices.Agent;
using Conferencing.Devices.Control;
using Conferencing.Devices.Simulation;

namespace Conferencing.Devices.Tests.Control;

public class RoomDeviceTests
{
    private static DeviceCommand Command(string device, DeviceAction action, string? argument = null) => new(Guid.NewGuid(), device, action, argument);

    [Fact]
    public async Task ACameraCommandAnswersWithTheNewState()
    {
        await using var simulator = new ViscaIpCameraSimulator();
        simulator.Camera.Power = false;
        await using var camera = RoomDevice.Create(new DeviceSettings { Id = "cam", Kind = DeviceKind.Camera, Driver = DeviceDriver.ViscaIp, Address = simulator.EndPoint.ToString(), TimeoutSeconds = 5 });

        var on = await camera.RunAsync(Command("cam", DeviceAction.PowerOn), default).DefaultTimeout();
        var preset = await camera.RunAsync(Command("cam", DeviceAction.RecallPreset, "2"), default).DefaultTimeout();

        Assert.Equal(CommandOutcome.Done, on.Outcome);
        Assert.Equal("on", on.State!.Power);
        Assert.Equal(2, preset.State!.Preset);
        Assert.Equal(2, simulator.Camera.LastRecalledPreset);
    }

    [Fact]
    public async Task FailuresBecomeOutcomesNotExceptions()
    {
        await using var projector = new PjLinkProjectorSimulator("pw");
        await using var wrong = RoomDevice.Create(new DeviceSettings { Id = "p", Driver = DeviceDriver.PjLink, Kind = DeviceKind.Projector, Address = projector.EndPoint.ToString(), Password = "nope", TimeoutSeconds = 5 });
        await using var right = RoomDevice.Create(new DeviceSettings { Id = "p", Driver = DeviceDriver.PjLink, Kind = DeviceKind.Projector, Address = projector.EndPoint.ToString(), Password = "pw", ConferenceInput = "31", TimeoutSeconds = 5 });

        var refused = await wrong.RunAsync(Command("p", DeviceAction.PowerOn), default).DefaultTimeout();
        Assert.Equal(CommandOutcome.AuthenticationFailed, refused.Outcome);
        Assert.False(refused.State!.Reachable);

        var standby = await right.RunAsync(Command("p", DeviceAction.SetInput), default).DefaultTimeout();
        Assert.Equal(CommandOutcome.DeviceError, standby.Outcome);
        Assert.Contains("ERR3", standby.Message, StringComparison.Ordinal);

        var unsupported = await right.RunAsync(Command("p", DeviceAction.RecallPreset, "1"), default).DefaultTimeout();
        Assert.Equal(CommandOutcome.Unsupported, unsupported.Outcome);

        await right.RunAsync(Command("p", DeviceAction.PowerOn), default).DefaultTimeout();
        var input = await right.RunAsync(Command("p", DeviceAction.SetInput), default).DefaultTimeout();
        Assert.Equal(CommandOutcome.Done, input.Outcome);
        Assert.Equal("31", input.State!.Input);
        Assert.Equal(1200, input.State.LampHours);
        Assert.Equal("000000", input.State.ErrorStatus);

        await using var camera = RoomDevice.Create(new DeviceSettings { Id = "c", Driver = DeviceDriver.ViscaIp, Address = "127.0.0.1:9", TimeoutSeconds = 1 });
        var bad = await camera.RunAsync(Command("c", DeviceAction.RecallPreset, "two"), default).DefaultTimeout();
        Assert.Equal(CommandOutcome.BadArgument, bad.Outcome);
    }

    [Fact]
    public void SettingsThatDoNotSuitTheirDriverAreReported()
    {
        Assert.Empty(new DeviceSettings { Id = "a", Driver = DeviceDriver.PjLink, Address = "127.0.0.1:4352", ConferenceInput = "31" }.Validate());
        Assert.NotEmpty(new DeviceSettings { Id = "a", Driver = DeviceDriver.ViscaSerial, Address = "COM1" }.Validate());
        Assert.NotEmpty(new DeviceSettings { Id = "a", Driver = DeviceDriver.Cec, Address = "16" }.Validate());
        Assert.NotEmpty(new DeviceSettings { Id = "a", Driver = DeviceDriver.PjLink, Address = "127.0.0.1:4352", ConferenceInput = "60" }.Validate());
        Assert.NotEmpty(new DeviceSettings { Driver = DeviceDriver.PjLink, Address = "127.0.0.1:4352" }.Validate());
    }
}
