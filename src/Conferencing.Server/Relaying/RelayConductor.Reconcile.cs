using Conferencing.Relay;
using Conferencing.Server.Meetings;

namespace Conferencing.Server.Relaying;

public sealed partial class RelayConductor
{
    private readonly Dictionary<(string Relay, string Number), DateTimeOffset> _staleLinks = [];

    /// <summary>
    /// One pass: for every active meeting and every relay of its plan that is up, issue what is
    /// missing; then close meetings nobody wants any more, and forget ended meetings once closed.
    /// </summary>
    private void Reconcile()
    {
        var now = _time.GetUtcNow();
        var wanted = new HashSet<(string Relay, string Number)>();
        foreach (var plan in _plans.Values)
        {
            try
            {
                ReconcilePlan(plan, wanted, now);
            }
            catch (Exception e)
            {
                // One meeting's bad data must not stop the others being driven; its relays stay wanted
                // so nothing of it is closed for it.
                foreach (var relay in plan.Relays.Keys)
                {
                    wanted.Add((relay, plan.Number));
                }

                Supervisor.Skipped(Loop, $"meeting {plan.Number}", e);
            }
        }

        CloseUnwanted(wanted);
    }

    private void ReconcilePlan(MeetingPlan plan, HashSet<(string Relay, string Number)> wanted, DateTimeOffset now)
    {
        var live = plan.Meeting.Status == MeetingStatus.Live;
        if (!plan.Meeting.HoldsEndpoints || plan.Meeting.Status == MeetingStatus.Scheduled)
        {
            return;
        }

        foreach (var relay in plan.Relays.Values)
        {
            wanted.Add((relay.Key, plan.Number));
            if (!_views.TryGetValue(relay.Key, out var view) || !view.Ready)
            {
                continue;
            }

            if (!view.Meetings.TryGetValue(plan.Number, out var meeting))
            {
                Open(plan, relay);
                continue;
            }

            EnsureDialIn(plan, relay);
            HangUpStrays(plan, relay, meeting);
            if (relay.ParentKey is not null)
            {
                EnsureParentLink(plan, relay, meeting, now);
            }

            foreach (var child in relay.ChildKeys)
            {
                CleanChildLegs(plan, relay, plan.Relays[child], meeting);
            }

            if (live)
            {
                foreach (var endpoint in relay.Endpoints)
                {
                    EnsureEndpoint(plan, relay, endpoint, meeting, now);
                }

                if (relay.Key == plan.TopKey && plan.CentralFeed && plan.Meeting.FeedUri is { } feed)
                {
                    EnsureDialed(relay.Key, plan, meeting, CentralLeg, feed, LegRole.Central, now);
                }

                EnsureProgram(plan, relay, meeting);
                if (relay.Key == plan.TopKey)
                {
                    EnsureAudioMix(plan, relay, meeting);
                }
            }
        }
    }

    private void CloseUnwanted(HashSet<(string Relay, string Number)> wanted)
    {
        foreach (var (key, view) in _views)
        {
            if (!view.Ready)
            {
                continue;
            }

            foreach (var number in view.Meetings.Keys.Where(n => !wanted.Contains((key, n)) && !IsTestCallNumber(n)).ToList())
            {
                Close(key, number);
            }
        }

        ForgetDialInOfGoneMeetings();
        foreach (var plan in _plans.Values.Where(p => !p.Meeting.HoldsEndpoints).ToList())
        {
            if (!_views.Values.Any(v => v.Ready && v.Meetings.ContainsKey(plan.Number)))
            {
                Forget(plan);
            }
        }
    }

    private void OnRedial(Guid meetingId, Guid endpointId, bool hangUp)
    {
        if (!_plans.TryGetValue(meetingId, out var plan) || !_endpoints.TryGetValue(endpointId, out var endpoint)
            || !plan.EndpointsByLeg.TryGetValue(endpoint.LegId, out var planned))
        {
            return;
        }

        Log.Redial(_logger, plan.Number, endpoint.LegId);
        if (_backoff.TryGetValue(BackoffKey(planned.RelayKey, plan.Number, endpoint.LegId), out var backoff))
        {
            backoff.NextUtc = _time.GetUtcNow();
            backoff.Failures = 0;
        }

        if (hangUp && _views.TryGetValue(planned.RelayKey, out var view) && view.Meetings.TryGetValue(plan.Number, out var meeting))
        {
            foreach (var leg in meeting.Legs.Values.Where(l => !IsFinal(l) && (l.LegId == endpoint.LegId
                || (endpoint.DigestUser is { } user && l.Direction == LegDirection.Incoming && l.AuthenticatedUser == user))))
            {
                HangUp(planned.RelayKey, plan.Number, leg.LegId);
            }
        }
    }

    private void Open(MeetingPlan plan, PlannedRelay relay)
    {
        var number = plan.Number;

        // Whatever links the children had to this relay's meeting died with it: note those legs, so
        // they are hung up and dialled afresh (legs dialled after this moment are not touched).
        foreach (var childKey in relay.ChildKeys)
        {
            if (_views.TryGetValue(childKey, out var child) && child.Meetings.TryGetValue(number, out var meeting)
                && meeting.Legs.TryGetValue(ParentLeg, out var link) && !IsFinal(link))
            {
                _staleLinks[(childKey, number)] = link.CreatedUtc;
            }
        }

        var request = new OpenMeetingRequest(number, plan.DialIn.Pin, new MediaProfile { VideoKbps = _options.VideoKbps }, new Dictionary<string, string>(relay.DialIn, StringComparer.Ordinal));
        var key = relay.Key;
        var name = relay.Node.Name;
        Issue(OpenKey(key, number), key, async (control, cancellationToken) =>
        {
            RelayMeetingInfo info;
            var opened = true;
            try
            {
                info = await control.OpenMeetingAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (RelayException e) when (e.Code == "relay.meeting-exists")
            {
                // Opened already, and the stream has not told yet: take it as it is, with a dial-in
                // list not known to be this one (the next pass sends it).
                info = await control.GetMeetingAsync(number, cancellationToken).ConfigureAwait(false);
                opened = false;
            }

            return () =>
            {
                Log.Opened(_logger, number, name, request.DialIn!.Count);
                if (_views.TryGetValue(key, out var view))
                {
                    view.Meetings.TryAdd(number, MeetingView.From(info));
                }

                if (opened)
                {
                    _dialInSent[(key, number)] = request.DialIn!;
                }
                else
                {
                    _dialInSent.Remove((key, number));
                }

                Touch(number);
            };
        });
    }

    private void Close(string relay, string number)
    {
        var name = _views.GetValueOrDefault(relay)?.Name ?? relay;
        Issue($"{relay}|{number}|close", relay, async (control, cancellationToken) =>
        {
            try
            {
                await control.CloseMeetingAsync(number, cancellationToken).ConfigureAwait(false);
            }
            catch (RelayException e) when (e.Code == "relay.meeting-not-found")
            {
                // Gone already.
            }

            return () =>
            {
                Log.Closed(_logger, number, name);
                if (_views.TryGetValue(relay, out var view) && view.Meetings.Remove(number, out var gone))
                {
                    OnLegsGone(relay, gone);
                }

                Touch(number);
            };
        });
    }

    private void Forget(MeetingPlan plan)
    {
        _plans.Remove(plan.MeetingId);
        _plansByNumber.Remove(plan.Number);
        _meetings.Remove(plan.MeetingId);
        foreach (var key in _backoff.Keys.Where(k => k.Contains($"|{plan.Number}|", StringComparison.Ordinal)).ToList())
        {
            _backoff.Remove(key);
        }

        foreach (var key in _degraded.Keys.Where(k => k.Meeting == plan.MeetingId).ToList())
        {
            _degraded.Remove(key);
        }

        FlushMeeting(plan.MeetingId);
        _dirty.Remove(plan.MeetingId);
        _live.Publish(BuildCall(plan), CallChangeKind.Removed);
        Log.Forgotten(_logger, plan.MeetingId, plan.Number);
    }

    /// <summary>
    /// A child relay calls its parent's meeting as <c>number*PIN</c> with its own digest user (the
    /// parent's dial-in list has it). A link that is up at the child but not at the parent for longer
    /// than <see cref="RelayingOptions.LinkGrace"/> (the parent restarted and never sent a BYE) is
    /// hung up and dialled again.
    /// </summary>
    private void EnsureParentLink(MeetingPlan plan, PlannedRelay relay, MeetingView meeting, DateTimeOffset now)
    {
        var parent = plan.Relays[relay.ParentKey!];
        var parentView = _views.GetValueOrDefault(parent.Key);
        var number = plan.Number;
        var halfKey = BackoffKey(relay.Key, number, ParentLeg);
        if (meeting.Legs.TryGetValue(ParentLeg, out var link) && !IsFinal(link))
        {
            if (_staleLinks.TryGetValue((relay.Key, number), out var stale) && stale == link.CreatedUtc)
            {
                HangUp(relay.Key, number, ParentLeg);
                return;
            }

            if (link.State == LegState.Connected && parentView is { Ready: true } && parentView.Meetings.TryGetValue(number, out var above))
            {
                var seen = above.Legs.Values.Any(l => l.Direction == LegDirection.Incoming && l.AuthenticatedUser == relay.Node.SipUser && l.State == LegState.Connected);
                if (seen)
                {
                    _halfLinks.Remove(halfKey);
                }
                else if (!_halfLinks.TryGetValue(halfKey, out var since))
                {
                    _halfLinks[halfKey] = now;
                }
                else if (now - since > _options.LinkGrace)
                {
                    Log.HalfLink(_logger, number, relay.Node.Name, parent.Node.Name);
                    _halfLinks.Remove(halfKey);
                    HangUp(relay.Key, number, ParentLeg);
                }
            }

            return;
        }

        _staleLinks.Remove((relay.Key, number));
        if (parentView is not { Ready: true } || !parentView.Meetings.ContainsKey(number))
        {
            // The parent opens first; its Opened event wakes this pass again.
            return;
        }

        EnsureDialed(relay.Key, plan, meeting, ParentLeg, $"sip:{number}*{plan.DialIn.Pin}@{parent.Node.SipAddress}", LegRole.ParentRelay, now);
    }

    /// <summary>
    /// At a parent, the legs a child relay called in on: all of them are stale when the child is down
    /// or has no link of its own any more (it restarted), and of several connected ones only the
    /// newest is kept.
    /// </summary>
    private void CleanChildLegs(MeetingPlan plan, PlannedRelay relay, PlannedRelay child, MeetingView meeting)
    {
        var user = child.Node.SipUser;
        var legs = meeting.Legs.Values.Where(l => l.Direction == LegDirection.Incoming && l.AuthenticatedUser == user && !IsFinal(l)).ToList();
        if (legs.Count == 0)
        {
            return;
        }

        var number = plan.Number;
        var childView = _views.GetValueOrDefault(child.Key);
        var childGone = childView is null || childView.Health is RelayHealth.Down or RelayHealth.Unauthorized
            || (childView.Ready && !_inflight.Contains(DialKey(child.Key, number, ParentLeg))
                && (!childView.Meetings.TryGetValue(number, out var below) || !below.Legs.TryGetValue(ParentLeg, out var link) || IsFinal(link)));
        var stale = childGone
            ? legs
            : legs.Where(l => l.State == LegState.Connected).OrderByDescending(l => l.ConnectedUtc).Skip(1).ToList();
        foreach (var leg in stale)
        {
            HangUp(relay.Key, number, leg.LegId);
        }
    }

    private void EnsureEndpoint(MeetingPlan plan, PlannedRelay relay, EndpointInfo endpoint, MeetingView meeting, DateTimeOffset now)
    {
        if (IsHeld(plan.MeetingId, endpoint.Id))
        {
            return;
        }

        // An endpoint that called in (number*PIN) is in; it is not dialled as well.
        if (endpoint.DigestUser is { } user && meeting.Legs.Values.Any(l => l.Direction == LegDirection.Incoming && l.AuthenticatedUser == user && !IsFinal(l)))
        {
            return;
        }

        EnsureDialed(relay.Key, plan, meeting, endpoint.LegId, DialTarget(endpoint), LegRole.Endpoint, now);
    }

    /// <summary>A registered room is called at the contact it registered from; others at their SIP URI.</summary>
    private string DialTarget(EndpointInfo endpoint) =>
        _presence.Get(endpoint.Id) is { Contact: { Length: > 0 } contact, State: not Endpoints.Presence.EndpointState.Offline } ? contact : endpoint.SipUri;

    private void EnsureDialed(string relay, MeetingPlan plan, MeetingView meeting, string legId, string uri, LegRole role, DateTimeOffset now)
    {
        if (meeting.Legs.TryGetValue(legId, out var leg) && !IsFinal(leg))
        {
            return;
        }

        var key = BackoffKey(relay, plan.Number, legId);
        if (!_backoff.TryGetValue(key, out var backoff))
        {
            _backoff[key] = backoff = new Backoff();
        }

        if (backoff.NextUtc > now || _inflight.Contains(DialKey(relay, plan.Number, legId)))
        {
            return;
        }

        backoff.Attempts++;
        var number = plan.Number;
        var request = new DialRequest(uri, legId, role);
        Issue(DialKey(relay, number, legId), relay, async (control, cancellationToken) =>
        {
            try
            {
                var dialed = await control.DialAsync(number, request, cancellationToken).ConfigureAwait(false);
                return () =>
                {
                    if (_views.TryGetValue(relay, out var view) && view.Meetings.TryGetValue(number, out var m))
                    {
                        m.Observe(dialed);
                    }

                    Touch(number);
                };
            }
            catch (RelayException e) when (e.Code == "relay.leg-exists")
            {
                return null;
            }
            catch (RelayException e) when (e.Kind is RelayErrorKind.Invalid or RelayErrorKind.Conflict)
            {
                // A URI the relay cannot use: wait as after a failed call, and say why once.
                return () =>
                {
                    RecordFailure(key, wasUp: false);
                    Log.DialRefused(_logger, number, legId, e.Message);
                };
            }
        });
    }

    private void HangUp(string relay, string number, string legId) =>
        Issue(HangUpKey(relay, number, legId), relay, async (control, cancellationToken) =>
        {
            try
            {
                await control.HangUpAsync(number, legId, cancellationToken).ConfigureAwait(false);
            }
            catch (RelayException e) when (e.Kind == RelayErrorKind.NotFound)
            {
            }

            return null;
        });

    /// <summary>
    /// The top relay of every live meeting mixes its audio (the chair and the floor heard together
    /// by all; relays below forward what it sends). Open discussion follows the secretariat's switch.
    /// </summary>
    private void EnsureAudioMix(MeetingPlan plan, PlannedRelay relay, MeetingView meeting)
    {
        bool open = _openDiscussion.TryGetValue(plan.Meeting.Id, out var on) && on;
        if (meeting.MixRefused || (meeting.AudioMix is { Enabled: true } mix && mix.OpenDiscussion == open))
        {
            return;
        }

        var number = plan.Number;
        var name = relay.Node.Name;
        Issue($"{relay.Key}|{number}|audio-mix", relay.Key, async (control, cancellationToken) =>
        {
            try
            {
                await control.SetAudioMixAsync(number, new AudioMixRequest(true, open), cancellationToken).ConfigureAwait(false);
                return () =>
                {
                    Log.AudioMixSet(_logger, number, name, open);
                    meeting.AudioMix = new AudioMixInfo(true, open, meeting.AudioMix?.MaxSpeakers ?? AudioMixOptions.DefaultMaxSpeakers, meeting.AudioMix?.Active ?? false);
                    Touch(number);
                };
            }
            catch (RelayException e) when (e.Kind is RelayErrorKind.Invalid or RelayErrorKind.NotFound)
            {
                return () =>
                {
                    meeting.MixRefused = true;
                    Log.AudioMixRefused(_logger, number, name, e.Message);
                };
            }
        });
    }

    private void EnsureProgram(MeetingPlan plan, PlannedRelay relay, MeetingView meeting)
    {
        var (program, returnFeed) = DesiredProgram(plan, relay, meeting);
        if (program is null || (meeting.ProgramLegId == program && (returnFeed is null || meeting.ReturnFeedLegId == returnFeed)))
        {
            return;
        }

        var number = plan.Number;
        var name = relay.Node.Name;
        Issue($"{relay.Key}|{number}|program", relay.Key, async (control, cancellationToken) =>
        {
            await control.SetProgramAsync(number, new ProgramRequest(program, returnFeed), cancellationToken).ConfigureAwait(false);
            return () =>
            {
                Log.ProgramSet(_logger, number, name, program, returnFeed);
                meeting.ProgramLegId = program;
                meeting.ReturnFeedLegId = returnFeed ?? meeting.ReturnFeedLegId;
                Touch(number);
            };
        });
    }

    /// <summary>
    /// What a relay should forward. The source is the site with the floor, else the meeting's own
    /// feed (central for a relayed meeting, the host site otherwise). At each relay the program is
    /// the leg towards the source: its endpoint, the child relay it is under, or the parent; when
    /// the source is not connected, the own feed, then the parent. The source itself is sent the own
    /// feed (the speaking commune sees the chair or central), and central is sent the host's room.
    /// </summary>
    private (string? Program, string? ReturnFeed) DesiredProgram(MeetingPlan plan, PlannedRelay relay, MeetingView meeting)
    {
        var host = plan.Meeting.HostSiteCode;
        string? Own() => plan.CentralFeed ? TowardCentral(plan, relay, meeting) : TowardSite(plan, relay, meeting, host);
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

    private string? TowardCentral(MeetingPlan plan, PlannedRelay relay, MeetingView meeting) =>
        relay.Key == plan.TopKey ? CentralLegOf(meeting) : Connected(meeting, ParentLeg);

    private string? TowardSite(MeetingPlan plan, PlannedRelay relay, MeetingView meeting, string siteCode)
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
            return ChildLegOf(meeting, plan.Relays[child].Node.SipUser);
        }

        return relay.ParentKey is not null ? Connected(meeting, ParentLeg) : null;
    }

    /// <summary>The connected leg of an endpoint: the one dialled, or the one it called in on.</summary>
    private static string? EndpointLegOf(MeetingView meeting, EndpointInfo endpoint) =>
        Connected(meeting, endpoint.LegId)
        ?? (endpoint.DigestUser is { } user ? NewestIncoming(meeting, user) : null);

    private static string? ChildLegOf(MeetingView meeting, string user) => NewestIncoming(meeting, user);

    private string? CentralLegOf(MeetingView meeting) => Connected(meeting, CentralLeg) ?? NewestIncoming(meeting, _options.CentralUser);

    private static string? NewestIncoming(MeetingView meeting, string user) =>
        meeting.Legs.Values.Where(l => l.Direction == LegDirection.Incoming && l.AuthenticatedUser == user && l.State == LegState.Connected)
            .OrderByDescending(l => l.ConnectedUtc).Select(l => l.LegId).FirstOrDefault();

    private static string? Connected(MeetingView meeting, string legId) =>
        meeting.Legs.TryGetValue(legId, out var leg) && leg.State == LegState.Connected ? legId : null;

    private static bool IsFinal(LegInfo leg) => leg.State is LegState.Ended or LegState.Failed;

    private static string DialKey(string relay, string number, string legId) => $"{relay}|{number}|dial|{legId}";
}
