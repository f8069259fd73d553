using System.Text.Json.Serialization;

namespace Conferencing.Relay;

/// <summary>
/// Something a relay tells its controller. A watch starts with a <see cref="SnapshotEvent"/> of the
/// whole node, then carries changes as they happen and statistics every second.
/// </summary>
/// <param name="AtUtc">When it happened.</param>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(SnapshotEvent), "snapshot")]
[JsonDerivedType(typeof(MeetingEvent), "meeting")]
[JsonDerivedType(typeof(LegEvent), "leg")]
[JsonDerivedType(typeof(ProgramEvent), "program")]
[JsonDerivedType(typeof(StatisticsEvent), "statistics")]
public abstract record RelayEvent(DateTimeOffset AtUtc);

/// <summary>The whole node: every meeting with its legs. Sent first on every (re)connection.</summary>
/// <param name="AtUtc">When the snapshot was taken.</param>
/// <param name="Node">The relay's name.</param>
/// <param name="Meetings">Every open meeting.</param>
public sealed record SnapshotEvent(DateTimeOffset AtUtc, string Node, IReadOnlyList<RelayMeetingInfo> Meetings) : RelayEvent(AtUtc);

/// <summary>What happened to a meeting.</summary>
public enum MeetingEventKind
{
    /// <summary>The meeting was opened.</summary>
    Opened,

    /// <summary>The meeting was closed and its legs hung up.</summary>
    Closed,
}

/// <summary>A meeting opened or closed.</summary>
/// <param name="AtUtc">When.</param>
/// <param name="Meeting">The meeting number.</param>
/// <param name="Kind">Opened or closed.</param>
public sealed record MeetingEvent(DateTimeOffset AtUtc, string Meeting, MeetingEventKind Kind) : RelayEvent(AtUtc);

/// <summary>What happened to a leg.</summary>
public enum LegEventKind
{
    /// <summary>The relay sent the INVITE.</summary>
    Dialing,

    /// <summary>The far end rings.</summary>
    Ringing,

    /// <summary>The call is up.</summary>
    Answered,

    /// <summary>The call did not connect; <see cref="LegEvent.StatusCode"/> says why.</summary>
    Failed,

    /// <summary>The call ended; <see cref="LegEvent.Reason"/> says why.</summary>
    Ended,

    /// <summary>The leg's audio was muted at the relay.</summary>
    Muted,

    /// <summary>The leg's audio was unmuted.</summary>
    Unmuted,
}

/// <summary>A leg changed.</summary>
/// <param name="AtUtc">When.</param>
/// <param name="Meeting">The meeting number.</param>
/// <param name="LegId">The leg.</param>
/// <param name="Kind">What happened.</param>
/// <param name="StatusCode">The SIP status of a failure, else null.</param>
/// <param name="Reason">Why it failed or ended, else null.</param>
/// <param name="Leg">The leg after the change.</param>
public sealed record LegEvent(DateTimeOffset AtUtc, string Meeting, string LegId, LegEventKind Kind, int? StatusCode, string? Reason, LegInfo Leg) : RelayEvent(AtUtc);

/// <summary>The program of a meeting, or how its audio is mixed, changed.</summary>
/// <param name="AtUtc">When.</param>
/// <param name="Meeting">The meeting number.</param>
/// <param name="ProgramLegId">The new program source, or null.</param>
/// <param name="ReturnFeedLegId">What the program source receives, or null.</param>
/// <param name="AudioMix">How the audio is mixed now.</param>
public sealed record ProgramEvent(DateTimeOffset AtUtc, string Meeting, string? ProgramLegId, string? ReturnFeedLegId, AudioMixInfo? AudioMix = null) : RelayEvent(AtUtc);

/// <summary>One second of every connected leg of a meeting.</summary>
/// <param name="AtUtc">The end of the interval.</param>
/// <param name="Meeting">The meeting number.</param>
/// <param name="Legs">One entry per connected leg.</param>
/// <param name="Drops">Datagrams the meeting's media ports dropped so far.</param>
public sealed record StatisticsEvent(DateTimeOffset AtUtc, string Meeting, IReadOnlyList<LegStatistics> Legs, MediaDrops Drops) : RelayEvent(AtUtc);
