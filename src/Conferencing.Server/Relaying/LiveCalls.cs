using System.Collections.Immutable;
using System.Text.Json.Serialization;
using Conferencing.Server.Meetings;

namespace Conferencing.Server.Relaying;

/// <summary>Where one endpoint's call in a meeting is.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CallState>))]
public enum CallState
{
    /// <summary>Not dialed yet: the meeting is preparing, the relay is not reachable, or a retry is due later (<see cref="EndpointCall.Reason"/>).</summary>
    Waiting,

    /// <summary>The relay sent the INVITE.</summary>
    Dialing,

    /// <summary>The room system rings.</summary>
    Ringing,

    /// <summary>Connected, media flowing.</summary>
    InCall,

    /// <summary>The last attempt failed (<see cref="EndpointCall.StatusCode"/>); it is retried.</summary>
    Failed,

    /// <summary>The call ended (the meeting ended, or the far end hung up; a live meeting redials).</summary>
    Ended,
}

/// <summary>How the server reaches a relay.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RelayHealth>))]
public enum RelayHealth
{
    /// <summary>Not heard from yet.</summary>
    Connecting,

    /// <summary>Its event stream is up.</summary>
    Up,

    /// <summary>It does not answer.</summary>
    Down,

    /// <summary>It answers, but refuses the shared key (401).</summary>
    Unauthorized,
}

/// <summary>One second of a call as the relay measured it (see the relay's <c>LegStatistics</c>).</summary>
/// <param name="AtUtc">End of the second.</param>
/// <param name="LossInPercent">Loss of what the site sends, measured at the relay (the worse of audio and video).</param>
/// <param name="LossOutPercent">Loss of what the relay sends, as the site's receiver reports say, or null before one.</param>
/// <param name="JitterInMs">Interarrival jitter of the site's audio (RFC 3550 A.8).</param>
/// <param name="JitterOutMs">Jitter the site reports, or null.</param>
/// <param name="RoundTripMs">RTCP round trip, or null before the site's first report.</param>
/// <param name="BitrateInKbps">What the site sends, all streams.</param>
/// <param name="BitrateOutKbps">What the relay sends the site.</param>
/// <param name="PacketsIn">Packets from the site since the call began.</param>
/// <param name="PacketsOut">Packets to the site since the call began.</param>
/// <param name="SinceKeyframeSeconds">Time since the relay sent the site the start of a keyframe, or null.</param>
public sealed record CallSecond(
    DateTimeOffset AtUtc,
    double LossInPercent,
    double? LossOutPercent,
    double JitterInMs,
    double? JitterOutMs,
    double? RoundTripMs,
    double BitrateInKbps,
    double BitrateOutKbps,
    long PacketsIn,
    long PacketsOut,
    double? SinceKeyframeSeconds);

/// <summary>One endpoint's call in a meeting.</summary>
/// <param name="EndpointId">The endpoint.</param>
/// <param name="SiteCode">Its site.</param>
/// <param name="Relay">The name of the relay that calls it.</param>
/// <param name="LegId">The relay's leg id (site code and the start of the endpoint id, or the digest user of a dial-in).</param>
/// <param name="State">Where the call is.</param>
/// <param name="DialedIn">True when the endpoint called in with the number and PIN.</param>
/// <param name="StatusCode">The SIP status of the last failure, else null.</param>
/// <param name="Reason">Why it failed, ended or waits, else null.</param>
/// <param name="SinceUtc">When it entered this state.</param>
/// <param name="ConnectedUtc">When the current call connected, else null.</param>
/// <param name="Attempts">Dial attempts in this meeting.</param>
/// <param name="Degraded">True while loss stays above <see cref="RelayingOptions.DegradedLossPercent"/>.</param>
/// <param name="IsProgram">True while this endpoint's media is what everyone sees.</param>
/// <param name="Last">The last second of statistics, else null.</param>
public sealed record EndpointCall(
    Guid EndpointId,
    string SiteCode,
    string Relay,
    string LegId,
    CallState State,
    bool DialedIn,
    int? StatusCode,
    string? Reason,
    DateTimeOffset SinceUtc,
    DateTimeOffset? ConnectedUtc,
    int Attempts,
    bool Degraded,
    bool IsProgram,
    CallSecond? Last);

/// <summary>One relay's part in a meeting's cascade.</summary>
/// <param name="Relay">Its name.</param>
/// <param name="SiteCode">The site it serves.</param>
/// <param name="Parent">The relay it is linked to above, or null at the top.</param>
/// <param name="Health">Whether the server reaches it.</param>
/// <param name="MeetingOpen">True when the meeting is open on it.</param>
/// <param name="Link">Its link to the parent (InCall once both ends are up); InCall at the top.</param>
/// <param name="ProgramLegId">The leg it forwards to everyone, or null.</param>
/// <param name="Endpoints">Endpoints it calls.</param>
/// <param name="DialInAddress">host:port endpoints dial in to (number*PIN).</param>
/// <param name="LinkSecond">The last second of its link to the parent, else null.</param>
public sealed record RelayCall(
    string Relay,
    string SiteCode,
    string? Parent,
    RelayHealth Health,
    bool MeetingOpen,
    CallState Link,
    string? ProgramLegId,
    int Endpoints,
    string DialInAddress,
    CallSecond? LinkSecond);

/// <summary>
/// A meeting's calls as they are this second: every relay of its cascade and every endpoint's call.
/// Replaced as a whole on every change (immutable), so a reader never sees half an update.
/// </summary>
/// <param name="MeetingId">The meeting.</param>
/// <param name="Status">Its status as the conductor last saw it.</param>
/// <param name="Number">Dial-in number.</param>
/// <param name="Pin">Dial-in PIN.</param>
/// <param name="DialInAddress">host:port of the top relay, where central and endpoints may dial in.</param>
/// <param name="ProgramSiteCode">The site whose media everyone sees, or null for central or nothing yet.</param>
/// <param name="CentralConnected">For a relayed meeting: central's feed is connected.</param>
/// <param name="Relays">Top relay first, then the others by name.</param>
/// <param name="Endpoints">By site code.</param>
/// <param name="UpdatedUtc">When this state was built.</param>
public sealed record MeetingCall(
    Guid MeetingId,
    MeetingStatus Status,
    string Number,
    string Pin,
    string DialInAddress,
    string? ProgramSiteCode,
    bool CentralConnected,
    IReadOnlyList<RelayCall> Relays,
    IReadOnlyList<EndpointCall> Endpoints,
    DateTimeOffset UpdatedUtc)
{
    /// <summary>Endpoints in a call.</summary>
    public int InCall => Endpoints.Count(e => e.State == CallState.InCall);

    /// <summary>Sites with at least one endpoint in a call.</summary>
    public int SitesInCall => Endpoints.Where(e => e.State == CallState.InCall).Select(e => e.SiteCode).Distinct(StringComparer.Ordinal).Count();
}

/// <summary>What changed: a leg or relay state (at once), or one more second of statistics.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CallChangeKind>))]
public enum CallChangeKind
{
    /// <summary>Legs, relays, the program or the meeting changed.</summary>
    State,

    /// <summary>A relay's per-second statistics for the meeting arrived.</summary>
    Statistics,

    /// <summary>The meeting is no longer followed (it ended and its relays closed it).</summary>
    Removed,
}

/// <summary>
/// The live state of every meeting the relays run: per meeting, site and endpoint the call's state
/// and last second of statistics, and each relay of the cascade. The relay conductor writes it;
/// the live meeting page, the technician dashboard and the API read it. Readers get immutable
/// snapshots; <see cref="Subscribe"/> tells them when one is replaced.
/// </summary>
public sealed partial class LiveCalls(ILogger<LiveCalls> logger)
{
    private readonly Lock _gate = new();
    private ImmutableDictionary<Guid, MeetingCall> _meetings = ImmutableDictionary<Guid, MeetingCall>.Empty;
    private Action<MeetingCall, CallChangeKind>[] _listeners = [];

    /// <summary>Every followed meeting (preparing, live, or ended a moment ago and still closing).</summary>
    public IReadOnlyCollection<MeetingCall> Meetings => Volatile.Read(ref _meetings).Values.ToList();

    /// <summary>One meeting's calls, or null when the relays do not run it.</summary>
    public MeetingCall? Get(Guid meetingId) => Volatile.Read(ref _meetings).GetValueOrDefault(meetingId);

    /// <summary>
    /// Calls <paramref name="listener"/> after every replacement of a meeting's state: at once for a
    /// change of a call, a relay or the program; once a second per relay for statistics; and once
    /// when the meeting is removed. The listener runs on the conductor's loop: it must be quick and
    /// must not block (hand the work over, as the pages do with their circuit). A listener that
    /// throws is logged and kept. Dispose the result to stop.
    /// </summary>
    public IDisposable Subscribe(Action<MeetingCall, CallChangeKind> listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        lock (_gate)
        {
            _listeners = [.. _listeners, listener];
        }

        return new Subscription(this, listener);
    }

    internal void Publish(MeetingCall call, CallChangeKind kind)
    {
        lock (_gate)
        {
            _meetings = kind == CallChangeKind.Removed ? _meetings.Remove(call.MeetingId) : _meetings.SetItem(call.MeetingId, call);
        }

        foreach (var listener in Volatile.Read(ref _listeners))
        {
            try
            {
                listener(call, kind);
            }
            catch (Exception e)
            {
                Log.ListenerFailed(logger, e, call.MeetingId);
            }
        }
    }

    private void Unsubscribe(Action<MeetingCall, CallChangeKind> listener)
    {
        lock (_gate)
        {
            _listeners = [.. _listeners.Where(l => l != listener)];
        }
    }

    private sealed class Subscription(LiveCalls owner, Action<MeetingCall, CallChangeKind> listener) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Unsubscribe(listener);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 11001, Level = LogLevel.Error, Message = "A live-call listener failed for meeting {MeetingId}")]
        public static partial void ListenerFailed(ILogger logger, Exception exception, Guid meetingId);
    }
}
