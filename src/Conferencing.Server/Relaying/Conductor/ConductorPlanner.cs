using Conferencing.Relay;
using Conferencing.Server.Meetings;

namespace Conferencing.Server.Relaying;

/// <summary>The options a pass needs (from <see cref="RelayingOptions"/>).</summary>
/// <param name="LinkGrace">How long a link may be up at the child and unseen at the parent.</param>
/// <param name="VideoKbps">The video rate meetings are opened with.</param>
/// <param name="CentralUser">The digest user central's feed calls in with.</param>
/// <param name="PictureFollowsSpeaker">In open discussion the top relay's picture follows the loudest site.</param>
internal sealed record PlannerSettings(TimeSpan LinkGrace, int VideoKbps, string? CentralUser, bool PictureFollowsSpeaker = RelayingOptions.DefaultPictureFollowsSpeaker)
{
    public static PlannerSettings From(RelayingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new(options.LinkGrace, options.VideoKbps, options.CentralUser, options.PictureFollowsSpeaker);
    }
}

/// <summary>What one pass over one meeting reads.</summary>
/// <param name="Plan">What the meeting needs from the relays.</param>
/// <param name="State">What the conductor remembers of the meeting between passes (read, never changed by the planner).</param>
/// <param name="Relays">Every relay's reported state, by key (shared by all meetings).</param>
/// <param name="InFlight">Commands running now: not issued again.</param>
/// <param name="ContactOf">Where a registered room is reachable now (its REGISTER contact), else null.</param>
/// <param name="OpenDiscussion">Whether the top relay mixes the loudest sites in too.</param>
/// <param name="Settings">Options.</param>
/// <param name="Now">The time of the pass.</param>
internal sealed record PlannerInput(
    MeetingPlan Plan,
    MeetingConductorState State,
    IReadOnlyDictionary<string, RelayView> Relays,
    IReadOnlySet<CommandKey> InFlight,
    Func<Guid, string?> ContactOf,
    bool OpenDiscussion,
    PlannerSettings Settings,
    DateTimeOffset Now);

/// <summary>What one pass decided: the commands to issue (each becomes in flight), the state changes, and whether the meeting is done with.</summary>
/// <param name="Commands">To run, in order; none shares a key with another or with one in flight.</param>
/// <param name="Changes">To apply to the meeting's state (<see cref="MeetingConductorState.Apply"/>).</param>
/// <param name="Finished">The meeting ended and no relay has it open any more: it can be forgotten.</param>
internal sealed record PlannerOutput(IReadOnlyList<RelayCommand> Commands, IReadOnlyList<PlannerChange> Changes, bool Finished);

/// <summary>
/// The conductor's heart as a pure function: given one meeting's plan, what the relays report, what
/// runs and what the meeting's state remembers, it says what to do next. Nothing is remembered as a
/// command to replay: a relay that comes back empty, or a server that restarts with live meetings,
/// converges by the same pass. No I/O, no clock, no logging: a pass over one meeting reads its
/// input and returns commands and changes, so it is tested as a table and can run per meeting.
/// </summary>
internal static class ConductorPlanner
{
    /// <summary>The leg a child relay calls its parent on.</summary>
    public const string ParentLeg = "parent";

    /// <summary>The leg the top relay calls central's feed on.</summary>
    public const string CentralLeg = "central";

    /// <summary>The length of a test call's meeting number; meetings' own are 7 digits.</summary>
    public const int TestCallNumberLength = 12;

    /// <summary>The prefix of a test call's meeting number.</summary>
    public const string TestCallNumberPrefix = "99";

    /// <summary>A test call's own short meeting on a relay, which the passes leave alone (the test closes it).</summary>
    public static bool IsTestCallNumber(string number) =>
        number is not null && number.Length == TestCallNumberLength && number.StartsWith(TestCallNumberPrefix, StringComparison.Ordinal);

    public static PlannerOutput Plan(PlannerInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var pass = new Pass(input);
        pass.Run();
        return new PlannerOutput(pass.Commands, pass.Changes, pass.Finished);
    }

    /// <summary>
    /// Meetings open on relays that no plan knows (deleted, or a number changed) are closed; test
    /// calls are left to the test that opened them.
    /// </summary>
    public static IReadOnlyList<RelayCommand> CloseOrphans(IReadOnlyDictionary<string, RelayView> relays, IReadOnlySet<string> planned, IReadOnlySet<CommandKey> inFlight)
    {
        ArgumentNullException.ThrowIfNull(relays);
        ArgumentNullException.ThrowIfNull(planned);
        ArgumentNullException.ThrowIfNull(inFlight);
        var commands = new List<RelayCommand>();
        foreach (var (key, view) in relays)
        {
            if (!view.Ready)
            {
                continue;
            }

            foreach (var number in view.Meetings.Keys)
            {
                var close = new CloseMeetingCommand(key, number);
                if (!planned.Contains(number) && !IsTestCallNumber(number) && !inFlight.Contains(close.Key))
                {
                    commands.Add(close);
                }
            }
        }

        return commands;
    }

    /// <summary>
    /// What a relay should forward. The source is the site with the floor, else the meeting's own
    /// feed (central for a relayed meeting, the host site otherwise). At each relay the program is
    /// the leg towards the source: its endpoint, the child relay it is under, or the parent; when
    /// the source is not connected, the own feed, then the parent. The source itself is sent the own
    /// feed (the speaking commune sees the chair or central), and central is sent the host's room.
    /// </summary>
    public static (string? Program, string? ReturnFeed) DesiredProgram(MeetingPlan plan, PlannedRelay relay, MeetingView meeting, string? centralUser)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(relay);
        ArgumentNullException.ThrowIfNull(meeting);
        var host = plan.Meeting.HostSiteCode;
        string? Own() => plan.CentralFeed ? TowardCentral(plan, relay, meeting, centralUser) : TowardSite(plan, relay, meeting, host);
        var floor = plan.Meeting.FloorSiteCode;
        var program = (floor is not null ? TowardSite(plan, relay, meeting, floor) : null) ?? Own()
            ?? (relay.ParentKey is not null ? Connected(meeting, ParentLeg) : null);
        string? returnFeed = null;
        if (floor is not null)
        {
            returnFeed = Own();
        }
        else if (plan.CentralFeed && relay.Key == plan.TopKey)
        {
            returnFeed = TowardSite(plan, relay, meeting, host);
        }

        return (program, returnFeed == program ? null : returnFeed);
    }

    /// <summary>The connected leg of an endpoint: the one dialled, or the one it called in on.</summary>
    public static string? EndpointLegOf(MeetingView meeting, EndpointInfo endpoint)
    {
        ArgumentNullException.ThrowIfNull(meeting);
        ArgumentNullException.ThrowIfNull(endpoint);
        return Connected(meeting, endpoint.LegId) ?? (endpoint.DigestUser is { } user ? NewestIncoming(meeting, user) : null);
    }

    /// <summary>Central's connected leg at the top relay: dialled, or called in.</summary>
    public static string? CentralLegOf(MeetingView meeting, string? centralUser) =>
        Connected(meeting, CentralLeg) ?? (centralUser is null ? null : NewestIncoming(meeting, centralUser));

    public static bool IsFinal(LegInfo leg) => leg.State is LegState.Ended or LegState.Failed;

    private static string? TowardCentral(MeetingPlan plan, PlannedRelay relay, MeetingView meeting, string? centralUser) =>
        relay.Key == plan.TopKey ? CentralLegOf(meeting, centralUser) : Connected(meeting, ParentLeg);

    private static string? TowardSite(MeetingPlan plan, PlannedRelay relay, MeetingView meeting, string siteCode)
    {
        if (plan.RelayOfSite(siteCode) is not { } target)
        {
            return null;
        }

        if (target == relay.Key)
        {
            return relay.Endpoints.Where(e => e.SiteCode == siteCode).Select(e => EndpointLegOf(meeting, e)).FirstOrDefault(l => l is not null);
        }

        if (plan.ChildToward(relay.Key, target) is { } child)
        {
            return NewestIncoming(meeting, plan.Relays[child].Node.SipUser);
        }

        return relay.ParentKey is not null ? Connected(meeting, ParentLeg) : null;
    }

    private static string? NewestIncoming(MeetingView meeting, string user) =>
        meeting.Legs.Values.Where(l => l.Direction == LegDirection.Incoming && l.AuthenticatedUser == user && l.State == LegState.Connected)
            .OrderByDescending(l => l.ConnectedUtc).Select(l => l.LegId).FirstOrDefault();

    private static string? Connected(MeetingView meeting, string legId) =>
        meeting.Legs.TryGetValue(legId, out var leg) && leg.State == LegState.Connected ? legId : null;

    private static bool SameDialIn(IReadOnlyDictionary<string, string> sent, IReadOnlyDictionary<string, string> planned) =>
        sent.Count == planned.Count
        && planned.All(entry => sent.TryGetValue(entry.Key, out var password) && string.Equals(password, entry.Value, StringComparison.Ordinal));

    /// <summary>One pass over one meeting; collects commands and changes.</summary>
    private sealed class Pass(PlannerInput input)
    {
        private readonly MeetingPlan _plan = input.Plan;
        private readonly HashSet<CommandKey> _issued = [];

        // Stale links noted by a parent's open count for its children in the same pass.
        private readonly Dictionary<string, DateTimeOffset> _staleLinks = new(input.State.StaleLinks, StringComparer.Ordinal);

        public List<RelayCommand> Commands { get; } = [];

        public List<PlannerChange> Changes { get; } = [];

        public bool Finished { get; private set; }

        private string Number => _plan.Number;

        public void Run()
        {
            var meeting = _plan.Meeting;
            var wanted = meeting.HoldsEndpoints && meeting.Status != MeetingStatus.Scheduled;
            if (wanted)
            {
                foreach (var relay in _plan.Relays.Values)
                {
                    PlanRelay(relay);
                }
            }

            // What should not be open: every relay of an ended (or not yet started) meeting, and relays
            // no longer in the plan (a site moved under another relay).
            var openSomewhere = false;
            foreach (var (key, view) in input.Relays)
            {
                if (!view.Ready || !view.Meetings.ContainsKey(Number))
                {
                    continue;
                }

                openSomewhere = true;
                if (!wanted || !_plan.Relays.ContainsKey(key))
                {
                    Issue(new CloseMeetingCommand(key, Number));
                }
            }

            foreach (var relay in input.State.DialInSent.Keys)
            {
                if (!input.Relays.TryGetValue(relay, out var view) || (view.HasSnapshot && !view.Meetings.ContainsKey(Number)))
                {
                    Changes.Add(new DialInForgotten(relay));
                }
            }

            Finished = !meeting.HoldsEndpoints && !openSomewhere;
        }

        private bool InFlight(CommandKey key) => input.InFlight.Contains(key) || _issued.Contains(key);

        private bool Issue(RelayCommand command)
        {
            if (InFlight(command.Key))
            {
                return false;
            }

            _issued.Add(command.Key);
            Commands.Add(command);
            return true;
        }

        private void PlanRelay(PlannedRelay relay)
        {
            if (!input.Relays.TryGetValue(relay.Key, out var view) || !view.Ready)
            {
                return;
            }

            if (!view.Meetings.TryGetValue(Number, out var meeting))
            {
                Open(relay);
                return;
            }

            EnsureDialIn(relay);
            HangUpStrays(relay, meeting);
            if (relay.ParentKey is not null)
            {
                EnsureParentLink(relay, meeting);
            }

            foreach (var child in relay.ChildKeys)
            {
                CleanChildLegs(relay, _plan.Relays[child], meeting);
            }

            if (_plan.Meeting.Status != MeetingStatus.Live)
            {
                return;
            }

            foreach (var endpoint in relay.Endpoints)
            {
                EnsureEndpoint(relay, endpoint, meeting);
            }

            if (relay.Key == _plan.TopKey && _plan.CentralFeed && _plan.Meeting.FeedUri is { } feed)
            {
                EnsureDialed(relay.Key, meeting, CentralLeg, feed, LegRole.Central);
            }

            EnsureProgram(relay, meeting);
            EnsureAudioMix(relay, meeting);
        }

        private void Open(PlannedRelay relay)
        {
            // Whatever links the children had to this relay's meeting died with it: note those legs, so
            // they are hung up and dialled afresh (legs dialled after this moment are not touched).
            foreach (var childKey in relay.ChildKeys)
            {
                if (input.Relays.TryGetValue(childKey, out var child) && child.Meetings.TryGetValue(Number, out var below)
                    && below.Legs.TryGetValue(ParentLeg, out var link) && !IsFinal(link))
                {
                    _staleLinks[childKey] = link.CreatedUtc;
                    Changes.Add(new StaleLinkNoted(childKey, link.CreatedUtc));
                }
            }

            Issue(new OpenMeetingCommand(relay.Key, Number, _plan.DialIn.Pin, input.Settings.VideoKbps, new Dictionary<string, string>(relay.DialIn, StringComparer.Ordinal)));
        }

        /// <summary>
        /// A relay meeting's dial-in list follows its plan: a site added or removed, an endpoint's new
        /// password, a child relay that joins. While the open runs, the list it carries is the one sent.
        /// </summary>
        private void EnsureDialIn(PlannedRelay relay)
        {
            if (InFlight(new CommandKey(relay.Key, Number, CommandKind.Open))
                || (input.State.DialInSent.TryGetValue(relay.Key, out var sent) && SameDialIn(sent, relay.DialIn)))
            {
                return;
            }

            Issue(new SetDialInCommand(relay.Key, Number, new Dictionary<string, string>(relay.DialIn, StringComparer.Ordinal)));
        }

        /// <summary>
        /// Legs that no longer belong to the meeting on this relay are hung up: a call in from a user
        /// the plan no longer lets in, a room dialled that the relay no longer serves for it. Which legs
        /// belong is the plan's to say; dialled legs are on no list.
        /// </summary>
        private void HangUpStrays(PlannedRelay relay, MeetingView meeting)
        {
            foreach (var leg in meeting.Legs.Values)
            {
                if (IsFinal(leg))
                {
                    continue;
                }

                var stray = leg.Direction == LegDirection.Incoming
                    ? leg.AuthenticatedUser is not { } user || !relay.DialIn.ContainsKey(user)
                    : leg.Role == LegRole.Endpoint && !relay.Endpoints.Exists(e => e.LegId == leg.LegId);
                if (stray)
                {
                    Issue(new HangUpCommand(relay.Key, Number, leg.LegId, HangUpReason.Stray, leg.AuthenticatedUser));
                }
            }
        }

        /// <summary>
        /// A child relay calls its parent's meeting as <c>number*PIN</c> with its own digest user. A link
        /// up at the child but not at the parent for longer than the grace (the parent restarted and
        /// never sent a BYE) is hung up and dialled again.
        /// </summary>
        private void EnsureParentLink(PlannedRelay relay, MeetingView meeting)
        {
            var parent = _plan.Relays[relay.ParentKey!];
            var parentView = input.Relays.GetValueOrDefault(parent.Key);
            var halfKey = new LegKey(relay.Key, Number, ParentLeg);
            if (meeting.Legs.TryGetValue(ParentLeg, out var link) && !IsFinal(link))
            {
                if (_staleLinks.TryGetValue(relay.Key, out var stale) && stale == link.CreatedUtc)
                {
                    Issue(new HangUpCommand(relay.Key, Number, ParentLeg, HangUpReason.StaleLink, parent.Node.Name));
                    return;
                }

                if (link.State == LegState.Connected && parentView is { Ready: true } && parentView.Meetings.TryGetValue(Number, out var above))
                {
                    var seen = above.Legs.Values.Any(l => l.Direction == LegDirection.Incoming && l.AuthenticatedUser == relay.Node.SipUser && l.State == LegState.Connected);
                    var watched = input.State.HalfLinks.TryGetValue(halfKey, out var since);
                    if (seen)
                    {
                        if (watched)
                        {
                            Changes.Add(new HalfLinkCleared(halfKey));
                        }
                    }
                    else if (!watched)
                    {
                        Changes.Add(new HalfLinkSeen(halfKey, input.Now));
                    }
                    else if (input.Now - since > input.Settings.LinkGrace)
                    {
                        Changes.Add(new HalfLinkCleared(halfKey));
                        Issue(new HangUpCommand(relay.Key, Number, ParentLeg, HangUpReason.HalfLink, parent.Node.Name));
                    }
                }

                return;
            }

            if (_staleLinks.Remove(relay.Key))
            {
                Changes.Add(new StaleLinkCleared(relay.Key));
            }

            if (parentView is not { Ready: true } || !parentView.Meetings.ContainsKey(Number))
            {
                // The parent opens first; its Opened event wakes a pass again.
                return;
            }

            EnsureDialed(relay.Key, meeting, ParentLeg, $"sip:{Number}*{_plan.DialIn.Pin}@{parent.Node.SipAddress}", LegRole.ParentRelay);
        }

        /// <summary>
        /// At a parent, the legs a child relay called in on: all of them are stale when the child is down
        /// or has no link of its own any more (it restarted), and of several connected ones only the
        /// newest is kept.
        /// </summary>
        private void CleanChildLegs(PlannedRelay relay, PlannedRelay child, MeetingView meeting)
        {
            var user = child.Node.SipUser;
            var legs = meeting.Legs.Values.Where(l => l.Direction == LegDirection.Incoming && l.AuthenticatedUser == user && !IsFinal(l)).ToList();
            if (legs.Count == 0)
            {
                return;
            }

            var childView = input.Relays.GetValueOrDefault(child.Key);
            var childGone = childView is null || childView.Health is RelayHealth.Down or RelayHealth.Unauthorized
                || (childView.Ready && !InFlight(new CommandKey(child.Key, Number, CommandKind.Dial, ParentLeg))
                    && (!childView.Meetings.TryGetValue(Number, out var below) || !below.Legs.TryGetValue(ParentLeg, out var link) || IsFinal(link)));
            var stale = childGone
                ? legs
                : legs.Where(l => l.State == LegState.Connected).OrderByDescending(l => l.ConnectedUtc).Skip(1).ToList();
            foreach (var leg in stale)
            {
                Issue(new HangUpCommand(relay.Key, Number, leg.LegId, HangUpReason.ChildGone, child.Node.Name));
            }
        }

        private void EnsureEndpoint(PlannedRelay relay, EndpointInfo endpoint, MeetingView meeting)
        {
            if (input.State.Held.Contains(endpoint.Id))
            {
                return;
            }

            // An endpoint that called in (number*PIN) is in; it is not dialled as well.
            if (endpoint.DigestUser is { } user && meeting.Legs.Values.Any(l => l.Direction == LegDirection.Incoming && l.AuthenticatedUser == user && !IsFinal(l)))
            {
                return;
            }

            // A registered room is called at the contact it registered from; others at their SIP URI.
            var target = input.ContactOf(endpoint.Id) is { Length: > 0 } contact ? contact : endpoint.SipUri;
            EnsureDialed(relay.Key, meeting, endpoint.LegId, target, LegRole.Endpoint);
        }

        private void EnsureDialed(string relay, MeetingView meeting, string legId, string uri, LegRole role)
        {
            if (meeting.Legs.TryGetValue(legId, out var leg) && !IsFinal(leg))
            {
                return;
            }

            var key = new LegKey(relay, Number, legId);
            if (input.State.Backoff.TryGetValue(key, out var backoff) && backoff.NextUtc > input.Now)
            {
                return;
            }

            if (Issue(new DialCommand(relay, Number, legId, uri, role)))
            {
                Changes.Add(new DialAttempted(key));
            }
        }

        private void EnsureProgram(PlannedRelay relay, MeetingView meeting)
        {
            var (program, returnFeed) = DesiredProgram(_plan, relay, meeting, input.Settings.CentralUser);
            if (program is null || (meeting.ProgramLegId == program && (returnFeed is null || meeting.ReturnFeedLegId == returnFeed)))
            {
                return;
            }

            Issue(new SetProgramCommand(relay.Key, Number, program, returnFeed));
        }

        /// <summary>
        /// Every relay of a live meeting is asked to mix; a relay runs the mix only while it has a
        /// program and a return feed (or open discussion), which below the top is only the relay
        /// the floor is under and those between it and the top: there the floor and what comes
        /// from the parent are mixed for the relay's other legs, so the floor's district siblings
        /// hear the chair and the floor together, while every other relay forwards what comes down
        /// unchanged. Open discussion follows the secretariat's switch at every relay, so a site
        /// under a district can be heard. See docs/notes/talkback.md.
        /// </summary>
        private void EnsureAudioMix(PlannedRelay relay, MeetingView meeting)
        {
            // Only the top sees every site's voice; a district choosing its own loudest would show
            // its communes a picture the rest of the meeting does not see.
            bool picture = relay.Key == _plan.TopKey && input.Settings.PictureFollowsSpeaker;
            if (meeting.MixRefused || (meeting.AudioMix is { Enabled: true } mix && mix.OpenDiscussion == input.OpenDiscussion && mix.PictureFollowsSpeaker == picture))
            {
                return;
            }

            Issue(new SetAudioMixCommand(relay.Key, Number, input.OpenDiscussion, picture));
        }
    }
}
