using System.Text.Json;
using Conferencing.Relay;
using Conferencing.Server.Meetings;
using Conferencing.Server.Relaying;
using Conferencing.Server.Sites;

namespace Conferencing.Server.Tests.Relaying;

/// <summary>
/// The conductor's pass as a table: a province relay ("local", serving PT and commune C) above a
/// district relay ("d1", serving communes A and B). No sockets, no clock: each row builds the relays'
/// reported state and the meeting's, runs one pass, and reads the commands it decided.
/// </summary>
public sealed class ConductorPlannerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 1, 0, 0, TimeSpan.Zero);
    private static readonly PlannerSettings Settings = new(TimeSpan.FromSeconds(5), 1500, "trung-uong");

    private static readonly SiteTree Tree = SiteTree.Build([
        new Site("PT", "Phú Thọ", null, SiteLevel.Province, SiteKind.Province),
        new Site("PT-H-TT", "Huyện Tam Thanh", "PT", SiteLevel.District, SiteKind.District),
        new Site("PT-X-A", "Xã A", "PT-H-TT", SiteLevel.Commune, SiteKind.Commune),
        new Site("PT-X-B", "Xã B", "PT-H-TT", SiteLevel.Commune, SiteKind.Commune),
        new Site("PT-X-C", "Xã C", "PT", SiteLevel.Commune, SiteKind.Commune),
    ]);

    private static readonly RelayNodeInfo Local = new(RelayTopology.LocalKey, "tinh", "PT", "127.0.0.1:5060", "tinh", "mk-tinh");
    private static readonly RelayNodeInfo District = new("d1", "huyen", "PT-H-TT", "127.0.0.2:5060", "huyen", "mk-huyen");
    private static readonly RelayTopology Topology = new(Tree, Local, [District]);

    private static readonly EndpointInfo Host = new(Guid.Parse("00000001-0000-0000-0000-000000000000"), "PT", "sip:pt@127.0.0.10", null, null);
    private static readonly EndpointInfo A = new(Guid.Parse("0000000a-0000-0000-0000-000000000000"), "PT-X-A", "sip:xa-a@127.0.0.11", "xa-a", "mk-a");
    private static readonly EndpointInfo B = new(Guid.Parse("0000000b-0000-0000-0000-000000000000"), "PT-X-B", "sip:xa-b@127.0.0.12", null, null);
    private static readonly EndpointInfo C = new(Guid.Parse("0000000c-0000-0000-0000-000000000000"), "PT-X-C", "sip:xa-c@127.0.0.13", "xa-c", "mk-c");
    private static readonly EndpointInfo[] Endpoints = [Host, A, B, C];

    private const string Number = "1234567";
    private const string Pin = "4321";

    // ---- a new meeting -------------------------------------------------------------------------

    [Fact]
    public void ANewMeetingIsOpenedOnEveryRelayOfItsTreeAndNothingElseYet()
    {
        var world = new World(MeetingAt(MeetingStatus.Live));
        world.Up("local");
        world.Up("d1");

        Assert.Equal(["open d1", "open local"], world.Pass().Described);
        var open = Assert.IsType<OpenMeetingCommand>(world.Pass().Commands.Single(c => c.Relay == "d1"));
        Assert.Equal(Pin, open.Pin);
        Assert.Equal(1500, open.VideoKbps);
        Assert.Equal(["xa-a"], open.DialIn!.Keys);
        Assert.Equal(["huyen", "xa-c"], world.Pass().Commands.OfType<OpenMeetingCommand>().Single(c => c.Relay == "local").DialIn!.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ADistrictMeetingStaysOnItsDistrictRelay()
    {
        var world = new World(MeetingAt(MeetingStatus.Live, host: "PT-H-TT", sites: ["PT-X-A", "PT-X-B"], kind: MeetingKind.CommuneLevel));
        world.Up("local");
        world.Up("d1");

        Assert.Equal(["open d1"], world.Pass().Described);
    }

    [Fact]
    public void TheChildLinksToItsParentOnceTheParentHasTheMeetingEvenWhilePreparing()
    {
        var world = new World(MeetingAt(MeetingStatus.Preparing));
        world.Up("d1").Open(Number);
        world.Up("local");
        world.State.DialInSent["local"] = world.Plan.Relays["local"].DialIn;
        world.State.DialInSent["d1"] = world.Plan.Relays["d1"].DialIn;
        Assert.Equal(["open local"], world.Pass().Described);

        world.View("local").Open(Number);
        var dial = Assert.IsType<DialCommand>(Assert.Single(world.Pass().Commands));
        Assert.Equal(("d1", "parent", $"sip:{Number}*{Pin}@127.0.0.1:5060", LegRole.ParentRelay), (dial.Relay, dial.Leg, dial.Uri, dial.Role));
    }

    [Fact]
    public void ALiveMeetingDialsEveryEndpointFromTheRelayThatServesItsSite()
    {
        var world = World.Linked(MeetingAt(MeetingStatus.Live));

        Assert.Equal([$"dial d1 {A.LegId}", $"dial d1 {B.LegId}", $"dial local {C.LegId}", $"dial local {Host.LegId}"], world.Pass().Of(CommandKind.Dial));
    }

    [Fact]
    public void ARegisteredRoomIsDialledAtItsContact()
    {
        var world = World.Linked(MeetingAt(MeetingStatus.Live));
        world.Contacts[C.Id] = "sip:xa-c@127.0.0.99:5070";

        Assert.Equal("sip:xa-c@127.0.0.99:5070", world.Pass().Commands.OfType<DialCommand>().Single(d => d.Leg == C.LegId).Uri);
        Assert.Equal(B.SipUri, world.Pass().Commands.OfType<DialCommand>().Single(d => d.Leg == B.LegId).Uri);
    }

    [Fact]
    public void NothingIsSentToARelayNotUpOrWhoseStateIsNotKnownYet()
    {
        var world = new World(MeetingAt(MeetingStatus.Live));
        world.Up("local").HasSnapshot = false;
        world.Views["d1"] = new RelayView("huyen", 1);

        Assert.Empty(world.Pass().Commands);
    }

    // ---- relays that come back empty ------------------------------------------------------------

    [Fact]
    public void ARelayThatCameBackEmptyIsOpenedAgainAndItsChildsDeadLinkHungUp()
    {
        var world = World.Linked(MeetingAt(MeetingStatus.Live));
        var link = world.View("d1").Meetings[Number].Legs["parent"];
        world.View("local").Meetings.Clear();

        var pass = world.Pass();
        Assert.Equal(["open local"], pass.Of(CommandKind.Open));
        Assert.Contains(new StaleLinkNoted("d1", link.CreatedUtc), pass.Output.Changes);

        // In the same pass the child's dead link is hung up, so it dials the reopened meeting afresh.
        Assert.Contains("hang-up d1 parent StaleLink", pass.Described);
        world.State.Apply(pass.Output.Changes);

        // The link is gone: the note is dropped and the child dials again once the parent has it.
        world.View("d1").Meetings[Number].Legs["parent"] = link with { State = LegState.Ended };
        world.View("local").Open(Number).Legs["in-huyen-1"] = Incoming("in-huyen-1", "huyen", LegState.Connected);
        var after = world.Pass();
        Assert.Contains(new StaleLinkCleared("d1"), after.Output.Changes);
        Assert.Contains("dial d1 parent", after.Of(CommandKind.Dial));
    }

    [Fact]
    public void EveryRelayCameBackEmptyAndEverythingIsOpenedAndDialledAgain()
    {
        var world = World.Linked(MeetingAt(MeetingStatus.Live));
        world.View("local").Meetings.Clear();
        world.View("d1").Meetings.Clear();
        Assert.Equal(["open d1", "open local"], world.Pass().Described);

        world.View("local").Open(Number);
        world.View("d1").Open(Number);
        world.State.DialInSent["local"] = world.Plan.Relays["local"].DialIn;
        world.State.DialInSent["d1"] = world.Plan.Relays["d1"].DialIn;
        Assert.Equal([$"dial d1 {A.LegId}", $"dial d1 {B.LegId}", "dial d1 parent", $"dial local {C.LegId}", $"dial local {Host.LegId}"], world.Pass().Of(CommandKind.Dial));
    }

    // ---- in flight, backoff, holds ------------------------------------------------------------

    [Fact]
    public void ACommandInFlightIsNotIssuedAgain()
    {
        var world = World.Linked(MeetingAt(MeetingStatus.Live));
        world.InFlight.Add(new CommandKey("local", Number, CommandKind.Dial, C.LegId));
        world.InFlight.Add(new CommandKey("d1", Number, CommandKind.Open));

        var dials = world.Pass().Of(CommandKind.Dial);
        Assert.DoesNotContain($"dial local {C.LegId}", dials);
        Assert.Contains($"dial local {Host.LegId}", dials);
    }

    [Fact]
    public void AnOpenInFlightIsNotIssuedTwice()
    {
        var world = new World(MeetingAt(MeetingStatus.Live));
        world.Up("local");
        world.Up("d1");
        world.InFlight.Add(new CommandKey("local", Number, CommandKind.Open));

        Assert.Equal(["open d1"], world.Pass().Described);
    }

    public static TheoryData<int, int, bool> BackoffRows() => new()
    {
        // failures in a row, seconds after the last failure, dialled again
        { 1, 0, false },
        { 1, 1, false },
        { 1, 2, true },
        { 2, 3, false },
        { 2, 4, true },
        { 3, 7, false },
        { 3, 8, true },
        { 5, 29, false },
        { 5, 30, true },
        { 9, 30, true },
    };

    [Theory]
    [MemberData(nameof(BackoffRows))]
    public void AFailedDialWaitsItsBackoffDoublingUpToTheMaximum(int failures, int secondsLater, bool dialled)
    {
        var world = World.Linked(MeetingAt(MeetingStatus.Live));
        var leg = new LegKey("local", Number, C.LegId);
        for (var i = 0; i < failures; i++)
        {
            world.State.RecordFailure(leg, wasUp: false, T0, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30));
        }

        world.Now = T0.AddSeconds(secondsLater);
        Assert.Equal(dialled, world.Pass().Of(CommandKind.Dial).Contains($"dial local {C.LegId}"));
    }

    [Fact]
    public void ACallThatWasUpAndEndedIsRedialledAfterTheFirstDelayWhateverFailedBefore()
    {
        var leg = new LegKey("local", Number, C.LegId);
        var state = new MeetingConductorState(Guid.NewGuid());
        for (var i = 0; i < 6; i++)
        {
            state.RecordFailure(leg, wasUp: false, T0, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30));
        }

        state.RecordFailure(leg, wasUp: true, T0, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30));
        Assert.Equal(new DialBackoff(1, 0, T0.AddSeconds(2)), state.Backoff[leg]);
    }

    [Fact]
    public void AnIssuedDialIsCountedAsAnAttempt()
    {
        var world = World.Linked(MeetingAt(MeetingStatus.Live));
        var pass = world.Pass();
        Assert.Contains(new DialAttempted(new LegKey("local", Number, C.LegId)), pass.Output.Changes);
        world.State.Apply(pass.Output.Changes);
        Assert.Equal(1, world.State.Backoff[new LegKey("local", Number, C.LegId)].Attempts);
    }

    [Fact]
    public void AHeldSiteIsNeverDialledAndARedialReleasesIt()
    {
        var world = World.Linked(MeetingAt(MeetingStatus.Live));
        world.State.Held = [C.Id];
        world.State.RecordFailure(new LegKey("local", Number, C.LegId), wasUp: false, T0, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30));
        for (var seconds = 0; seconds < 120; seconds += 30)
        {
            world.Now = T0.AddSeconds(seconds);
            Assert.DoesNotContain($"dial local {C.LegId}", world.Pass().Of(CommandKind.Dial));
        }

        // The redial releases the hold and cuts the wait short.
        world.State.Held = world.State.Held.Remove(C.Id);
        world.State.Wake(new LegKey("local", Number, C.LegId), world.Now, resetFailures: true);
        Assert.Contains($"dial local {C.LegId}", world.Pass().Of(CommandKind.Dial));
    }

    // ---- the end ------------------------------------------------------------------------------

    [Theory]
    [InlineData(MeetingStatus.Ended)]
    [InlineData(MeetingStatus.Cancelled)]
    public void AFinishedMeetingIsClosedEverywhereAndForgottenOnceNoRelayHasIt(MeetingStatus status)
    {
        var world = World.Linked(MeetingAt(status));
        var pass = world.Pass();
        Assert.Equal(["close d1", "close local"], pass.Described);
        Assert.False(pass.Output.Finished);

        world.View("d1").Meetings.Clear();
        Assert.Equal(["close local"], world.Pass().Described);
        world.View("local").Meetings.Clear();
        Assert.True(world.Pass().Output.Finished);
    }

    [Fact]
    public void AScheduledMeetingOpenOnARelayIsClosedButNotForgotten()
    {
        var world = new World(MeetingAt(MeetingStatus.Scheduled));
        world.Up("local").Open(Number);
        world.Up("d1");

        var pass = world.Pass();
        Assert.Equal(["close local"], pass.Described);
        Assert.False(pass.Output.Finished);
    }

    [Fact]
    public void MeetingsNoPlanKnowsAreClosedButTestCallsAreLeftToTheirTest()
    {
        var world = World.Linked(MeetingAt(MeetingStatus.Live));
        world.View("local").Open("7654321");
        world.View("d1").Open("990000000042");

        var orphans = ConductorPlanner.CloseOrphans(world.Views, new HashSet<string> { Number }, new HashSet<CommandKey>());
        Assert.Equal(["close local 7654321"], orphans.Select(c => $"close {c.Relay} {c.Number}"));
        Assert.Empty(ConductorPlanner.CloseOrphans(world.Views, new HashSet<string> { Number }, new HashSet<CommandKey> { new("local", "7654321", CommandKind.Close) }));
    }

    // ---- relays down -----------------------------------------------------------------------------

    [Fact]
    public void NothingIsDialledBelowAChildRelayThatIsDownAndItsLinkIsHungUpAtTheParent()
    {
        var world = World.Linked(MeetingAt(MeetingStatus.Live));
        world.View("d1").SetHealth(RelayHealth.Down, "timeout", T0);

        var pass = world.Pass();
        Assert.DoesNotContain(pass.Commands, c => c.Relay == "d1");
        Assert.Contains("hang-up local in-huyen-1 ChildGone", pass.Described);
        Assert.Equal([$"dial local {C.LegId}", $"dial local {Host.LegId}"], pass.Of(CommandKind.Dial));
    }

    [Fact]
    public void OfSeveralLinksFromAChildOnlyTheNewestIsKept()
    {
        var world = World.Linked(MeetingAt(MeetingStatus.Live));
        world.View("local").Meetings[Number].Legs["in-huyen-0"] = Incoming("in-huyen-0", "huyen", LegState.Connected, T0.AddSeconds(-60));

        Assert.Contains("hang-up local in-huyen-0 ChildGone", world.Pass().Described);
        Assert.DoesNotContain("hang-up local in-huyen-1 ChildGone", world.Pass().Described);
    }

    [Fact]
    public void AChildDiallingItsParentKeepsItsNewLinkAtTheParent()
    {
        // The child restarted and is calling again: its dial is in flight, so the parent's leg of it is not stale.
        var world = World.Linked(MeetingAt(MeetingStatus.Live));
        world.View("d1").Meetings[Number].Legs.Remove("parent");
        world.InFlight.Add(new CommandKey("d1", Number, CommandKind.Dial, "parent"));

        Assert.DoesNotContain(world.Pass().Commands, c => c is HangUpCommand { Relay: "local" });
    }

    // ---- half links ------------------------------------------------------------------------------

    [Fact]
    public void ALinkTheParentDoesNotSeeIsWatchedAndHungUpAfterTheGrace()
    {
        var world = World.Linked(MeetingAt(MeetingStatus.Live));
        world.View("local").Meetings[Number].Legs.Remove("in-huyen-1");
        var key = new LegKey("d1", Number, "parent");

        var first = world.Pass();
        Assert.Contains(new HalfLinkSeen(key, T0), first.Output.Changes);
        Assert.DoesNotContain(first.Commands, c => c is HangUpCommand);
        world.State.Apply(first.Output.Changes);

        world.Now = T0.AddSeconds(5);
        Assert.DoesNotContain(world.Pass().Commands, c => c is HangUpCommand);

        world.Now = T0.AddSeconds(6);
        var late = world.Pass();
        Assert.Contains("hang-up d1 parent HalfLink", late.Described);
        Assert.Contains(new HalfLinkCleared(key), late.Output.Changes);
    }

    [Fact]
    public void AHalfLinkThatTheParentSeesAgainIsNoLongerWatched()
    {
        var world = World.Linked(MeetingAt(MeetingStatus.Live));
        var key = new LegKey("d1", Number, "parent");
        world.State.HalfLinks[key] = T0.AddSeconds(-60);

        var pass = world.Pass();
        Assert.Contains(new HalfLinkCleared(key), pass.Output.Changes);
        Assert.DoesNotContain(pass.Commands, c => c is HangUpCommand);
    }

    // ---- dial-in ---------------------------------------------------------------------------------

    [Fact]
    public void AnEndpointThatCalledInIsNotDialledOut()
    {
        var world = World.Linked(MeetingAt(MeetingStatus.Live));
        world.View("d1").Meetings[Number].Legs["xa-a-1"] = Incoming("xa-a-1", "xa-a", LegState.Ringing);

        var dials = world.Pass().Of(CommandKind.Dial);
        Assert.DoesNotContain($"dial d1 {A.LegId}", dials);
        Assert.Contains($"dial d1 {B.LegId}", dials);
    }

    [Fact]
    public void ACallInFromAUserTheMeetingNoLongerLetsInIsHungUp()
    {
        var world = World.Linked(MeetingAt(MeetingStatus.Live));
        world.View("d1").Meetings[Number].Legs["stranger-1"] = Incoming("stranger-1", "nguoi-la", LegState.Connected);

        Assert.Contains("hang-up d1 stranger-1 Stray", world.Pass().Described);
    }

    [Fact]
    public void TheDialInListIsSentWhenItDiffersFromWhatTheRelayWasSentButNotWhileItsOpenRuns()
    {
        var world = World.Linked(MeetingAt(MeetingStatus.Live));
        world.State.DialInSent["d1"] = new Dictionary<string, string> { ["xa-a"] = "mat-khau-cu" };

        var sent = Assert.Single(world.Pass().Commands.OfType<SetDialInCommand>());
        Assert.Equal(("d1", "mk-a"), (sent.Relay, sent.DialIn["xa-a"]));

        world.InFlight.Add(new CommandKey("d1", Number, CommandKind.Open));
        Assert.Empty(world.Pass().Commands.OfType<SetDialInCommand>());
    }

    [Fact]
    public void WhatARelayWasSentIsForgottenOnceItNoLongerHasTheMeeting()
    {
        var world = World.Linked(MeetingAt(MeetingStatus.Live));
        world.View("d1").Meetings.Clear();

        Assert.Contains(new DialInForgotten("d1"), world.Pass().Output.Changes);
    }

    // ---- program and audio -------------------------------------------------------------------------

    public static TheoryData<string?, string, string?> ProgramRows() => new()
    {
        // floor, relay, its program
        { null, "local", Host.LegId },
        { null, "d1", "parent" },
        { "PT-X-C", "local", C.LegId },
        { "PT-X-C", "d1", "parent" },
        { "PT-X-A", "local", "in-huyen-1" },
        { "PT-X-A", "d1", A.LegId },
    };

    [Theory]
    [MemberData(nameof(ProgramRows))]
    public void TheProgramFollowsTheFloor(string? floor, string relay, string? program)
    {
        var world = World.Linked(MeetingAt(MeetingStatus.Live, floor: floor));
        world.ConnectEveryone();

        var set = world.Pass().Commands.OfType<SetProgramCommand>().SingleOrDefault(c => c.Relay == relay);
        Assert.Equal(program, set?.Program);
    }

    [Fact]
    public void TheSiteWithTheFloorReceivesTheHostAndAProgramAlreadySetIsNotSentAgain()
    {
        var world = World.Linked(MeetingAt(MeetingStatus.Live, floor: "PT-X-C"));
        world.ConnectEveryone();
        var set = world.Pass().Commands.OfType<SetProgramCommand>().Single(c => c.Relay == "local");
        Assert.Equal((C.LegId, Host.LegId), (set.Program, set.ReturnFeed));

        var meeting = world.View("local").Meetings[Number];
        (meeting.ProgramLegId, meeting.ReturnFeedLegId) = (C.LegId, Host.LegId);
        Assert.DoesNotContain(world.Pass().Commands, c => c is SetProgramCommand { Relay: "local" });
    }

    [Fact]
    public void EveryRelayIsAskedToMixAndFollowsOpenDiscussion()
    {
        var world = World.Linked(MeetingAt(MeetingStatus.Live));
        Assert.Equal(["mix d1", "mix local"], world.Pass().Of(CommandKind.AudioMix));

        var top = world.View("local").Meetings[Number];
        var district = world.View("d1").Meetings[Number];
        top.AudioMix = new AudioMixInfo(true, false, 3, false, PictureFollowsSpeaker: true);
        district.AudioMix = new AudioMixInfo(true, false, 3, false);
        Assert.Empty(world.Pass().Of(CommandKind.AudioMix));

        world.OpenDiscussion = true;
        Assert.Equal([("d1", true), ("local", true)], world.Pass().Commands.OfType<SetAudioMixCommand>().Select(c => (c.Relay, c.OpenDiscussion)).Order());

        top.MixRefused = true;
        district.MixRefused = true;
        Assert.Empty(world.Pass().Of(CommandKind.AudioMix));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void OnlyTheTopRelaysPictureFollowsTheSpeakerAndOnlyWhenTheSettingSaysSo(bool follows)
    {
        var world = World.Linked(MeetingAt(MeetingStatus.Live));
        world.Settings = world.Settings with { PictureFollowsSpeaker = follows };

        var commands = world.Pass().Commands.OfType<SetAudioMixCommand>().ToDictionary(c => c.Relay);
        Assert.Equal((follows, false), (commands["local"].PictureFollowsSpeaker, commands["d1"].PictureFollowsSpeaker));

        // A relay that reports the other picture setting is sent the right one again.
        world.View("local").Meetings[Number].AudioMix = new AudioMixInfo(true, false, 3, false, PictureFollowsSpeaker: !follows);
        world.View("d1").Meetings[Number].AudioMix = new AudioMixInfo(true, false, 3, false);
        Assert.Equal(["mix local"], world.Pass().Of(CommandKind.AudioMix));
    }

    [Fact]
    public void ARelayedMeetingDialsCentralsFeedAtTheTop()
    {
        var world = World.Linked(MeetingAt(MeetingStatus.Live, kind: MeetingKind.RelayedFromCentral, feed: "sip:trung-uong@127.0.0.50"));

        var central = Assert.Single(world.Pass().Commands.OfType<DialCommand>(), d => d.Leg == "central");
        Assert.Equal(("local", LegRole.Central, "sip:trung-uong@127.0.0.50"), (central.Relay, central.Role, central.Uri));
    }

    // ---- meetings side by side -------------------------------------------------------------------

    [Fact]
    public void TwoMeetingsOnOneRelayDoNotInterfere()
    {
        var first = World.Linked(MeetingAt(MeetingStatus.Live));
        var second = new World(MeetingAt(MeetingStatus.Ended, number: "7654321", id: Guid.Parse("22222222-0000-0000-0000-000000000000")), first);
        first.View("local").Open("7654321");
        first.InFlight.Add(new CommandKey("local", Number, CommandKind.Dial, C.LegId));

        // The second (ended) closes only its own meeting; the first's call in flight does not hold the second back, nor the reverse.
        Assert.Equal(["close local"], second.Pass().Described);
        Assert.All(second.Pass().Commands, c => Assert.Equal("7654321", c.Number));
        Assert.DoesNotContain(first.Pass().Commands, c => c is CloseMeetingCommand);
        Assert.DoesNotContain($"dial local {C.LegId}", first.Pass().Of(CommandKind.Dial));

        var third = new World(MeetingAt(MeetingStatus.Live, number: "7654321", id: Guid.Parse("33333333-0000-0000-0000-000000000000")), first);
        third.State.DialInSent["local"] = third.Plan.Relays["local"].DialIn;
        Assert.Contains($"dial local {C.LegId}", third.Pass().Of(CommandKind.Dial));
    }

    [Fact]
    public void APassChangesNothingItReads()
    {
        var world = World.Linked(MeetingAt(MeetingStatus.Live));
        world.View("local").Meetings[Number].Legs.Remove("in-huyen-1");
        var before = JsonSerializer.Serialize(world.Views.ToDictionary(v => v.Key, v => v.Value.Meetings.Keys.ToList()));
        world.Pass();
        world.Pass();
        Assert.Empty(world.State.HalfLinks);
        Assert.Empty(world.State.Backoff);
        Assert.Equal(before, JsonSerializer.Serialize(world.Views.ToDictionary(v => v.Key, v => v.Value.Meetings.Keys.ToList())));
    }

    // ---- the world ---------------------------------------------------------------------------------

    private static Meeting MeetingAt(
        MeetingStatus status, string host = "PT", string[]? sites = null, string? floor = null, MeetingKind kind = MeetingKind.ProvinceHosted,
        string? feed = null, string number = Number, Guid? id = null)
    {
        var record = new Meeting.Record(
            id ?? Guid.Parse("11111111-0000-0000-0000-000000000000"), "Giao ban", null, kind, status, host, T0, T0.AddHours(2),
            new SiteSelection([], sites ?? ["PT", "PT-X-A", "PT-X-B", "PT-X-C"]), sites ?? ["PT", "PT-X-A", "PT-X-B", "PT-X-C"], [], [], [],
            "thu-ky", T0, T0, status is MeetingStatus.Live or MeetingStatus.Ended ? T0 : null, status is MeetingStatus.Ended or MeetingStatus.Cancelled ? T0 : null,
            status == MeetingStatus.Cancelled ? "hoãn" : null, floor, floor is null ? null : T0, new MeetingDialIn(number, Pin), feed);
        return Meeting.FromJson(JsonSerializer.Serialize(record, Meeting.StoreJson), 1);
    }

    private static LegInfo Leg(string legId, LegDirection direction, LegRole role, string? user, LegState state, DateTimeOffset? created = null) =>
        new(legId, Number, direction, role, "sip:x@127.0.0.1", user, state, null, null, false, false, false, null, null, null,
            created ?? T0.AddSeconds(-30), state == LegState.Connected ? (created ?? T0.AddSeconds(-30)).AddSeconds(1) : null, null);

    private static LegInfo Incoming(string legId, string user, LegState state, DateTimeOffset? created = null) =>
        Leg(legId, LegDirection.Incoming, LegRole.Endpoint, user, state, created);

    private sealed class World
    {
        public World(Meeting meeting, World? sharing = null)
        {
            Plan = MeetingPlan.Build(meeting, Topology, Endpoints, "trung-uong", "mk-trung-uong")!;
            State = new MeetingConductorState(meeting.Id);
            Views = sharing?.Views ?? new Dictionary<string, RelayView>(StringComparer.Ordinal);
            InFlight = sharing?.InFlight ?? [];
        }

        public MeetingPlan Plan { get; }

        public MeetingConductorState State { get; }

        public Dictionary<string, RelayView> Views { get; }

        public HashSet<CommandKey> InFlight { get; }

        public Dictionary<Guid, string> Contacts { get; } = [];

        public DateTimeOffset Now { get; set; } = T0;

        public bool OpenDiscussion { get; set; }

        public PlannerSettings Settings { get; set; } = ConductorPlannerTests.Settings;

        /// <summary>Both relays up with the meeting open, the dial-in lists sent, and the district linked to the province both ways.</summary>
        public static World Linked(Meeting meeting)
        {
            var world = new World(meeting);
            world.Up("local").Open(meeting.DialIn!.Number).Legs["in-huyen-1"] = Incoming("in-huyen-1", "huyen", LegState.Connected);
            world.Up("d1").Open(meeting.DialIn.Number).Legs["parent"] = Leg("parent", LegDirection.Outgoing, LegRole.ParentRelay, null, LegState.Connected);
            world.State.DialInSent["local"] = world.Plan.Relays["local"].DialIn;
            world.State.DialInSent["d1"] = world.Plan.Relays["d1"].DialIn;
            return world;
        }

        public RelayView Up(string key)
        {
            var view = new RelayView(key == "local" ? "tinh" : "huyen", 1) { HasSnapshot = true };
            view.SetHealth(RelayHealth.Up, null, T0);
            Views[key] = view;
            return view;
        }

        public RelayView View(string key) => Views[key];

        /// <summary>Every endpoint answered its dial.</summary>
        public void ConnectEveryone()
        {
            foreach (var (leg, (_, relay)) in Plan.EndpointsByLeg)
            {
                View(relay).Meetings[Plan.Number].Legs[leg] = Leg(leg, LegDirection.Outgoing, LegRole.Endpoint, null, LegState.Connected);
            }
        }

        public PassResult Pass() => new(ConductorPlanner.Plan(new PlannerInput(Plan, State, Views, InFlight, id => Contacts.GetValueOrDefault(id), OpenDiscussion, Settings, Now)));
    }

    private sealed record PassResult(PlannerOutput Output)
    {
        public IReadOnlyList<RelayCommand> Commands => Output.Commands;

        /// <summary>The commands in a few words each, sorted: "open local", "dial d1 parent", "hang-up d1 parent HalfLink".</summary>
        public IReadOnlyList<string> Described => [.. Commands.Select(Describe).Order(StringComparer.Ordinal)];

        public IReadOnlyList<string> Of(CommandKind kind) => [.. Commands.Where(c => c.Key.Kind == kind).Select(Describe).Order(StringComparer.Ordinal)];

        private static string Describe(RelayCommand command) => command switch
        {
            OpenMeetingCommand c => $"open {c.Relay}",
            CloseMeetingCommand c => $"close {c.Relay}",
            SetDialInCommand c => $"dial-in {c.Relay}",
            DialCommand c => $"dial {c.Relay} {c.Leg}",
            HangUpCommand c => $"hang-up {c.Relay} {c.Leg} {c.Reason}",
            SetProgramCommand c => $"program {c.Relay} {c.Program}",
            SetAudioMixCommand c => $"mix {c.Relay}",
            _ => command.ToString(),
        };
    }
}

/// <summary>Views need a meeting open on them in one line.</summary>
internal static class RelayViewTestExtensions
{
    public static MeetingView Open(this RelayView view, string number)
    {
        var meeting = new MeetingView(number, DateTimeOffset.UnixEpoch);
        view.Meetings[number] = meeting;
        return meeting;
    }
}
