namespace Conferencing.Relay;

/// <summary>Where a leg is in its life.</summary>
public enum LegState
{
    /// <summary>INVITE sent, nothing heard yet.</summary>
    Dialing,

    /// <summary>The far end is ringing (180 or 183).</summary>
    Ringing,

    /// <summary>The call is up and media is set.</summary>
    Connected,

    /// <summary>The call ended after it was connected.</summary>
    Ended,

    /// <summary>The call never connected (busy, no answer, no common codec...).</summary>
    Failed,
}

/// <summary>Who placed the call.</summary>
public enum LegDirection
{
    /// <summary>The relay dialed out.</summary>
    Outgoing,

    /// <summary>The far end dialed in with the meeting number and PIN.</summary>
    Incoming,
}

/// <summary>What the far end of a leg is, as the controller labels it. The relay treats every role alike.</summary>
public enum LegRole
{
    /// <summary>A room system or softphone.</summary>
    Endpoint,

    /// <summary>The central government's MCU, the usual program source.</summary>
    Central,

    /// <summary>The relay above this one in the cascade.</summary>
    ParentRelay,

    /// <summary>A relay below this one, which fans the program out again.</summary>
    ChildRelay,

    /// <summary>
    /// A recorder: it receives what every listener receives (the program and the common mix) and
    /// sends nothing; the controller dials it and keeps it apart from the meeting's sites.
    /// </summary>
    Recorder,
}

/// <summary>One leg of a relay meeting.</summary>
/// <param name="LegId">The leg's id, unique in its meeting.</param>
/// <param name="Meeting">The meeting number.</param>
/// <param name="Direction">Who placed the call.</param>
/// <param name="Role">The controller's label.</param>
/// <param name="RemoteUri">The far end: the dialed URI, or the From URI of an incoming call.</param>
/// <param name="AuthenticatedUser">The digest user that authenticated an incoming call, else null.</param>
/// <param name="State">Where the leg is.</param>
/// <param name="StatusCode">The SIP status of a failed call (486, 408, 488...), else null.</param>
/// <param name="Reason">Why the leg failed or ended, else null.</param>
/// <param name="AudioMuted">True when the relay does not forward the leg's audio.</param>
/// <param name="IsProgram">True when the leg is the program source.</param>
/// <param name="IsReturnFeed">True when the leg feeds the program source.</param>
/// <param name="AudioCodec">The negotiated audio codec ("PCMU/8000"), or null.</param>
/// <param name="VideoCodec">The negotiated video codec, or null.</param>
/// <param name="KeyframeMethod">How the relay asks this leg for a keyframe: "pli", "fir", "fir-rfc2032", "info" (RFC 5168) or null.</param>
/// <param name="CreatedUtc">When the leg was created.</param>
/// <param name="ConnectedUtc">When it connected.</param>
/// <param name="EndedUtc">When it ended or failed.</param>
public sealed record LegInfo(
    string LegId,
    string Meeting,
    LegDirection Direction,
    LegRole Role,
    string RemoteUri,
    string? AuthenticatedUser,
    LegState State,
    int? StatusCode,
    string? Reason,
    bool AudioMuted,
    bool IsProgram,
    bool IsReturnFeed,
    string? AudioCodec,
    string? VideoCodec,
    string? KeyframeMethod,
    DateTimeOffset CreatedUtc,
    DateTimeOffset? ConnectedUtc,
    DateTimeOffset? EndedUtc);

/// <summary>The media ports of a relay meeting: every leg sends to these (legs are told apart by address).</summary>
/// <param name="Address">The address in the relay's SDP.</param>
/// <param name="AudioRtp">Audio RTP port.</param>
/// <param name="AudioRtcp">Audio RTCP port.</param>
/// <param name="VideoRtp">Video RTP port, or null without video.</param>
/// <param name="VideoRtcp">Video RTCP port, or null without video.</param>
public sealed record MediaPorts(string Address, int AudioRtp, int AudioRtcp, int? VideoRtp, int? VideoRtcp);

/// <summary>
/// Datagrams the media ports of a meeting dropped, by reason. Bad input is counted here and never
/// forwarded.
/// </summary>
/// <param name="TooShort">Shorter than an RTP header.</param>
/// <param name="BadVersion">Version field not 2.</param>
/// <param name="Malformed">CSRC list, extension or padding inconsistent with the length; or oversized.</param>
/// <param name="UnknownSource">From an address that is no leg of the meeting.</param>
/// <param name="UnknownPayloadType">A payload type the sending leg did not negotiate.</param>
/// <param name="BadRtcp">RTCP that does not parse as a compound packet.</param>
public sealed record MediaDrops(long TooShort, long BadVersion, long Malformed, long UnknownSource, long UnknownPayloadType, long BadRtcp)
{
    /// <summary>All drops.</summary>
    public long Total => TooShort + BadVersion + Malformed + UnknownSource + UnknownPayloadType + BadRtcp;
}

/// <summary>A relay meeting with its legs.</summary>
/// <param name="Number">The meeting number.</param>
/// <param name="HasPin">True when dial-in needs a PIN (the PIN itself is never shown).</param>
/// <param name="Profile">What the program carries.</param>
/// <param name="ProgramLegId">The program source leg, or null.</param>
/// <param name="ReturnFeedLegId">The leg the program source receives, or null.</param>
/// <param name="Ports">Where legs send media.</param>
/// <param name="Legs">Every leg, connected or not (ended legs stay listed until the meeting closes).</param>
/// <param name="Drops">Datagrams dropped on the media ports.</param>
/// <param name="OpenedUtc">When the meeting was opened.</param>
/// <param name="DialInUsers">The digest users allowed to dial in now, sorted (their passwords are never shown).</param>
/// <param name="AudioMix">How the audio is mixed, or null from a relay before mixing existed.</param>
public sealed record RelayMeetingInfo(
    string Number,
    bool HasPin,
    MediaProfile Profile,
    string? ProgramLegId,
    string? ReturnFeedLegId,
    MediaPorts Ports,
    IReadOnlyList<LegInfo> Legs,
    MediaDrops Drops,
    DateTimeOffset OpenedUtc,
    IReadOnlyList<string>? DialInUsers = null,
    AudioMixInfo? AudioMix = null);
