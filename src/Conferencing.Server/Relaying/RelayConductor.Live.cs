using Conferencing.Relay;
using Conferencing.Server.Endpoints.Presence;
using Conferencing.Server.Meetings;
using Conferencing.Server.Reports;

namespace Conferencing.Server.Relaying;

public sealed partial class RelayConductor
{
    private readonly Dictionary<(Guid Meeting, Guid Endpoint), LossWatch> _degraded = [];
    private readonly Dictionary<string, (long Packets, DateTimeOffset Since)> _silence = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, EndpointState> _reported = [];

    /// <summary>
    /// One second of a meeting on one relay: each endpoint's figures, the per-site sample for history
    /// and quality, loss that makes a call degraded, and calls whose media stopped (a room that lost
    /// power sends no BYE: after <see cref="RelayingOptions.MediaTimeout"/> of silence it is hung up
    /// and dialled again).
    /// </summary>
    private void OnStatistics(string relay, RelayView view, StatisticsEvent statistics)
    {
        if (!view.Meetings.TryGetValue(statistics.Meeting, out var meeting))
        {
            return;
        }

        foreach (var leg in statistics.Legs)
        {
            meeting.Statistics[leg.LegId] = leg;
        }

        meeting.StatisticsAtUtc = statistics.AtUtc;

        if (!_plansByNumber.TryGetValue(statistics.Meeting, out var plan))
        {
            return;
        }

        var now = _time.GetUtcNow();
        var bySite = new Dictionary<string, CallSecond>(StringComparer.Ordinal);
        foreach (var leg in statistics.Legs)
        {
            // A recorder only listens: its silence is no sign of a dead call.
            if (!(meeting.Legs.TryGetValue(leg.LegId, out var info) && info.Role == LegRole.Recorder))
            {
                WatchSilence(relay, plan.Number, leg, now);
            }

            if (EndpointOfLeg(plan, meeting, leg.LegId) is not { } endpoint)
            {
                continue;
            }

            var second = ToSecond(statistics.AtUtc, leg);
            WatchLoss(plan.MeetingId, endpoint.Id, second);
            if (!bySite.TryGetValue(endpoint.SiteCode, out var best) || best.PacketsIn < second.PacketsIn)
            {
                bySite[endpoint.SiteCode] = second;
            }

            if (_endpointRecords.TryGetValue(endpoint.Id, out var record))
            {
                var state = _degraded.TryGetValue((plan.MeetingId, endpoint.Id), out var watch) && watch.Degraded ? EndpointState.Degraded : EndpointState.InCall;
                _presence.ReportCall(record, state, state == EndpointState.Degraded ? $"loss {second.LossOutPercent ?? 0:0.#} % / {second.LossInPercent:0.#} %" : null, mediaFlowing: leg.PacketsIn > 0);
                _reported[endpoint.Id] = state;
            }
        }

        if (plan.Meeting.Status == MeetingStatus.Live)
        {
            foreach (var (site, second) in bySite)
            {
                _accumulator.Add(plan.MeetingId, site, second);
            }
        }

        _live.Publish(BuildCall(plan), CallChangeKind.Statistics);
    }

    private EndpointInfo? EndpointOfLeg(MeetingPlan plan, MeetingView meeting, string legId)
    {
        if (plan.EndpointsByLeg.TryGetValue(legId, out var planned))
        {
            return planned.Endpoint;
        }

        return meeting.Legs.TryGetValue(legId, out var leg) && leg.Direction == LegDirection.Incoming && leg.AuthenticatedUser is { } user
            && _endpointsByUser.TryGetValue(user, out var endpoint) && plan.EndpointsByLeg.ContainsKey(endpoint.LegId)
            ? endpoint
            : null;
    }

    private static CallSecond ToSecond(DateTimeOffset at, LegStatistics leg)
    {
        var main = leg.Video ?? leg.Audio;
        double? lossOut = leg.Video?.LossOutPercent is { } v ? Math.Max(v, leg.Audio?.LossOutPercent ?? 0) : leg.Audio?.LossOutPercent;
        return new CallSecond(
            at,
            Math.Round(Math.Max(leg.Audio?.LossInPercent ?? 0, leg.Video?.LossInPercent ?? 0), 3),
            lossOut is { } l ? Math.Round(l, 3) : null,
            Math.Round(leg.Audio?.JitterInMs ?? main?.JitterInMs ?? 0, 2),
            leg.Audio?.JitterOutMs ?? leg.Video?.JitterOutMs,
            leg.Audio?.RoundTripMs ?? leg.Video?.RoundTripMs,
            leg.BitrateInKbps,
            leg.BitrateOutKbps,
            leg.PacketsIn,
            leg.PacketsOut,
            leg.SinceLastKeyframeSentSeconds);
    }

    private void WatchLoss(Guid meetingId, Guid endpointId, CallSecond second)
    {
        if (!_degraded.TryGetValue((meetingId, endpointId), out var watch))
        {
            _degraded[(meetingId, endpointId)] = watch = new LossWatch();
        }

        var loss = Math.Max(second.LossInPercent, second.LossOutPercent ?? 0);
        if (loss >= _options.DegradedLossPercent)
        {
            watch.CleanSince = null;
            watch.LossSince ??= second.AtUtc;
            if (!watch.Degraded && second.AtUtc - watch.LossSince >= _options.DegradedAfter)
            {
                watch.Degraded = true;
            }
        }
        else
        {
            watch.LossSince = null;
            watch.CleanSince ??= second.AtUtc;
            if (watch.Degraded && second.AtUtc - watch.CleanSince >= _options.RecoveredAfter)
            {
                watch.Degraded = false;
            }
        }
    }

    private void WatchSilence(string relay, string number, LegStatistics leg, DateTimeOffset now)
    {
        if (_options.MediaTimeout <= TimeSpan.Zero)
        {
            return;
        }

        var key = BackoffKey(relay, number, leg.LegId);
        if (!_silence.TryGetValue(key, out var last) || leg.PacketsIn > last.Packets)
        {
            _silence[key] = (leg.PacketsIn, now);
        }
        else if (now - last.Since >= _options.MediaTimeout)
        {
            Log.Silent(_logger, number, leg.LegId, (int)(now - last.Since).TotalSeconds);
            _silence.Remove(key);
            HangUp(relay, number, leg.LegId);
        }
    }

    /// <summary>Publishes the meetings changed by this batch, and puts presence in line with the calls.</summary>
    private void PublishDirty()
    {
        if (_dirty.Count == 0)
        {
            return;
        }

        foreach (var id in _dirty)
        {
            if (_plans.TryGetValue(id, out var plan) && plan.Meeting.Status != MeetingStatus.Scheduled)
            {
                _live.Publish(BuildCall(plan), CallChangeKind.State);
            }
        }

        _dirty.Clear();
        ReportPresence();
    }

    private void ReportPresence()
    {
        var inCall = new Dictionary<Guid, EndpointState>();
        foreach (var plan in _plans.Values)
        {
            foreach (var relay in plan.Relays.Values)
            {
                if (!_views.TryGetValue(relay.Key, out var view) || !view.Meetings.TryGetValue(plan.Number, out var meeting))
                {
                    continue;
                }

                foreach (var endpoint in relay.Endpoints.Where(e => EndpointLegOf(meeting, e) is not null))
                {
                    var degraded = _degraded.TryGetValue((plan.MeetingId, endpoint.Id), out var watch) && watch.Degraded;
                    if (!inCall.TryGetValue(endpoint.Id, out var state) || state == EndpointState.InCall)
                    {
                        inCall[endpoint.Id] = degraded ? EndpointState.Degraded : EndpointState.InCall;
                    }
                }
            }
        }

        foreach (var (id, state) in inCall)
        {
            if ((!_reported.TryGetValue(id, out var before) || before != state) && _endpointRecords.TryGetValue(id, out var record))
            {
                _presence.ReportCall(record, state);
                _reported[id] = state;
            }
        }

        foreach (var id in _reported.Keys.Where(id => !inCall.ContainsKey(id)).ToList())
        {
            _reported.Remove(id);
            if (_endpointRecords.TryGetValue(id, out var record))
            {
                _presence.ReportCall(record, null);
            }
        }
    }

    /// <summary>The live state of one meeting, from its plan and what the relays last said.</summary>
    private MeetingCall BuildCall(MeetingPlan plan)
    {
        var now = _time.GetUtcNow();
        var status = plan.Meeting.Status;
        var relays = new List<RelayCall>();
        var endpoints = new List<EndpointCall>();
        var programLegs = new HashSet<string>(StringComparer.Ordinal);
        foreach (var relay in plan.Relays.Values.OrderBy(r => r.Key == plan.TopKey ? 0 : 1).ThenBy(r => r.Node.Name, StringComparer.Ordinal))
        {
            var view = _views.GetValueOrDefault(relay.Key);
            var meeting = view is { Ready: true } ? view.Meetings.GetValueOrDefault(plan.Number) : null;
            if (meeting?.ProgramLegId is { } programLeg)
            {
                programLegs.Add(relay.Key + "|" + programLeg);
            }

            var link = relay.ParentKey is null
                ? (meeting is null ? CallState.Waiting : CallState.InCall)
                : meeting?.Legs.GetValueOrDefault(ParentLeg) is { } parentLeg ? StateOf(parentLeg) : CallState.Waiting;
            var linkSecond = meeting?.Statistics.GetValueOrDefault(ParentLeg) is { } s && link == CallState.InCall ? ToSecond(meeting.StatisticsAtUtc, s) : null;
            relays.Add(new RelayCall(relay.Node.Name, relay.Node.SiteCode, relay.ParentKey is { } p ? plan.Relays[p].Node.Name : null,
                view?.Health ?? RelayHealth.Connecting, meeting is not null, link, meeting?.ProgramLegId, relay.Endpoints.Count, relay.Node.SipAddress, linkSecond));

            foreach (var endpoint in relay.Endpoints)
            {
                endpoints.Add(EndpointCallOf(plan, relay, view, meeting, endpoint, now));
            }
        }

        var programSite = ProgramSite(plan, out var central);
        endpoints = [.. endpoints
            .Select(e => e.State == CallState.InCall && e.SiteCode == programSite && programLegs.Contains(plan.EndpointsByLeg.GetValueOrDefault(e.LegId).RelayKey + "|" + e.LegId) ? e with { IsProgram = true } : e)
            .OrderBy(e => e.SiteCode, StringComparer.Ordinal)];
        return new MeetingCall(plan.MeetingId, status, plan.Number, plan.DialIn.Pin, plan.Relays[plan.TopKey].Node.SipAddress, programSite, central, relays, endpoints, now);
    }

    private EndpointCall EndpointCallOf(MeetingPlan plan, PlannedRelay relay, RelayView? view, MeetingView? meeting, EndpointInfo endpoint, DateTimeOffset now)
    {
        var key = BackoffKey(relay.Key, plan.Number, endpoint.LegId);
        var backoff = _backoff.GetValueOrDefault(key);
        var attempts = backoff?.Attempts ?? 0;
        var degraded = _degraded.TryGetValue((plan.MeetingId, endpoint.Id), out var watch) && watch.Degraded;
        EndpointCall Waiting(string reason) => new(endpoint.Id, endpoint.SiteCode, relay.Node.Name, endpoint.LegId, CallState.Waiting, false, null, reason,
            view?.HealthSinceUtc ?? now, null, attempts, false, false, null);

        if (view is null || !view.Ready)
        {
            return Waiting(view?.Health switch
            {
                RelayHealth.Down => $"relay {relay.Node.Name} does not answer",
                RelayHealth.Unauthorized => $"relay {relay.Node.Name} refuses the server's key",
                _ => $"connecting to relay {relay.Node.Name}",
            });
        }

        if (meeting is null)
        {
            return Waiting($"opening the meeting on relay {relay.Node.Name}");
        }

        var incoming = endpoint.DigestUser is { } user
            ? meeting.Legs.Values.Where(l => l.Direction == LegDirection.Incoming && l.AuthenticatedUser == user).OrderByDescending(l => l.CreatedUtc).FirstOrDefault()
            : null;
        var outgoing = meeting.Legs.GetValueOrDefault(endpoint.LegId);
        var leg = incoming is not null && (!IsFinal(incoming) || outgoing is null) ? incoming : outgoing;
        if (leg is null)
        {
            return Waiting(plan.Meeting.Status == MeetingStatus.Preparing ? "dialled when the meeting starts"
                : backoff is { } b && b.NextUtc > now ? $"next attempt in {(int)Math.Ceiling((b.NextUtc - now).TotalSeconds)} s" : "about to dial");
        }

        var state = StateOf(leg);
        var reason = leg.Reason;
        if (state is CallState.Failed or CallState.Ended && plan.Meeting.Status == MeetingStatus.Live && backoff is { } next && next.NextUtc > now)
        {
            reason = $"{reason}; next attempt in {(int)Math.Ceiling((next.NextUtc - now).TotalSeconds)} s";
        }

        var second = state == CallState.InCall && meeting.Statistics.TryGetValue(leg.LegId, out var statistics) ? ToSecond(meeting.StatisticsAtUtc, statistics) : null;
        var since = leg.EndedUtc ?? leg.ConnectedUtc ?? leg.CreatedUtc;
        return new EndpointCall(endpoint.Id, endpoint.SiteCode, relay.Node.Name, leg.LegId, state, leg.Direction == LegDirection.Incoming,
            leg.StatusCode, reason, since, leg.ConnectedUtc, attempts, degraded && state == CallState.InCall, false, second);
    }

    private static CallState StateOf(LegInfo leg) => leg.State switch
    {
        LegState.Dialing => CallState.Dialing,
        LegState.Ringing => CallState.Ringing,
        LegState.Connected => CallState.InCall,
        LegState.Failed => CallState.Failed,
        _ => CallState.Ended,
    };

    /// <summary>Follows the program from the top relay down to the site whose media it is; null for central or none.</summary>
    private string? ProgramSite(MeetingPlan plan, out bool centralConnected)
    {
        centralConnected = false;
        var key = plan.TopKey;
        for (var hops = 0; hops < 16; hops++)
        {
            if (!_views.TryGetValue(key, out var view) || !view.Meetings.TryGetValue(plan.Number, out var meeting))
            {
                return null;
            }

            if (plan.CentralFeed && key == plan.TopKey)
            {
                centralConnected = CentralLegOf(meeting) is not null;
            }

            if (meeting.ProgramLegId is not { } program || !meeting.Legs.TryGetValue(program, out var leg))
            {
                return null;
            }

            if (EndpointOfLeg(plan, meeting, program) is { } endpoint)
            {
                return endpoint.SiteCode;
            }

            var child = plan.Relays[key].ChildKeys.FirstOrDefault(c => leg.Direction == LegDirection.Incoming && leg.AuthenticatedUser == plan.Relays[c].Node.SipUser);
            if (child is null)
            {
                return null;
            }

            key = child;
        }

        return null;
    }

    private void QueueHistory(Guid meetingId, IReadOnlyList<CallHistoryBucket> buckets) =>
        _writes.Writer.TryWrite(cancellationToken => _history.WriteAsync(meetingId, buckets, cancellationToken));

    private void FlushQuality(bool final)
    {
        var summaries = _accumulator.TakeSummaries(final: final);
        if (final)
        {
            foreach (var group in _accumulator.TakeBuckets(DateTimeOffset.MaxValue).GroupBy(b => b.MeetingId))
            {
                QueueHistory(group.Key, [.. group.Select(b => b.Bucket)]);
            }
        }

        QueueSummaries(summaries);
    }

    private void FlushMeeting(Guid meetingId)
    {
        var buckets = _accumulator.TakeBuckets(_time.GetUtcNow(), everyOf: meetingId).Where(b => b.MeetingId == meetingId).Select(b => b.Bucket).ToList();
        if (buckets.Count > 0)
        {
            QueueHistory(meetingId, buckets);
        }

        QueueSummaries(_accumulator.TakeSummaries(meetingId, final: true));
    }

    private void QueueSummaries(IReadOnlyList<MeetingSiteQuality> summaries)
    {
        if (summaries.Count == 0)
        {
            return;
        }

        _writes.Writer.TryWrite(async cancellationToken =>
        {
            foreach (var summary in summaries)
            {
                await _quality.UpsertAsync(summary, cancellationToken).ConfigureAwait(false);
            }
        });
    }

    private sealed class LossWatch
    {
        public DateTimeOffset? LossSince { get; set; }

        public DateTimeOffset? CleanSince { get; set; }

        public bool Degraded { get; set; }
    }
}
