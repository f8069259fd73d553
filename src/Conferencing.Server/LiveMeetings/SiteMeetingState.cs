using System.Text.Json.Serialization;
using Conferencing.Server.Endpoints.Presence;
using Conferencing.Server.Meetings;
using Conferencing.Server.Relaying;

namespace Conferencing.Server.LiveMeetings;

/// <summary>Where a site is with respect to one meeting: the one answer every screen and the API give.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SitePhase>))]
public enum SitePhase
{
    /// <summary>The site has no room system.</summary>
    NoRoomSystem,

    /// <summary>No room system of the site answers (or, live, the relays do not run the meeting).</summary>
    NotConnected,

    /// <summary>Before or after the meeting: a room system answers. Neutral, never the meeting's green.</summary>
    Online,

    /// <summary>Live: the relay is calling the site.</summary>
    Dialling,

    /// <summary>Live: in the call and healthy (green).</summary>
    InMeeting,

    /// <summary>Live: in the call, but loss, jitter or one-way media (amber, <see cref="SiteMeetingState.Degradation"/>).</summary>
    Degraded,

    /// <summary>Live: should be in the call and is not (red; an alarm is raised).</summary>
    Dropped,

    /// <summary>Live: an operator hung it up and holds it out until a redial (grey, with who and when).</summary>
    HeldOut,
}

/// <summary>Why a call in the meeting is degraded.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Degradation>))]
public enum Degradation
{
    /// <summary>Packets lost above the relay's threshold, either way.</summary>
    Loss,

    /// <summary>Interarrival jitter above <see cref="SiteStateOptions.DegradedJitterMs"/>.</summary>
    Jitter,

    /// <summary>Media flows one way only.</summary>
    OneWay,
}

/// <summary>Who held a site out of a meeting, and when.</summary>
public sealed record SiteHold(string By, DateTimeOffset AtUtc);

/// <summary>One site in one meeting, as every screen shows it.</summary>
/// <param name="SiteCode">The site.</param>
/// <param name="Phase">Where it is.</param>
/// <param name="Degradation">Why it is amber, when it is.</param>
/// <param name="Reason">The call's own words (SIP status, the relay's reason), for technicians.</param>
/// <param name="HeldBy">Who held it out, when it is held.</param>
/// <param name="HeldUtc">When.</param>
/// <param name="Endpoints">Its room systems in the meeting's call (empty before the relays run it).</param>
/// <param name="CanTakeFloor">
/// True when the chair may give it the floor now: the meeting is live and the site is neither held
/// out nor dropped (a site without a room system still takes the floor for its delegates in the room).
/// </param>
/// <param name="IsProgram">True while its media is what everyone sees.</param>
public sealed record SiteMeetingState(
    string SiteCode,
    SitePhase Phase,
    Degradation? Degradation,
    string? Reason,
    string? HeldBy,
    DateTimeOffset? HeldUtc,
    IReadOnlyList<Guid> Endpoints,
    bool CanTakeFloor,
    bool IsProgram)
{
    /// <summary>The colour the province reads: green only in the meeting and healthy.</summary>
    public string Color => Phase switch
    {
        SitePhase.InMeeting => "green",
        SitePhase.Degraded => "amber",
        SitePhase.Dropped or SitePhase.NotConnected => "red",
        SitePhase.HeldOut => "grey",
        _ => "neutral",
    };
}

/// <summary>
/// The single truth of a site's state in a meeting, without I/O: the meeting, its live calls (the
/// conductor's <see cref="LiveCalls"/> view), the endpoints' presence and the holds go in; one
/// <see cref="SiteMeetingState"/> per site of the meeting comes out. The meeting page, the
/// dashboard, the readiness board, the API and the floor's guard all call this.
/// </summary>
public static class SiteMeetingStates
{
    /// <summary>Computes every site of <paramref name="meeting"/> in the meeting's order of sites.</summary>
    public static IReadOnlyList<SiteMeetingState> Compute(
        Meeting meeting, MeetingCall? call, IEnumerable<EndpointPresence> presence, Func<Guid, SiteHold?> holdOf, SiteStateOptions options)
    {
        ArgumentNullException.ThrowIfNull(meeting);
        ArgumentNullException.ThrowIfNull(presence);
        ArgumentNullException.ThrowIfNull(holdOf);
        ArgumentNullException.ThrowIfNull(options);
        var bySite = presence.GroupBy(p => p.SiteCode, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var calls = call?.Endpoints.GroupBy(e => e.SiteCode, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal)
            ?? new Dictionary<string, List<EndpointCall>>(StringComparer.Ordinal);
        return [.. meeting.SiteCodes.Select(code => Of(meeting, code, call is not null, calls.GetValueOrDefault(code) ?? [], bySite.GetValueOrDefault(code) ?? [], holdOf, options))];
    }

    private static SiteMeetingState Of(
        Meeting meeting, string code, bool running, List<EndpointCall> calls, List<EndpointPresence> presence, Func<Guid, SiteHold?> holdOf, SiteStateOptions options)
    {
        var endpoints = calls.Count > 0 ? calls.Select(c => c.EndpointId).ToList() : presence.Select(p => p.EndpointId).ToList();
        SiteMeetingState State(SitePhase phase, string? reason = null, Degradation? degradation = null, SiteHold? hold = null, bool program = false) =>
            new(code, phase, degradation, reason, hold?.By, hold?.AtUtc, endpoints, meeting.Status == MeetingStatus.Live && phase is not (SitePhase.HeldOut or SitePhase.Dropped), program);

        if (presence.Count == 0 && calls.Count == 0)
        {
            return State(SitePhase.NoRoomSystem);
        }

        if (meeting.Status != MeetingStatus.Live)
        {
            var online = presence.Any(p => p.State is EndpointState.Reachable or EndpointState.Registered or EndpointState.InCall or EndpointState.Degraded);
            return online ? State(SitePhase.Online) : State(SitePhase.NotConnected, presence.Select(p => p.Reason).FirstOrDefault(r => r is not null));
        }

        if (!running)
        {
            return State(SitePhase.NotConnected, "relays");
        }

        // One room system in the call is enough for the site; the best of them speaks for it.
        var inCall = calls.Where(c => c.State == CallState.InCall).ToList();
        if (inCall.Count > 0)
        {
            var program = inCall.Any(c => c.IsProgram);
            var healthy = inCall.FirstOrDefault(c => DegradationOf(c, options) is null);
            if (healthy is not null)
            {
                return State(SitePhase.InMeeting, program: program);
            }

            var worst = inCall[0];
            return State(SitePhase.Degraded, worst.Reason, DegradationOf(worst, options), program: program);
        }

        var held = calls.Select(c => holdOf(c.EndpointId)).FirstOrDefault(h => h is not null);
        if (held is not null)
        {
            return State(SitePhase.HeldOut, hold: held);
        }

        // Only the first call is "dialling"; a site that was in, or failed once, is red until it is back.
        if (calls.Any(IsFirstDial))
        {
            return State(SitePhase.Dialling, calls.Select(c => c.Reason).FirstOrDefault(r => r is not null));
        }

        var last = calls.OrderByDescending(c => c.SinceUtc).FirstOrDefault();
        return State(SitePhase.Dropped, last?.StatusCode is { } status ? $"{status} {last.Reason}".Trim() : last?.Reason);
    }

    /// <summary>An endpoint of a live meeting that should be in its call and is not: it failed, ended, or waits for a retry, and no operator holds it out.</summary>
    public static bool IsDropped(EndpointCall call, bool held)
    {
        ArgumentNullException.ThrowIfNull(call);
        return !held && call.State != CallState.InCall && !IsFirstDial(call);
    }

    private static bool IsFirstDial(EndpointCall call) =>
        (call.State is CallState.Dialing or CallState.Ringing && call.Attempts <= 1) || (call.State == CallState.Waiting && call.Attempts == 0);

    /// <summary>Why one call is degraded, or null when it is healthy.</summary>
    public static Degradation? DegradationOf(EndpointCall call, SiteStateOptions options)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(options);
        if (call.Degraded)
        {
            return Degradation.Loss;
        }

        if (call.Last is not { } s)
        {
            return null;
        }

        if (Math.Max(s.JitterInMs, s.JitterOutMs ?? 0) >= options.DegradedJitterMs)
        {
            return Degradation.Jitter;
        }

        // A connected call the relay hears nothing from. Not the other way: the relay sends a site
        // nothing while there is no program to send (a host without a room), which is no fault of the site's.
        var settled = call.ConnectedUtc is { } connected && s.AtUtc - connected >= options.OneWayAfter;
        return settled && s.BitrateInKbps <= 0 ? Degradation.OneWay : null;
    }

    /// <summary>Counts per phase, for the counters above a list.</summary>
    public static IReadOnlyDictionary<SitePhase, int> Count(IEnumerable<SiteMeetingState> states) =>
        states.GroupBy(s => s.Phase).ToDictionary(g => g.Key, g => g.Count());
}

/// <summary>Whether two states look the same on a screen (the reason's words and the endpoint list aside).</summary>
public sealed class SiteStateComparer : IEqualityComparer<SiteMeetingState>
{
    public static SiteStateComparer Instance { get; } = new();

    public bool Equals(SiteMeetingState? x, SiteMeetingState? y) =>
        ReferenceEquals(x, y) || (x is not null && y is not null && x.SiteCode == y.SiteCode && x.Phase == y.Phase && x.Degradation == y.Degradation
            && x.HeldBy == y.HeldBy && x.HeldUtc == y.HeldUtc && x.CanTakeFloor == y.CanTakeFloor && x.IsProgram == y.IsProgram);

    public int GetHashCode(SiteMeetingState obj) => HashCode.Combine(obj?.SiteCode, obj?.Phase);
}
