using Conferencing.Server.Endpoints.Presence;
using Conferencing.Server.LiveMeetings;
using Conferencing.Server.Meetings;
using Conferencing.Server.Relaying;
using Conferencing.Server.Sites;

namespace Conferencing.Server.Tests.LiveMeetings;

/// <summary>The one truth of a site's state in a meeting, as a pure function: no sockets.</summary>
public sealed class SiteMeetingStatesTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 10, 2, 0, 0, TimeSpan.Zero);
    private static readonly Guid Hc = Guid.NewGuid();
    private static readonly Guid Pc = Guid.NewGuid();
    private static readonly SiteStateOptions Options = new();

    private static Meeting Scheduled()
    {
        var tree = SiteTree.Build([
            new Site("PT", "Tỉnh Phú Thọ", null, SiteLevel.Province, SiteKind.Province),
            new Site("PT-X-HC", "Xã Hy Cương", "PT", SiteLevel.Commune, SiteKind.Commune),
            new Site("PT-X-PC", "Xã Pà Cò", "PT", SiteLevel.Commune, SiteKind.Commune)]);
        return Meeting.Schedule(Guid.NewGuid(), new MeetingDetails("Hội nghị", null, MeetingKind.ProvinceHosted, "PT", Now.AddHours(1), Now.AddHours(2),
            new SiteSelection([], ["PT-X-HC", "PT-X-PC"]), [], []), tree, "test", Now);
    }

    private static Meeting Live()
    {
        var meeting = Scheduled();
        meeting.Start(Now);
        return meeting;
    }

    private static EndpointPresence Presence(Guid id, string site, EndpointState state) =>
        new(id, site, "sip:" + site + "@127.0.0.1", state, null, null, null, null, Now, null);

    private static EndpointCall Call(Guid id, string site, CallState state, int attempts = 1, bool degraded = false, CallSecond? last = null) =>
        new(id, site, "local", site, state, false, state == CallState.Failed ? 486 : null, null, Now, state == CallState.InCall ? Now.AddSeconds(-30) : null, attempts, degraded, false, last);

    private static MeetingCall Calls(Meeting meeting, params EndpointCall[] endpoints) =>
        new(meeting.Id, meeting.Status, "1234567", "1234", "127.0.0.1:5060", null, false, [], endpoints, Now);

    private static CallSecond Second(double jitter = 2, double bitrateIn = 800, double bitrateOut = 800) =>
        new(Now, 0, 0, jitter, null, 20, bitrateIn, bitrateOut, 1000, 1000, 1);

    private static SiteMeetingState Of(IReadOnlyList<SiteMeetingState> states, string code) => states.Single(s => s.SiteCode == code);

    [Fact]
    public void IdleRoomsThatAnswerAreOnlineAndNeutralNeverTheMeetingsGreen()
    {
        var states = SiteMeetingStates.Compute(Scheduled(), null, [Presence(Hc, "PT-X-HC", EndpointState.Reachable), Presence(Pc, "PT-X-PC", EndpointState.Offline)], _ => null, Options);
        Assert.Equal((SitePhase.Online, "neutral", false), (Of(states, "PT-X-HC").Phase, Of(states, "PT-X-HC").Color, Of(states, "PT-X-HC").CanTakeFloor));
        Assert.Equal((SitePhase.NotConnected, "red"), (Of(states, "PT-X-PC").Phase, Of(states, "PT-X-PC").Color));
    }

    [Fact]
    public void InTheCallIsGreenAndMayTakeTheFloorWhileLossJitterAndOneWayMediaAreAmberWithTheirReason()
    {
        var meeting = Live();
        var presence = new[] { Presence(Hc, "PT-X-HC", EndpointState.InCall), Presence(Pc, "PT-X-PC", EndpointState.InCall) };
        var green = SiteMeetingStates.Compute(meeting, Calls(meeting, Call(Hc, "PT-X-HC", CallState.InCall, last: Second()), Call(Pc, "PT-X-PC", CallState.InCall, degraded: true, last: Second())), presence, _ => null, Options);
        Assert.Equal((SitePhase.InMeeting, "green", true), (Of(green, "PT-X-HC").Phase, Of(green, "PT-X-HC").Color, Of(green, "PT-X-HC").CanTakeFloor));
        Assert.Equal((SitePhase.Degraded, Degradation.Loss, "amber"), (Of(green, "PT-X-PC").Phase, Of(green, "PT-X-PC").Degradation, Of(green, "PT-X-PC").Color));
        Assert.True(Of(green, "PT-X-PC").CanTakeFloor);

        var jitter = SiteMeetingStates.Compute(meeting, Calls(meeting, Call(Hc, "PT-X-HC", CallState.InCall, last: Second(jitter: 80)), Call(Pc, "PT-X-PC", CallState.InCall, last: Second(bitrateIn: 0))), presence, _ => null, Options);
        Assert.Equal(Degradation.Jitter, Of(jitter, "PT-X-HC").Degradation);
        Assert.Equal(Degradation.OneWay, Of(jitter, "PT-X-PC").Degradation);
    }

    [Fact]
    public void AHeldSiteIsGreyWithWhoAndWhenAndAFailedOneIsRedNeitherTakesTheFloor()
    {
        var meeting = Live();
        var hold = new SiteHold("secretariat", Now);
        var states = SiteMeetingStates.Compute(meeting, Calls(meeting, Call(Hc, "PT-X-HC", CallState.Ended), Call(Pc, "PT-X-PC", CallState.Failed, attempts: 2)),
            [Presence(Hc, "PT-X-HC", EndpointState.Reachable), Presence(Pc, "PT-X-PC", EndpointState.Reachable)], id => id == Hc ? hold : null, Options);
        var held = Of(states, "PT-X-HC");
        Assert.Equal((SitePhase.HeldOut, "grey", "secretariat", Now, false), (held.Phase, held.Color, held.HeldBy, held.HeldUtc, held.CanTakeFloor));
        var dropped = Of(states, "PT-X-PC");
        Assert.Equal((SitePhase.Dropped, "red", false), (dropped.Phase, dropped.Color, dropped.CanTakeFloor));
        Assert.Contains("486", dropped.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void TheFirstCallIsDiallingButARetryAfterAFailureIsStillRed()
    {
        var meeting = Live();
        var presence = new[] { Presence(Hc, "PT-X-HC", EndpointState.Reachable), Presence(Pc, "PT-X-PC", EndpointState.Reachable) };
        var states = SiteMeetingStates.Compute(meeting, Calls(meeting, Call(Hc, "PT-X-HC", CallState.Ringing, attempts: 1), Call(Pc, "PT-X-PC", CallState.Dialing, attempts: 3)), presence, _ => null, Options);
        Assert.Equal(SitePhase.Dialling, Of(states, "PT-X-HC").Phase);
        Assert.Equal(SitePhase.Dropped, Of(states, "PT-X-PC").Phase);
        Assert.True(SiteMeetingStates.IsDropped(Call(Pc, "PT-X-PC", CallState.Dialing, attempts: 3), held: false));
        Assert.False(SiteMeetingStates.IsDropped(Call(Pc, "PT-X-PC", CallState.Ended), held: true));

        // Relays that do not run a live meeting leave every site not connected.
        Assert.All(SiteMeetingStates.Compute(meeting, null, presence, _ => null, Options).Where(s => s.SiteCode != "PT"), s => Assert.Equal(SitePhase.NotConnected, s.Phase));
    }
}
