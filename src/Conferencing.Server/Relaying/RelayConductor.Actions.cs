using Conferencing.Relay;
using Conferencing.Server.Common;
using Conferencing.Server.Meetings;

namespace Conferencing.Server.Relaying;

/// <summary>Where a technician's action on an endpoint's call went: the relay, the meeting there, and the leg.</summary>
/// <param name="RelayKey">The relay's key.</param>
/// <param name="Relay">Its name.</param>
/// <param name="Number">The meeting's number on it.</param>
/// <param name="LegId">The endpoint's leg.</param>
public sealed record CallLegRoute(string RelayKey, string Relay, string Number, string LegId);

/// <summary>Where a test call to an endpoint goes: the relay that serves its site and the address it is called at.</summary>
/// <param name="RelayKey">The relay's key, for the commands sent through the conductor.</param>
/// <param name="Relay">Its name.</param>
/// <param name="Target">The endpoint's registered contact, else its SIP URI.</param>
/// <param name="LegId">The leg id a meeting would give it.</param>
/// <param name="Reads">What the test reads from the relay (a meeting's legs and statistics); writes go through the conductor.</param>
public sealed record TestCallRoute(string RelayKey, string Relay, string Target, string LegId, RelayReads Reads);

/// <summary>The reading half of a relay's control: what a test call polls. It cannot change the relay.</summary>
public sealed class RelayReads(IRelayControl control)
{
    public Task<RelayMeetingInfo> GetMeetingAsync(string number, CancellationToken cancellationToken) => control.GetMeetingAsync(number, cancellationToken);

    public Task<IReadOnlyList<LegStatistics>> GetStatisticsAsync(string number, CancellationToken cancellationToken) => control.GetStatisticsAsync(number, cancellationToken);
}

/// <summary>
/// Technicians' actions on one endpoint's call (the dashboard): hang up and hold, redial, mute,
/// keyframe, and test calls. What the loop owns is read on the loop (<see cref="OnLoopAsync{T}"/>);
/// every change to a relay is a command through the loop's executor (<see cref="SendAsync"/>), so
/// the relays have one writer. Holds are stored (<see cref="CallHoldStore"/>) before they count.
/// </summary>
public sealed partial class RelayConductor
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, bool> _openDiscussion = new();

    /// <summary>The length of a test call's meeting number; meetings' own are 7 digits.</summary>
    public const int TestCallNumberLength = ConductorPlanner.TestCallNumberLength;

    /// <summary>The prefix of a test call's meeting number.</summary>
    public const string TestCallNumberPrefix = ConductorPlanner.TestCallNumberPrefix;

    /// <summary>A test call's own short meeting on a relay, which the reconciliation leaves alone (the test closes it).</summary>
    public static bool IsTestCallNumber(string number) => ConductorPlanner.IsTestCallNumber(number);

    /// <summary>Whether a technician's hang-up holds the endpoint out of the meeting.</summary>
    public bool IsHeld(Guid meetingId, Guid endpointId) => _states.TryGetValue(meetingId, out var state) && state.Held.Contains(endpointId);

    /// <summary>Hangs up an endpoint's call in a meeting and keeps it out until <see cref="RedialEndpointAsync"/>; the hold is stored first.</summary>
    /// <exception cref="DomainException">The meeting does not run on the relays, or the endpoint has no call in it.</exception>
    public async Task<CallLegRoute> HangUpEndpointAsync(Guid meetingId, Guid endpointId, string actor, CancellationToken cancellationToken)
    {
        if (Elsewhere)
        {
            return (await ForwardAsync(new RemoteAction("hang-up", meetingId, endpointId, actor, false), cancellationToken).ConfigureAwait(false))!;
        }

        var route = await RouteOfCallAsync(meetingId, endpointId, requireConnected: false).ConfigureAwait(false);
        await _holds.HoldAsync(new CallHold(meetingId, endpointId, _time.GetUtcNow(), actor), cancellationToken).ConfigureAwait(false);
        await OnLoopAsync(() =>
        {
            var state = StateOf(meetingId);
            state.Held = state.Held.Add(endpointId);
            return true;
        }).ConfigureAwait(false);
        await SendAsync(new HangUpCommand(route.RelayKey, route.Number, route.LegId, HangUpReason.Operator, actor), cancellationToken).ConfigureAwait(false);
        return route;
    }

    /// <summary>
    /// Releases a hold and dials the endpoint again now: a call that is up is hung up first, a wait
    /// after failures is cut short.
    /// </summary>
    /// <exception cref="DomainException">The meeting is not live on the relays, or the endpoint is not one of its.</exception>
    public async Task RedialEndpointAsync(Guid meetingId, Guid endpointId)
    {
        if (Elsewhere)
        {
            await ForwardAsync(new RemoteAction("redial", meetingId, endpointId, null, false), CancellationToken.None).ConfigureAwait(false);
            return;
        }

        await OnLoopAsync(() =>
        {
            if (!_plans.TryGetValue(meetingId, out var plan) || plan.Meeting.Status != MeetingStatus.Live)
            {
                throw new DomainException(DomainErrorKind.Conflict, "endpoint.not-in-live-meeting", "The meeting is not live on the relays; only a live meeting's calls are redialled.");
            }

            if (!_endpoints.TryGetValue(endpointId, out var endpoint) || !plan.EndpointsByLeg.ContainsKey(endpoint.LegId))
            {
                throw new DomainException(DomainErrorKind.Conflict, "endpoint.not-in-meeting", "The endpoint does not take part in this meeting.");
            }

            return true;
        }).ConfigureAwait(false);
        await _holds.ReleaseAsync(meetingId, endpointId, CancellationToken.None).ConfigureAwait(false);

        // A held endpoint has no leg, so the redial's pass dials it; one in a call is hung up and dialled.
        // The release happens on the loop, with the redial (see HandleAsync).
        _inputs.Writer.TryWrite(new RedialInput(meetingId, endpointId, Release: true));
    }

    /// <summary>
    /// Turns open discussion on or off for a meeting: besides the chair and the floor, the loudest
    /// unmuted sites are heard. Kept by the conductor for as long as the server runs.
    /// </summary>
    public void SetOpenDiscussion(Guid meetingId, bool on)
    {
        _openDiscussion[meetingId] = on;
        if (Elsewhere)
        {
            ForwardQuietly(new RemoteAction("open-discussion", meetingId, Guid.Empty, null, on));
            return;
        }

        Refresh();
    }

    /// <summary>Whether open discussion is on for a meeting.</summary>
    public bool IsOpenDiscussion(Guid meetingId) => _openDiscussion.TryGetValue(meetingId, out var on) && on;

    /// <summary>Stops or resumes forwarding an endpoint's audio at the relay.</summary>
    public async Task<CallLegRoute> SetEndpointAudioMutedAsync(Guid meetingId, Guid endpointId, bool muted, CancellationToken cancellationToken)
    {
        if (Elsewhere)
        {
            return (await ForwardAsync(new RemoteAction("mute", meetingId, endpointId, null, muted), cancellationToken).ConfigureAwait(false))!;
        }

        var route = await RouteOfCallAsync(meetingId, endpointId, requireConnected: true).ConfigureAwait(false);
        await SendAsync(new SetAudioMutedCommand(route.RelayKey, route.Number, route.LegId, muted), cancellationToken).ConfigureAwait(false);
        return route;
    }

    /// <summary>Asks the source of what the endpoint receives for a keyframe (its picture is broken or frozen).</summary>
    public async Task<CallLegRoute> RequestEndpointKeyframeAsync(Guid meetingId, Guid endpointId, CancellationToken cancellationToken)
    {
        if (Elsewhere)
        {
            return (await ForwardAsync(new RemoteAction("keyframe", meetingId, endpointId, null, false), cancellationToken).ConfigureAwait(false))!;
        }

        var route = await RouteOfCallAsync(meetingId, endpointId, requireConnected: true).ConfigureAwait(false);
        await SendAsync(new RequestKeyframeCommand(route.RelayKey, route.Number, route.LegId), cancellationToken).ConfigureAwait(false);
        return route;
    }

    /// <summary>Runs a test call's command (open, dial, program, keyframe, close) through the conductor, the relays' one writer.</summary>
    /// <exception cref="RelayException">The relay refused or failed it.</exception>
    public Task SendTestCallCommandAsync(RelayCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (!IsTestCallNumber(command.Number))
        {
            throw new ArgumentException("Only a test call's own meeting is commanded from outside the conductor.", nameof(command));
        }

        return SendAsync(command, cancellationToken);
    }

    /// <summary>The relay that serves an endpoint's site and where to call it, for a test call outside any meeting.</summary>
    /// <exception cref="DomainException">The relay that serves its site is not up (409 <c>relay.unavailable</c>).</exception>
    public Task<TestCallRoute> TestCallRouteAsync(Endpoints.SipEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);

        // From the record, not the loop's copy: an endpoint added a moment ago is tested at once.
        var info = new EndpointInfo(endpoint.Id, endpoint.SiteCode, endpoint.SipUri, endpoint.DigestUsername, null);
        return OnLoopAsync(() =>
        {
            if (_topology is null)
            {
                throw new DomainException(DomainErrorKind.Conflict, "relay.unavailable", "The relays are not known yet; try again in a moment.");
            }

            var relay = _topology.ServingRelay(endpoint.SiteCode);
            if (!_connections.TryGetValue(relay.Key, out var connection) || !_views.TryGetValue(relay.Key, out var view) || view.Health != RelayHealth.Up)
            {
                throw new DomainException(DomainErrorKind.Conflict, "relay.unavailable", $"Relay {relay.Name}, which serves the site, is not reachable.");
            }

            return new TestCallRoute(relay.Key, relay.Name, ContactOf(info.Id) ?? info.SipUri, info.LegId, new RelayReads(connection.Control));
        });
    }

    private Task<CallLegRoute> RouteOfCallAsync(Guid meetingId, Guid endpointId, bool requireConnected) => OnLoopAsync(() =>
    {
        if (!_plans.TryGetValue(meetingId, out var plan))
        {
            throw new DomainException(DomainErrorKind.Conflict, "endpoint.not-in-call", "The meeting does not run on the relays.");
        }

        if (!_endpoints.TryGetValue(endpointId, out var endpoint) || !plan.EndpointsByLeg.TryGetValue(endpoint.LegId, out var planned))
        {
            throw new DomainException(DomainErrorKind.Conflict, "endpoint.not-in-meeting", "The endpoint does not take part in this meeting.");
        }

        if (!_views.TryGetValue(planned.RelayKey, out var view) || !view.Meetings.TryGetValue(plan.Number, out var meeting)
            || !_connections.ContainsKey(planned.RelayKey))
        {
            throw new DomainException(DomainErrorKind.Conflict, "endpoint.not-in-call", "The endpoint has no call: its relay does not run the meeting.");
        }

        var leg = ConductorPlanner.EndpointLegOf(meeting, endpoint);
        if (leg is null && !requireConnected)
        {
            // Ringing or dialling: hanging up cancels it.
            leg = meeting.Legs.TryGetValue(endpoint.LegId, out var pending) && !ConductorPlanner.IsFinal(pending) ? pending.LegId : null;
        }

        return leg is null
            ? throw new DomainException(DomainErrorKind.Conflict, "endpoint.not-in-call", "The endpoint has no call in this meeting.")
            : new CallLegRoute(planned.RelayKey, view.Name, plan.Number, leg);
    });

    /// <summary>Releases a hold on the loop; true when there was one.</summary>
    private bool Release(Guid meetingId, Guid endpointId)
    {
        if (!_states.TryGetValue(meetingId, out var state) || !state.Held.Contains(endpointId))
        {
            return false;
        }

        state.Held = state.Held.Remove(endpointId);
        return true;
    }

    private void OnRedial(Guid meetingId, Guid endpointId, bool hangUp)
    {
        if (!_plans.TryGetValue(meetingId, out var plan) || !_endpoints.TryGetValue(endpointId, out var endpoint)
            || !plan.EndpointsByLeg.TryGetValue(endpoint.LegId, out var planned))
        {
            return;
        }

        Log.Redial(_logger, plan.Number, endpoint.LegId);
        StateOf(meetingId).Wake(new LegKey(planned.RelayKey, plan.Number, endpoint.LegId), _time.GetUtcNow(), resetFailures: true);
        if (hangUp && _views.TryGetValue(planned.RelayKey, out var view) && view.Meetings.TryGetValue(plan.Number, out var meeting))
        {
            foreach (var leg in meeting.Legs.Values.Where(l => !ConductorPlanner.IsFinal(l) && (l.LegId == endpoint.LegId
                || (endpoint.DigestUser is { } user && l.Direction == LegDirection.Incoming && l.AuthenticatedUser == user))))
            {
                Issue(new HangUpCommand(planned.RelayKey, plan.Number, leg.LegId, HangUpReason.Redial));
            }
        }
    }

    /// <summary>An ended meeting closed on every relay: its state, holds and quality are done with.</summary>
    private void Forget(MeetingPlan plan)
    {
        _plans.Remove(plan.MeetingId);
        _plansByNumber.Remove(plan.Number);
        _meetings.Remove(plan.MeetingId);
        _states.TryRemove(plan.MeetingId, out _);
        _openDiscussion.TryRemove(plan.MeetingId, out _);
        foreach (var key in _degraded.Keys.Where(k => k.Meeting == plan.MeetingId).ToList())
        {
            _degraded.Remove(key);
        }

        _writes.Writer.TryWrite(cancellationToken => _holds.ReleaseMeetingAsync(plan.MeetingId, cancellationToken));

        FlushMeeting(plan.MeetingId);
        _dirty.Remove(plan.MeetingId);
        _live.Publish(BuildCall(plan), CallChangeKind.Removed);
        Log.Forgotten(_logger, plan.MeetingId, plan.Number);
    }

    /// <summary>Runs <paramref name="work"/> on the loop, which owns the state it reads, and returns its result.</summary>
    private Task<T> OnLoopAsync<T>(Func<T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_inputs.Writer.TryWrite(new LoopInput(() =>
        {
            try
            {
                done.TrySetResult(work());
            }
            catch (DomainException e)
            {
                done.TrySetException(e);
            }
        })))
        {
            done.TrySetException(new InvalidOperationException("The relay conductor has stopped."));
        }

        return done.Task;
    }

    private sealed record LoopInput(Action Run) : Input;
}
