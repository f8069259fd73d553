using Conferencing.Relay;
using Conferencing.Server.Meetings;

namespace Conferencing.Server.Relaying;

/// <summary>
/// The live-call projection: one meeting's <see cref="MeetingCall"/> (relays with health and link,
/// endpoints with state, reason, attempts and their last second), read from the plan, the relays'
/// views and the meeting's conductor state. Reads only; the conductor publishes what it returns to
/// <see cref="LiveCalls"/>.
/// </summary>
internal sealed class LiveCallProjection
{
    private readonly IReadOnlyDictionary<string, RelayView> _views;
    private readonly MeetingConductorState? _state;
    private readonly Func<Guid, bool> _isDegraded;
    private readonly Func<MeetingPlan, MeetingView, string, EndpointInfo?> _endpointOfLeg;
    private readonly string? _centralUser;
    private readonly DateTimeOffset _now;

    public LiveCallProjection(
        IReadOnlyDictionary<string, RelayView> views, MeetingConductorState? conducted, Func<Guid, bool> isDegraded,
        Func<MeetingPlan, MeetingView, string, EndpointInfo?> endpointOfLeg, string? centralUser, DateTimeOffset at)
    {
        _views = views;
        _state = conducted;
        _isDegraded = isDegraded;
        _endpointOfLeg = endpointOfLeg;
        _centralUser = centralUser;
        _now = at;
    }

    /// <summary>The live state of one meeting, from its plan and what the relays last said.</summary>
    public MeetingCall Build(MeetingPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var now = _now;
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
                : meeting?.Legs.GetValueOrDefault(ConductorPlanner.ParentLeg) is { } parentLeg ? StateOf(parentLeg) : CallState.Waiting;
            var linkSecond = meeting?.Statistics.GetValueOrDefault(ConductorPlanner.ParentLeg) is { } s && link == CallState.InCall ? ToSecond(meeting.StatisticsAtUtc, s) : null;
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
        DialBackoff? backoff = _state is { } conducted && conducted.Backoff.TryGetValue(new LegKey(relay.Key, plan.Number, endpoint.LegId), out var b) ? b : null;
        var attempts = backoff?.Attempts ?? 0;
        var degraded = _isDegraded(endpoint.Id);
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
        var leg = incoming is not null && (!ConductorPlanner.IsFinal(incoming) || outgoing is null) ? incoming : outgoing;
        if (leg is null)
        {
            return Waiting(plan.Meeting.Status == MeetingStatus.Preparing ? "dialled when the meeting starts"
                : backoff is { } wait && wait.NextUtc > now ? $"next attempt in {(int)Math.Ceiling((wait.NextUtc - now).TotalSeconds)} s" : "about to dial");
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

    internal static CallState StateOf(LegInfo leg) => leg.State switch
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
                centralConnected = ConductorPlanner.CentralLegOf(meeting, _centralUser) is not null;
            }

            if (meeting.ProgramLegId is not { } program || !meeting.Legs.TryGetValue(program, out var leg))
            {
                return null;
            }

            if (_endpointOfLeg(plan, meeting, program) is { } endpoint)
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

    /// <summary>One second of a leg as the screens and history take it.</summary>
    internal static CallSecond ToSecond(DateTimeOffset at, LegStatistics leg)
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
}
