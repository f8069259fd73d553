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

    /// <summary>Each alarm kind whose severity depends on the site's meeting: raised outside one, then the meeting goes live.</summary>
    public static TheoryData<string, AlarmSeverity, AlarmSeverity> Escalations => new()
    {
        { AlarmKinds.EndpointOffline, AlarmSeverity.Major, AlarmSeverity.Critical },
        { AlarmKinds.RegistrationLost, AlarmSeverity.Minor, AlarmSeverity.Major },
    };

    [Theory]
    [MemberData(nameof(Escalations))]
    public void AnAlarmRaisedOutsideAMeetingEscalatesOnceWhenTheSitesMeetingGoesLiveAndNeverComesDown(string kind, AlarmSeverity before, AlarmSeverity after)
    {
        _rules.ObservePresence(Presence(EndpointState.Registered, T0.AddSeconds(1)), T0);
        _rules.ObservePresence(Presence(EndpointState.Offline), T0.AddSeconds(2));
        var raised = _rules.Evaluate(T0.AddMinutes(2)).Single(d => d.Kind == kind);
        Assert.Equal((AlarmAction.Raise, before), (raised.Action, raised.Severity));
        Assert.Empty(_rules.Evaluate(T0.AddMinutes(2).AddSeconds(1)));

        _live.Add("PT-08515");
        var escalated = _rules.Evaluate(T0.AddMinutes(3)).Single(d => d.Kind == kind);
        Assert.Equal((AlarmAction.Escalate, after, raised.Message), (escalated.Action, escalated.Severity, escalated.Message));
        Assert.DoesNotContain(_rules.Evaluate(T0.AddMinutes(3).AddSeconds(1)), d => d.Kind == kind);

        // The meeting ends: the history keeps the worst the alarm was; it clears with its cause as usual.
        _live.Remove("PT-08515");
        Assert.DoesNotContain(_rules.Evaluate(T0.AddMinutes(4)), d => d.Kind == kind);
        _rules.ObservePresence(Presence(EndpointState.Registered, T0.AddMinutes(10)), T0.AddMinutes(5));
        var cleared = _rules.Evaluate(T0.AddMinutes(6)).Single(d => d.Kind == kind);
        Assert.Equal((AlarmAction.Clear, after), (cleared.Action, cleared.Severity));
    }

    [Fact]
    public void AnAdoptedAlarmEscalatesFromTheSeverityItWasStoredWith()
    {
        _rules.Adopt(new Alarm(Guid.NewGuid(), AlarmKinds.EndpointOffline, AlarmSeverity.Major, Room, "PT-08515", "x", T0, null, null, null), T0);
        _rules.ObservePresence(Presence(EndpointState.Offline), T0.AddSeconds(1));
        Assert.Empty(_rules.Evaluate(T0.AddSeconds(2)));
        _live.Add("PT-08515");
        var escalated = Assert.Single(_rules.Evaluate(T0.AddSeconds(3)));
        Assert.Equal((AlarmAction.Escalate, AlarmSeverity.Critical), (escalated.Action, escalated.Severity));
    }

    [Fact]
    public void AnOutageNotYetRaisedWhenTheMeetingGoesLiveIsRaisedCriticalWithoutAnEscalation()
    {
        _rules.ObservePresence(Presence(EndpointState.Offline), T0);
        Assert.Empty(_rules.Evaluate(T0.AddSeconds(30)));
        _live.Add("PT-08515");
        Assert.Empty(_rules.Evaluate(T0.AddSeconds(31)));
        var raised = Assert.Single(_rules.Evaluate(T0.AddSeconds(60)));
        Assert.Equal((AlarmAction.Raise, AlarmSeverity.Critical), (raised.Action, raised.Severity));
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
