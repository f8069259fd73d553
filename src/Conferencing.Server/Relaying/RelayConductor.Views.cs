using Conferencing.Relay;
using Conferencing.Server.Endpoints.Presence;

namespace Conferencing.Server.Relaying;

public sealed partial class RelayConductor
{
    private bool OnHealth(HealthInput input)
    {
        if (!_views.TryGetValue(input.Relay, out var view) || view.Generation != input.Generation)
        {
            return false;
        }

        if (!view.SetHealth(input.Health, input.Error, _time.GetUtcNow()))
        {
            return false;
        }

        if (input.Health != RelayHealth.Up)
        {
            // Until the next snapshot nothing it had is known to be still there.
            view.HasSnapshot = false;
        }

        PublishStatuses();
        foreach (var plan in _plans.Values.Where(p => p.Relays.ContainsKey(input.Relay)))
        {
            _dirty.Add(plan.MeetingId);
        }

        return true;
    }

    private bool OnRelayEvent(RelayEventInput input)
    {
        if (!_views.TryGetValue(input.Relay, out var view) || view.Generation != input.Generation)
        {
            return false;
        }

        switch (input.Event)
        {
            case SnapshotEvent snapshot:
                OnSnapshot(input.Relay, view, snapshot);
                return true;
            case Conferencing.Relay.MeetingEvent { Kind: MeetingEventKind.Opened } opened:
                view.Meetings.TryAdd(opened.Meeting, new MeetingView(opened.Meeting, opened.AtUtc));
                Touch(opened.Meeting);
                return true;
            case Conferencing.Relay.MeetingEvent { Kind: MeetingEventKind.Closed } closed:
                if (view.Meetings.Remove(closed.Meeting, out var gone))
                {
                    OnLegsGone(input.Relay, gone);
                }

                Touch(closed.Meeting);
                PublishStatuses();
                return true;
            case LegEvent leg:
                OnLegEvent(input.Relay, view, leg);
                return leg.Kind is not (LegEventKind.Muted or LegEventKind.Unmuted);
            case ProgramEvent program:
                if (view.Meetings.TryGetValue(program.Meeting, out var meeting))
                {
                    (meeting.ProgramLegId, meeting.ReturnFeedLegId) = (program.ProgramLegId, program.ReturnFeedLegId);
                    meeting.AudioMix = program.AudioMix ?? meeting.AudioMix;
                    Touch(program.Meeting);
                }

                return true;
            case StatisticsEvent statistics:
                OnStatistics(input.Relay, view, statistics);
                return false;
            default:
                return false;
        }
    }

    private void OnSnapshot(string relay, RelayView view, SnapshotEvent snapshot)
    {
        var before = view.Meetings.Values.ToList();
        view.Meetings.Clear();
        foreach (var info in snapshot.Meetings)
        {
            view.Meetings[info.Number] = MeetingView.From(info);
        }

        foreach (var old in before.Where(m => !view.Meetings.ContainsKey(m.Number)))
        {
            // The relay restarted (or closed it while the stream was down): its legs are gone.
            OnLegsGone(relay, old);
        }

        if (!view.HasSnapshot)
        {
            Log.RelayState(_logger, view.Name, snapshot.Meetings.Count, snapshot.Meetings.Sum(m => m.Legs.Count(l => l.State == LegState.Connected)));
        }

        view.HasSnapshot = true;
        view.SetHealth(RelayHealth.Up, null, _time.GetUtcNow());
        foreach (var number in before.Select(m => m.Number).Concat(view.Meetings.Keys))
        {
            Touch(number);
        }

        PublishStatuses();
    }

    private void OnLegEvent(string relay, RelayView view, LegEvent leg)
    {
        if (!view.Meetings.TryGetValue(leg.Meeting, out var meeting))
        {
            // An event for a meeting opened while the stream reconnected; the snapshot brings the rest.
            view.Meetings[leg.Meeting] = meeting = new MeetingView(leg.Meeting, leg.AtUtc);
        }

        meeting.Legs[leg.LegId] = leg.Leg;
        var key = new LegKey(relay, leg.Meeting, leg.LegId);
        if (leg.Kind is LegEventKind.Answered or LegEventKind.Failed or LegEventKind.Ended)
        {
            // A leg id comes back with its counters at zero; the silence watch starts over.
            _silence.Remove(key);
        }

        switch (leg.Kind)
        {
            case LegEventKind.Answered:
                StateOfNumber(leg.Meeting)?.Answered(key);
                break;
            case LegEventKind.Failed or LegEventKind.Ended:
                meeting.Statistics.Remove(leg.LegId);
                if (leg.Leg.Direction == LegDirection.Outgoing)
                {
                    RecordFailure(key, leg.Kind == LegEventKind.Ended);
                }

                break;
        }

        if (leg.Kind is LegEventKind.Answered or LegEventKind.Failed or LegEventKind.Ended)
        {
            PublishStatuses();
        }

        Touch(leg.Meeting);
    }

    /// <summary>
    /// A failed dial waits before the next one, doubling up to <see cref="RelayingOptions.MaxRetryDelay"/>;
    /// a call that was up and ended is redialled after the first delay.
    /// </summary>
    private void RecordFailure(LegKey key, bool wasUp) =>
        StateOfNumber(key.Number)?.RecordFailure(key, wasUp, _time.GetUtcNow(), _options.RetryDelay, _options.MaxRetryDelay);

    private void OnLegsGone(string relay, MeetingView meeting)
    {
        foreach (var leg in meeting.Legs.Values.Where(l => l.State == LegState.Connected && l.Direction == LegDirection.Outgoing))
        {
            RecordFailure(new LegKey(relay, meeting.Number, leg.LegId), wasUp: true);
        }
    }

    /// <summary>A room that registers (again) or changes its address is dialled at once, not when its backoff ends.</summary>
    private bool OnPresence(EndpointPresence presence)
    {
        if (presence.State is not (EndpointState.Registered or EndpointState.Reachable) || !_endpoints.TryGetValue(presence.EndpointId, out var endpoint))
        {
            return false;
        }

        var woke = false;
        foreach (var plan in _plans.Values)
        {
            if (!plan.EndpointsByLeg.TryGetValue(endpoint.LegId, out var planned))
            {
                continue;
            }

            if (StateOf(plan.MeetingId).Wake(new LegKey(planned.RelayKey, plan.Number, endpoint.LegId), _time.GetUtcNow(), resetFailures: false))
            {
                woke = true;
            }

            // A room that registers while the relay still waits on an INVITE sent elsewhere (its SIP
            // URI, dialled before it registered, or an address it has since left) is called afresh at
            // its contact: nothing may answer the old INVITE until SIP's 32 s timer B ends it.
            if (presence.Contact is { Length: > 0 } contact && _views.TryGetValue(planned.RelayKey, out var view) && view.Meetings.TryGetValue(plan.Number, out var meeting)
                && meeting.Legs.TryGetValue(endpoint.LegId, out var leg) && leg.State == LegState.Dialing
                && !string.Equals(leg.RemoteUri, contact, StringComparison.OrdinalIgnoreCase))
            {
                Log.DialAtContact(_logger, plan.Number, endpoint.LegId, contact);
                Issue(new HangUpCommand(planned.RelayKey, plan.Number, leg.LegId, HangUpReason.DialAtContact, contact));
                woke = true;
            }
        }

        return woke;
    }

    private void Touch(string number)
    {
        if (_plansByNumber.TryGetValue(number, out var plan))
        {
            _dirty.Add(plan.MeetingId);
        }
    }
}
