using Conferencing.Server.Relaying;

namespace Conferencing.Server.Monitoring;

/// <summary>Turns the relay conductor's live calls into the dashboard's per-second call figures.</summary>
public static class MonitoringCalls
{
    /// <summary>The figures of one endpoint's call, or null when it has no call going (waiting, failed, ended).</summary>
    public static CallFigures? Figures(EndpointCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        CallLegState? leg = call.State switch
        {
            CallState.Dialing => CallLegState.Dialing,
            CallState.Ringing => CallLegState.Ringing,
            CallState.InCall => CallLegState.Connected,
            _ => null,
        };
        if (leg is not { } state)
        {
            return null;
        }

        var s = state == CallLegState.Connected ? call.Last : null;
        return new CallFigures(call.EndpointId, state, s?.LossInPercent, s?.LossOutPercent, s?.JitterInMs, s?.RoundTripMs,
            s?.BitrateInKbps, s?.BitrateOutKbps, s?.SinceKeyframeSeconds).Rounded();
    }

    /// <summary>The calls going now of the given endpoints, grouped per meeting (one meeting when <paramref name="meetingId"/> is set).</summary>
    public static IReadOnlyList<MeetingCalls> Current(LiveCalls live, IReadOnlySet<Guid> endpoints, Guid? meetingId)
    {
        ArgumentNullException.ThrowIfNull(live);
        ArgumentNullException.ThrowIfNull(endpoints);
        var result = new List<MeetingCalls>();
        foreach (var meeting in live.Meetings)
        {
            if (meetingId is { } only && meeting.MeetingId != only)
            {
                continue;
            }

            var legs = meeting.Endpoints.Where(e => endpoints.Contains(e.EndpointId)).Select(Figures).OfType<CallFigures>().ToList();
            if (legs.Count > 0)
            {
                result.Add(new MeetingCalls(meeting.MeetingId, legs));
            }
        }

        return result;
    }
}
