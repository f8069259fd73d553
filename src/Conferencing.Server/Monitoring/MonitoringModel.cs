using System.Text.Json.Serialization;
using Conferencing.Server.Endpoints.Presence;
using Conferencing.Server.Meetings;
using Conferencing.Server.Sites;

namespace Conferencing.Server.Monitoring;

/// <summary>A site as the dashboard draws the tree.</summary>
public sealed record MonitoredSite(string Code, string Name, string? ParentCode, SiteLevel Level);

/// <summary>What does not change while an endpoint is watched: sent once, in the snapshot.</summary>
public sealed record MonitoredEndpoint(Guid Id, string SiteCode, string SipUri, string DisplayName, string? Model);

/// <summary>How far a call leg has come at the relay.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CallLegState>))]
public enum CallLegState
{
    /// <summary>The relay sent the INVITE; nothing back yet.</summary>
    Dialing,

    /// <summary>The endpoint rings (180/183).</summary>
    Ringing,

    /// <summary>Answered; media flows (or should).</summary>
    Connected,
}

/// <summary>
/// One endpoint's call in one second, as the relay measured it: the per-second figures of the
/// dashboard's in-call columns. Directions are the relay's: "in" is what the relay receives from
/// the endpoint (the site's uplink), "out" what it sends to it. A figure the relay does not have
/// this second (no RTCP report yet, a leg still ringing) is null and the page shows "—".
/// </summary>
/// <remarks>
/// This is the hot message (3,500 endpoints in call are 3,500 of these a second per dashboard), so
/// its JSON names are one letter and nulls are left out: about 80 bytes instead of 250.
/// </remarks>
/// <param name="EndpointId">The endpoint the leg reaches.</param>
/// <param name="Leg">Where the leg is.</param>
/// <param name="LossInPercent">RTP loss of what the endpoint sends (RFC 3550 A.3, measured at the relay), 0 to 100.</param>
/// <param name="LossOutPercent">RTP loss of what the relay sends, from the endpoint's own receiver reports, 0 to 100.</param>
/// <param name="JitterMs">Interarrival jitter of the endpoint's media at the relay (RFC 3550 A.8), ms.</param>
/// <param name="RoundTripMs">RTCP round trip (LSR/DLSR), ms.</param>
/// <param name="BitrateInKbps">Received from the endpoint, kbit/s, audio and video together.</param>
/// <param name="BitrateOutKbps">Sent to the endpoint, kbit/s.</param>
/// <param name="SinceKeyframeSeconds">Seconds since the last keyframe sent to the endpoint started.</param>
public sealed record CallFigures(
    [property: JsonPropertyName("e")] Guid EndpointId,
    [property: JsonPropertyName("s")] CallLegState Leg,
    [property: JsonPropertyName("li"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? LossInPercent,
    [property: JsonPropertyName("lo"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? LossOutPercent,
    [property: JsonPropertyName("j"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? JitterMs,
    [property: JsonPropertyName("r"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? RoundTripMs,
    [property: JsonPropertyName("bi"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? BitrateInKbps,
    [property: JsonPropertyName("bo"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? BitrateOutKbps,
    [property: JsonPropertyName("k"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? SinceKeyframeSeconds)
{
    /// <summary>
    /// The figures at the precision a person reads (loss and jitter to 0.1, the rest whole), so an
    /// unchanged call sends nothing and the JSON stays short.
    /// </summary>
    public CallFigures Rounded() => this with
    {
        LossInPercent = Round(LossInPercent, 1),
        LossOutPercent = Round(LossOutPercent, 1),
        JitterMs = Round(JitterMs, 1),
        RoundTripMs = Round(RoundTripMs, 0),
        BitrateInKbps = Round(BitrateInKbps, 0),
        BitrateOutKbps = Round(BitrateOutKbps, 0),
        SinceKeyframeSeconds = Round(SinceKeyframeSeconds, 0),
    };

    private static double? Round(double? value, int digits) =>
        value is { } v && double.IsFinite(v) ? Math.Round(v, digits, MidpointRounding.AwayFromZero) : null;
}

/// <summary>
/// An endpoint's presence as a dashboard draws it: only what changes (state, reason, OPTIONS round
/// trip, since when), the rest (SIP URI, names, site) having come once in the snapshot's
/// <see cref="MonitoredEndpoint"/>. Like <see cref="CallFigures"/> this is a hot message (a
/// province-wide outage changes 3,500 of them in one second), so its JSON names are one letter,
/// nulls are left out and the time is whole Unix seconds: about 70 bytes instead of 330.
/// </summary>
/// <param name="EndpointId">The endpoint.</param>
/// <param name="State">Its state.</param>
/// <param name="Reason">Why (the registrar's words: "no answer to OPTIONS"...), when there is one.</param>
/// <param name="RoundTripMs">The last OPTIONS round trip, ms to 0.1.</param>
/// <param name="SinceUnixSeconds">Since when it is in this state, Unix seconds (the page shows seconds).</param>
public sealed record PresenceFigures(
    [property: JsonPropertyName("e")] Guid EndpointId,
    [property: JsonPropertyName("s")] EndpointState State,
    [property: JsonPropertyName("w"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason,
    [property: JsonPropertyName("r"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? RoundTripMs,
    [property: JsonPropertyName("t")] long SinceUnixSeconds)
{
    /// <summary>What a dashboard sees of a presence record, at the precision it shows.</summary>
    public static PresenceFigures From(EndpointPresence presence)
    {
        ArgumentNullException.ThrowIfNull(presence);
        return new(presence.EndpointId, presence.State, presence.Reason,
            presence.OptionsRoundTripMs is { } r && double.IsFinite(r) ? Math.Round(r, 1, MidpointRounding.AwayFromZero) : null,
            presence.SinceUtc.ToUnixTimeSeconds());
    }
}

/// <summary>The legs of one meeting in one second.</summary>
public sealed record MeetingCalls([property: JsonPropertyName("m")] Guid MeetingId, [property: JsonPropertyName("legs")] IReadOnlyList<CallFigures> Legs);

/// <summary>
/// One second's changes for a dashboard: endpoints whose presence as drawn changed (latest state only),
/// the figures of every call that changed, and calls that ended (their columns go back to "—").
/// </summary>
public sealed record MonitoringBatch(
    DateTimeOffset AtUtc,
    IReadOnlyList<PresenceFigures> Endpoints,
    IReadOnlyList<MeetingCalls> Calls,
    IReadOnlyList<Guid> CallsEnded);

/// <summary>A meeting a technician can watch on its own: preparing, live, or starting soon.</summary>
public sealed record MonitoredMeeting(Guid Id, string Title, MeetingStatus Status, DateTimeOffset StartUtc, DateTimeOffset EndUtc, string HostSiteCode, int SiteCount);

/// <summary>What a dashboard watches: the province, one subtree, or the sites of one meeting.</summary>
/// <param name="SiteCode">The subtree's root, or null for the whole province (or for a meeting).</param>
/// <param name="MeetingId">The meeting, when watching one.</param>
/// <param name="MeetingSites">The meeting's own sites (the snapshot also carries their parents, to draw the tree).</param>
public sealed record MonitoringScope(string? SiteCode, Guid? MeetingId, IReadOnlyList<string>? MeetingSites);

/// <summary>Everything a dashboard needs to draw itself from nothing, sent on (re)connect and on every change of scope.</summary>
public sealed record MonitoringSnapshot(
    DateTimeOffset ServerTimeUtc,
    MonitoringScope Scope,
    IReadOnlyList<MonitoredSite> Sites,
    IReadOnlyList<MonitoredEndpoint> Endpoints,
    IReadOnlyList<PresenceFigures> Statuses,
    IReadOnlyList<MeetingCalls> Calls,
    IReadOnlyList<Alarm> ActiveAlarms,
    IReadOnlyList<MonitoredMeeting> Meetings,
    bool CanAct);

/// <summary>What the server calls on dashboards.</summary>
public interface IMonitoringClient
{
    /// <summary>One second's changes (at most one entry per endpoint).</summary>
    Task Changes(MonitoringBatch batch);

    /// <summary>An alarm was raised, acknowledged or cleared.</summary>
    Task AlarmChanged(Alarm alarm);

    /// <summary>The meetings one can watch changed (one prepares, starts, ends, or is scheduled).</summary>
    Task MeetingsChanged(IReadOnlyList<MonitoredMeeting> meetings);
}

/// <summary>Group names, built in one place.</summary>
public static class MonitoringGroups
{
    public const string All = "monitoring:all";

    public static string Site(string code) => "monitoring:site:" + code;

    public static string Meeting(Guid id) => "monitoring:meeting:" + id.ToString("N");
}
