using System.Collections.Concurrent;
using Conferencing.Relay;
using Conferencing.Server.Common;
using Conferencing.Server.Meetings;

namespace Conferencing.Server.Relaying;

/// <summary>Where a technician's action on an endpoint's call goes: the relay, the meeting there, and the leg.</summary>
/// <param name="Control">The relay that carries the call.</param>
/// <param name="Relay">Its name.</param>
/// <param name="Number">The meeting's number on it.</param>
/// <param name="LegId">The endpoint's connected leg.</param>
public sealed record CallLegRoute(IRelayControl Control, string Relay, string Number, string LegId);

/// <summary>Where a test call to an endpoint goes: the relay that serves its site and the address it is called at.</summary>
/// <param name="Control">The relay.</param>
/// <param name="Relay">Its name.</param>
/// <param name="Target">The endpoint's registered contact, else its SIP URI.</param>
/// <param name="LegId">The leg id a meeting would give it.</param>
public sealed record TestCallRoute(IRelayControl Control, string Relay, string Target, string LegId);

/// <summary>
/// Technicians' actions on one endpoint's call (the dashboard): hang up and hold, redial, mute,
/// keyframe, and the route for a test call. What the loop owns (plans, relay views, connections)
/// is read on the loop (<see cref="OnLoopAsync{T}"/>); the relay command then runs outside it.
/// </summary>
public sealed partial class RelayConductor
{
    // Endpoints a technician hung up: the reconciliation does not dial them until a redial.
    private readonly ConcurrentDictionary<(Guid Meeting, Guid Endpoint), DateTimeOffset> _held = new();

    /// <summary>The length of a test call's meeting number; meetings' own are 7 digits.</summary>
    public const int TestCallNumberLength = 12;

    /// <summary>The prefix of a test call's meeting number.</summary>
    public const string TestCallNumberPrefix = "99";

    /// <summary>A test call's own short meeting on a relay, which the reconciliation leaves alone (the test closes it).</summary>
    public static bool IsTestCallNumber(string number) =>
        number.Length == TestCallNumberLength && number.StartsWith(TestCallNumberPrefix, StringComparison.Ordinal);

    /// <summary>Whether a technician's hang-up holds the endpoint out of the meeting.</summary>
    public bool IsHeld(Guid meetingId, Guid endpointId) => _held.ContainsKey((meetingId, endpointId));

    /// <summary>Hangs up an endpoint's call in a meeting and keeps it out until <see cref="RedialEndpointAsync"/>.</summary>
    /// <exception cref="DomainException">The meeting does not run on the relays, or the endpoint has no call in it.</exception>
    public async Task<CallLegRoute> HangUpEndpointAsync(Guid meetingId, Guid endpointId, CancellationToken cancellationToken)
    {
        var route = await RouteOfCallAsync(meetingId, endpointId, requireConnected: false).ConfigureAwait(false);
        _held[(meetingId, endpointId)] = _time.GetUtcNow();
        try
        {
            await route.Control.HangUpAsync(route.Number, route.LegId, cancellationToken).ConfigureAwait(false);
        }
        catch (RelayException e) when (e.Kind == RelayErrorKind.NotFound)
        {
            // Gone between the look-up and the command: held all the same.
        }

        Refresh();
        return route;
    }

    /// <summary>
    /// Releases a hold and dials the endpoint again now: a call that is up is hung up first, a wait
    /// after failures is cut short.
    /// </summary>
    /// <exception cref="DomainException">The meeting is not live on the relays, or the endpoint is not one of its.</exception>
    public async Task RedialEndpointAsync(Guid meetingId, Guid endpointId)
    {
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
        Refresh();
    }

    /// <summary>Whether open discussion is on for a meeting.</summary>
    public bool IsOpenDiscussion(Guid meetingId) => _openDiscussion.TryGetValue(meetingId, out var on) && on;

    /// <summary>Stops or resumes forwarding an endpoint's audio at the relay.</summary>
    public async Task<CallLegRoute> SetEndpointAudioMutedAsync(Guid meetingId, Guid endpointId, bool muted, CancellationToken cancellationToken)
    {
        var route = await RouteOfCallAsync(meetingId, endpointId, requireConnected: true).ConfigureAwait(false);
        await route.Control.SetAudioMutedAsync(route.Number, route.LegId, muted, cancellationToken).ConfigureAwait(false);
        return route;
    }

    /// <summary>Asks the source of what the endpoint receives for a keyframe (its picture is broken or frozen).</summary>
    public async Task<CallLegRoute> RequestEndpointKeyframeAsync(Guid meetingId, Guid endpointId, CancellationToken cancellationToken)
    {
        var route = await RouteOfCallAsync(meetingId, endpointId, requireConnected: true).ConfigureAwait(false);
        await route.Control.RequestKeyframeAsync(route.Number, route.LegId, cancellationToken).ConfigureAwait(false);
        return route;
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

            return new TestCallRoute(connection.Control, relay.Name, DialTarget(info), info.LegId);
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
            || !_connections.TryGetValue(planned.RelayKey, out var connection))
        {
            throw new DomainException(DomainErrorKind.Conflict, "endpoint.not-in-call", "The endpoint has no call: its relay does not run the meeting.");
        }

        var leg = EndpointLegOf(meeting, endpoint);
        if (leg is null && !requireConnected)
        {
            // Ringing or dialling: hanging up cancels it.
            leg = meeting.Legs.TryGetValue(endpoint.LegId, out var pending) && !IsFinal(pending) ? pending.LegId : null;
        }

        return leg is null
            ? throw new DomainException(DomainErrorKind.Conflict, "endpoint.not-in-call", "The endpoint has no call in this meeting.")
            : new CallLegRoute(connection.Control, view.Name, plan.Number, leg);
    });

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
