using Conferencing.Server.Endpoints.Presence;
using Conferencing.Server.Monitoring;
using Conferencing.Server.Relaying;

namespace Conferencing.Server.Tests.Monitoring;

public sealed class AlarmRulesTests
{
    private static readonly DateTimeOffset T0 = new(2025, 9, 2, 1, 0, 0, TimeSpan.Zero);
    private static readonly Guid Room = Guid.Parse("11111111-2222-3333-4444-555555555555");
    private static readonly Guid Meeting = Guid.Parse("99999999-2222-3333-4444-555555555555");
    private readonly HashSet<string> _live = [];
    private readonly AlarmRules _rules;

    public AlarmRulesTests() => _rules = new AlarmRules(new AlarmOptions(), site => _live.Contains(site));

    private static EndpointPresence Presence(EndpointState state, DateTimeOffset? registeredUntil = null) =>
        new(Room, "PT-08515", "sip:hy-cuong@10.0.0.5", state, null, registeredUntil, null, null, T0, state == EndpointState.Offline ? "no answer to OPTIONS" : null);

    private static EndpointCall Call(double lossIn, double? lossOut, long packetsIn, CallState state = CallState.InCall) =>
        new(Room, "PT-08515", "local", "PT-08515.11111111", state, false, null, null, T0, T0, 1, false, false,
            new CallSecond(T0, lossIn, lossOut, 3, null, 20, 300, 2000, packetsIn, 1000, 1));

    [Fact]
    public void AnOfflineEndpointAlarmsOnlyAfterTheSetTimeAndClearsAtOnceWhenItAnswers()
    {
        _rules.ObservePresence(Presence(EndpointState.Offline), T0);
        Assert.Empty(_rules.Evaluate(T0.AddSeconds(59)));
        var raised = Assert.Single(_rules.Evaluate(T0.AddSeconds(60)));
        Assert.True(raised.Raise);
        Assert.Equal((AlarmKinds.EndpointOffline, AlarmSeverity.Major), (raised.Kind, raised.Severity));
        Assert.Empty(_rules.Evaluate(T0.AddSeconds(61)));

        _rules.ObservePresence(Presence(EndpointState.Reachable), T0.AddSeconds(70));
        var cleared = Assert.Single(_rules.Evaluate(T0.AddSeconds(70)));
        Assert.False(cleared.Raise);
    }

    [Fact]
    public void AnOutageShorterThanTheSetTimeRaisesNothing()
    {
        _rules.ObservePresence(Presence(EndpointState.Offline), T0);
        _rules.ObservePresence(Presence(EndpointState.Reachable), T0.AddSeconds(30));
        Assert.Empty(_rules.Evaluate(T0.AddSeconds(30)));
        Assert.Empty(_rules.Evaluate(T0.AddSeconds(120)));
    }

    [Fact]
    public void ASiteInALiveMeetingMakesAnOutageCritical()
    {
        _live.Add("PT-08515");
        _rules.ObservePresence(Presence(EndpointState.Offline), T0);
        Assert.Equal(AlarmSeverity.Critical, Assert.Single(_rules.Evaluate(T0.AddSeconds(60))).Severity);
    }

    [Fact]
    public void ALostRegistrationAlarmsAfterItsGraceAndClearsAfterReRegistering()
    {
        _rules.ObservePresence(Presence(EndpointState.Registered, T0.AddMinutes(2)), T0);
        _rules.ObservePresence(Presence(EndpointState.Reachable, null), T0.AddSeconds(5));
        Assert.Empty(_rules.Evaluate(T0.AddSeconds(34)));
        var raised = Assert.Single(_rules.Evaluate(T0.AddSeconds(35)));
        Assert.Equal((AlarmKinds.RegistrationLost, AlarmSeverity.Minor), (raised.Kind, raised.Severity));

        _rules.ObservePresence(Presence(EndpointState.Registered, T0.AddMinutes(5)), T0.AddSeconds(40));
        Assert.Empty(_rules.Evaluate(T0.AddSeconds(49)));
        Assert.False(Assert.Single(_rules.Evaluate(T0.AddSeconds(50))).Raise);
    }

    [Fact]
    public void AnEndpointThatNeverRegisteredCannotLoseItsRegistration()
    {
        _rules.ObservePresence(Presence(EndpointState.Reachable, null), T0);
        Assert.Empty(_rules.Evaluate(T0.AddMinutes(10)));
    }

    [Fact]
    public void LossAboveTheThresholdForTheSetTimeAlarmsAndClearsWhenItHasBeenLowLongEnough()
    {
        for (var s = 0; s <= 10; s++)
        {
            _rules.ObserveCall(Meeting, Call(lossIn: 1, lossOut: 6, packetsIn: 100 * (s + 1)), T0.AddSeconds(s));
            var due = _rules.Evaluate(T0.AddSeconds(s));
            if (s < 10)
            {
                Assert.Empty(due);
            }
            else
            {
                var raised = Assert.Single(due);
                Assert.Equal((AlarmKinds.CallLoss, AlarmSeverity.Major, (Guid?)Meeting), (raised.Kind, raised.Severity, raised.MeetingId));
                Assert.Contains("loss 6 %", raised.Message, StringComparison.Ordinal);
            }
        }

        _rules.ObserveCall(Meeting, Call(0, 0, 5000), T0.AddSeconds(11));
        Assert.Empty(_rules.Evaluate(T0.AddSeconds(20)));
        Assert.False(Assert.Single(_rules.Evaluate(T0.AddSeconds(21))).Raise);
    }

    [Fact]
    public void AConnectedCallWhosePacketsStopGrowingAlarmsAsNoMedia()
    {
        _rules.ObserveCall(Meeting, Call(0, 0, 500), T0);
        for (var s = 1; s <= 5; s++)
        {
            _rules.ObserveCall(Meeting, Call(0, 0, 500), T0.AddSeconds(s));
        }

        var raised = Assert.Single(_rules.Evaluate(T0.AddSeconds(6)));
        Assert.Equal((AlarmKinds.NoMedia, AlarmSeverity.Critical), (raised.Kind, raised.Severity));

        // The call ends: its cause is gone with it.
        _rules.ObserveCall(Meeting, Call(0, 0, 500, CallState.Ended), T0.AddSeconds(7));
        Assert.False(Assert.Single(_rules.Evaluate(T0.AddSeconds(17))).Raise);
    }

    [Fact]
    public void AnAlarmAdoptedAfterARestartIsNotRaisedAgainButClearsWhenItsCauseGoes()
    {
        _rules.Adopt(new Alarm(Guid.NewGuid(), AlarmKinds.EndpointOffline, AlarmSeverity.Major, Room, "PT-08515", "x", T0, null, null, null), T0);
        _rules.ObservePresence(Presence(EndpointState.Offline), T0.AddSeconds(1));
        Assert.Empty(_rules.Evaluate(T0.AddMinutes(5)));
        _rules.ObservePresence(Presence(EndpointState.Reachable), T0.AddMinutes(6));
        Assert.False(Assert.Single(_rules.Evaluate(T0.AddMinutes(6))).Raise);
    }

    [Fact]
    public void OneOfflineEpisodeRaisesOneAlarm()
    {
        _rules.ObservePresence(Presence(EndpointState.Offline), T0);
        Assert.Single(_rules.Evaluate(T0.AddSeconds(60)));
        _rules.ObservePresence(Presence(EndpointState.Offline) with { Reason = "still nothing" }, T0.AddSeconds(90));
        Assert.Empty(_rules.Evaluate(T0.AddSeconds(200)));
    }
}
