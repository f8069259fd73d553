using Conferencing.Devices.Agent;
using Conferencing.Server.Monitoring;
using Conferencing.Server.Monitoring.Readiness;
using Conferencing.Server.RoomControl;

namespace Conferencing.Server.Tests.RoomControl;

/// <summary>The rules that turn room device state into readiness verdicts and alarms, without sockets.</summary>
public sealed class DeviceReadinessTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 1, 0, 0, TimeSpan.Zero);
    private static readonly DeviceInfo Projector = new("projector", "Máy chiếu", DeviceKind.Projector, DeviceDriver.PjLink, "127.0.0.1:4352");
    private static readonly DeviceInfo Camera = new("camera", "Camera", DeviceKind.Camera, DeviceDriver.ViscaIp, "127.0.0.1:52381");

    private static DeviceState State(string deviceId, bool reachable = true, string? power = "on", string? errorStatus = null, int? lampHours = null) =>
        new(deviceId, reachable, power, null, null, errorStatus, lampHours, null, reachable ? null : "no answer", T0);

    public static TheoryData<string?, bool, bool, ReadinessColor, string> Displays => new()
    {
        { "on", true, true, ReadinessColor.Green, "display-on" },
        { "standby", true, true, ReadinessColor.Red, "display-off" },
        { "cooling", true, true, ReadinessColor.Red, "display-off" },
        { "warming", true, true, ReadinessColor.Yellow, "display-warming" },
        { null, false, true, ReadinessColor.Red, "display-unreachable" },
        { "on", true, false, ReadinessColor.Yellow, "room-agent-offline" },
    };

    [Theory]
    [MemberData(nameof(Displays))]
    public void ADisplaysPowerAndReachDecideItsSitesColour(string? power, bool reachable, bool agentOnline, ReadinessColor color, string code)
    {
        var verdict = DeviceReadiness.Judge([(Projector, State("projector", reachable, power), agentOnline), (Camera, State("camera", power: "standby"), agentOnline)]);
        Assert.NotNull(verdict);
        Assert.Equal(color, verdict.Color);
        Assert.Equal(code, verdict.Code);
    }

    [Fact]
    public void ASiteWithoutDisplaysGetsNoVerdictFromItsDevices() =>
        Assert.Null(DeviceReadiness.Judge([(Camera, State("camera", power: "standby"), true)]));

    [Fact]
    public void ADisplayOffTurnsAGreenSiteRedAndAnUntestedOneToo()
    {
        var off = DeviceReadiness.Judge([(Projector, State("projector", power: "standby"), true)])!;
        var green = new SiteReadiness("PT-1", "Xã", ReadinessColor.Green, "ready", "ok", null, T0, false, null);
        var untested = green with { Color = ReadinessColor.Untested, Code = "untested" };
        Assert.Equal(("display-off", ReadinessColor.Red), (ReadinessService.WithCheck(green, off).Code, ReadinessService.WithCheck(green, off).Color));
        Assert.Equal(ReadinessColor.Red, ReadinessService.WithCheck(untested, off).Color);

        var on = DeviceReadiness.Judge([(Projector, State("projector"), true)])!;
        Assert.Equal(green, ReadinessService.WithCheck(green, on));
        Assert.Equal(untested, ReadinessService.WithCheck(untested, on));
    }

    [Fact]
    public void AnAgentOfflineAlarmWaitsItsTimeAndClearsAtOnceWhenTheAgentReturns()
    {
        var rules = new AlarmRules(new AlarmOptions { RoomAgentOfflineAfter = TimeSpan.FromSeconds(60) }, _ => false);
        var agent = Guid.NewGuid();
        rules.ObserveRoomAgent(agent, "PT-1", "Phòng họp", online: false, T0);
        Assert.Empty(rules.Evaluate(T0.AddSeconds(59)));
        var raised = Assert.Single(rules.Evaluate(T0.AddSeconds(60)));
        Assert.Equal((AlarmAction.Raise, AlarmKinds.RoomAgentOffline, agent, AlarmSeverity.Minor), (raised.Action, raised.Kind, raised.EndpointId, raised.Severity));

        rules.ObserveRoomAgent(agent, "PT-1", "Phòng họp", online: true, T0.AddSeconds(61));
        Assert.Equal(AlarmAction.Clear, Assert.Single(rules.Evaluate(T0.AddSeconds(61))).Action);
    }

    [Fact]
    public void AProjectorsErrorStatusAndLampHoursRaiseTheirOwnAlarms()
    {
        var rules = new AlarmRules(new AlarmOptions { LampHoursLimit = 3000 }, _ => true);
        var subject = AlarmRules.DeviceSubject(Guid.NewGuid(), "projector");
        rules.ObserveRoomDevice(subject, "PT-1", "PT-1/projector", reachable: true, "000000", 2999, T0);
        Assert.Empty(rules.Evaluate(T0));

        rules.ObserveRoomDevice(subject, "PT-1", "PT-1/projector", reachable: true, "102000", 3000, T0.AddSeconds(1));
        var decisions = rules.Evaluate(T0.AddSeconds(1)).ToDictionary(d => d.Kind);
        Assert.Equal(AlarmSeverity.Major, decisions[AlarmKinds.ProjectorError].Severity);
        Assert.Contains("fan warning, temperature error", decisions[AlarmKinds.ProjectorError].Message, StringComparison.Ordinal);
        Assert.Equal(AlarmSeverity.Minor, decisions[AlarmKinds.LampEndOfLife].Severity);
    }

    [Fact]
    public void AnUnreachableDeviceAlarmsAfterItsTimeAndIsMajorInALiveMeeting()
    {
        var rules = new AlarmRules(new AlarmOptions { RoomDeviceUnreachableAfter = TimeSpan.FromSeconds(30) }, site => site == "PT-1");
        var subject = AlarmRules.DeviceSubject(Guid.NewGuid(), "projector");
        rules.ObserveRoomDevice(subject, "PT-1", "PT-1/projector", reachable: false, null, null, T0);
        Assert.Empty(rules.Evaluate(T0.AddSeconds(29)));
        var raised = Assert.Single(rules.Evaluate(T0.AddSeconds(30)));
        Assert.Equal((AlarmKinds.RoomDeviceUnreachable, AlarmSeverity.Major), (raised.Kind, raised.Severity));
        Assert.NotEqual(AlarmRules.DeviceSubject(Guid.Empty, "projector"), AlarmRules.DeviceSubject(Guid.Empty, "camera"));
    }
}
