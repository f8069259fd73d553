using Conferencing.Relay;
using Conferencing.Server.Endpoints.Presence;
using Conferencing.Server.Meetings;
using Conferencing.Server.Reports;

namespace Conferencing.Server.Relaying;

public sealed partial class RelayConductor
{
    private readonly Dictionary<(Guid Meeting, Guid Endpoint), LossWatch> _degraded = [];
    private readonly Dictionary<LegKey, (long Packets, DateTimeOffset Since)> _silence = [];
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

            var second = LiveCallProjection.ToSecond(statistics.AtUtc, leg);
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

        var key = new LegKey(relay, number, leg.LegId);
        if (!_silence.TryGetValue(key, out var last) || leg.PacketsIn > last.Packets)
        {
            _silence[key] = (leg.PacketsIn, now);
        }
        else if (now - last.Since >= _options.MediaTimeout)
        {
            Log.Silent(_logger, number, leg.LegId, (int)(now - last.Since).TotalSeconds);
            _silence.Remove(key);
            Issue(new HangUpCommand(relay, number, leg.LegId, HangUpReason.Silent));
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

                foreach (var endpoint in relay.Endpoints.Where(e => ConductorPlanner.EndpointLegOf(meeting, e) is not null))
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
    private MeetingCall BuildCall(MeetingPlan plan) =>
        new LiveCallProjection(_views, _states.GetValueOrDefault(plan.MeetingId), id => _degraded.TryGetValue((plan.MeetingId, id), out var watch) && watch.Degraded,
            EndpointOfLeg, _options.CentralUser, _time.GetUtcNow()).Build(plan);

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
