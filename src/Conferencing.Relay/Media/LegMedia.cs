using System.Net;
using System.Net.Sockets;
using Conferencing.Sip.Rtp;

namespace Conferencing.Relay.Media;

/// <summary>The two kinds of media a relay meeting carries.</summary>
internal enum MediaKind
{
    Audio,
    Video,
}

/// <summary>How a source is asked for a keyframe: what it negotiated, or what it showed it understands.</summary>
internal enum KeyframeMethod
{
    /// <summary>Nothing negotiated and no SIP call to carry INFO: a PLI is sent anyway.</summary>
    None,

    /// <summary>RTCP PSFB picture loss indication (a=rtcp-fb nack pli, RFC 4585).</summary>
    Pli,

    /// <summary>RTCP PSFB full intra request (a=rtcp-fb ccm fir, RFC 5104).</summary>
    Fir,

    /// <summary>RTCP packet type 192 (RFC 2032), for endpoints that sent one themselves.</summary>
    LegacyFir,

    /// <summary>SIP INFO with picture_fast_update (RFC 5168), what most room systems understand.</summary>
    Info,
}

/// <summary>
/// The media side of one leg: its audio and video streams and what the whole leg shares (mute,
/// keyframe requests). The SIP side (<see cref="Legs.RelayLeg"/>) owns one of these once connected.
/// </summary>
internal sealed class LegMedia(string legId)
{
    public string LegId { get; } = legId;

    public LegStream? Audio { get; set; }

    public LegStream? Video { get; set; }

    /// <summary>True when the relay does not forward this leg's audio.</summary>
    public volatile bool AudioMuted;

    /// <summary>
    /// The leg is a relay below this one: its picture is the floor's only while the floor is under
    /// it, so open discussion's picture does not follow its voice unless it is the program.
    /// </summary>
    public bool IsChildRelay { get; set; }

    /// <summary>Set once the leg sent an RFC 2032 FIR: it understands them.</summary>
    public volatile bool UsesLegacyFir;

    /// <summary>From the leg's negotiated feedback (set before the leg is published).</summary>
    public KeyframeMethod NegotiatedKeyframeMethod { get; set; }

    /// <summary>Sends an RFC 5168 INFO on the leg's SIP call, or null without one.</summary>
    public Func<Task>? SendPictureFastUpdate { get; set; }

    /// <summary>What a keyframe request to this leg uses now.</summary>
    public KeyframeMethod KeyframeMethod => NegotiatedKeyframeMethod switch
    {
        KeyframeMethod.Pli or KeyframeMethod.Fir => NegotiatedKeyframeMethod,
        _ when UsesLegacyFir => KeyframeMethod.LegacyFir,
        _ when SendPictureFastUpdate is not null => KeyframeMethod.Info,
        _ => KeyframeMethod.None,
    };

    // Keyframe request rate limiting (MeetingMedia.RequestKeyframe), under KeyframeLock.
    internal readonly Lock KeyframeLock = new();
    internal long LastKeyframeRequestAt;
    internal bool KeyframeRequestScheduled;
    internal ITimer? KeyframeTimer;
    internal byte FirSequence;
    internal long KeyframeRequestsSent;
    internal long KeyframeRequestsReceived;

    public LegStream? Stream(MediaKind kind) => kind == MediaKind.Audio ? Audio : Video;
}

/// <summary>
/// One leg's stream of one media kind: where the leg receives, which payload types mean which
/// profile codec, and the state of both directions. Fields marked "receive thread" are written only
/// by the channel's RTP receive thread, which keeps the packet path free of locks.
/// </summary>
internal sealed class LegStream
{
    /// <summary>No codec: the payload type was not negotiated.</summary>
    public const sbyte NoCodec = -1;

    /// <summary>No payload type: the leg did not negotiate the codec.</summary>
    public const byte NoPayloadType = 255;

    public LegStream(LegMedia leg, MediaKind kind, int clockRate, IPEndPoint rtp, IPEndPoint rtcp, bool rtcpMux)
    {
        Leg = leg;
        Kind = kind;
        ClockRate = clockRate;
        RtcpMux = rtcpMux;
        SetRemote(rtp, rtcp);
        Array.Fill(CodecOfPayloadType, NoCodec);
        Array.Fill(PayloadTypeOfCodec, NoPayloadType);
        OutSsrc = (uint)Random.Shared.NextInt64(1, uint.MaxValue);
        InitialSequence = (ushort)Random.Shared.Next(0, 0x8000);
        InitialTimestamp = (uint)Random.Shared.NextInt64(0, uint.MaxValue);
    }

    public LegMedia Leg { get; }

    public MediaKind Kind { get; }

    public int ClockRate { get; }

    public bool RtcpMux { get; }

    /// <summary>Where the leg receives RTP (and RTCP with rtcp-mux); replaced whole, never mutated.</summary>
    public SocketAddress RtpAddress { get; private set; } = null!;

    public SocketAddress RtcpAddress { get; private set; } = null!;

    public IPEndPoint RtpEndPoint { get; private set; } = null!;

    /// <summary>False when the leg holds the call or said recvonly/inactive for this stream.</summary>
    public bool SendEnabled { get; set; } = true;

    /// <summary>The profile codec index of each payload type the leg may send, or <see cref="NoCodec"/>.</summary>
    public sbyte[] CodecOfPayloadType { get; } = new sbyte[128];

    /// <summary>The payload type the leg expects for each profile codec, or <see cref="NoPayloadType"/>.</summary>
    public byte[] PayloadTypeOfCodec { get; } = new byte[4];

    /// <summary>The negotiated main codec, for display.</summary>
    public string? CodecName { get; set; }

    /// <summary>Set when the leg left; receivers drop it as a source.</summary>
    public volatile bool Removed;

    // ---- input: what the leg sends (receive thread; statistics under InLock) -----------------
    public readonly Lock InLock = new();
    public bool HasInput;
    public uint InSsrc;
    public RtpReceiveStatistics? InStats;

    /// <summary>Bumped on every discontinuity of this source (new SSRC, restart, mute change), so receivers re-base.</summary>
    public int Epoch;
    public long PacketsIn;
    public long BytesIn;
    public long DroppedIn;
    public readonly H264ParameterSets ParameterSets = new();

    // ---- output: what the relay sends the leg (receive thread) -----------------------------
    public uint OutSsrc;
    public readonly ushort InitialSequence;
    public readonly uint InitialTimestamp;
    public LegStream? Current;
    public LegStream? Pending;
    public long PendingDeadline;
    public int CurrentEpoch;
    public bool Rebase;
    public bool AwaitKeyframe;
    public ushort SequenceOffset;
    public uint TimestampOffset;
    public bool HasSent;
    public ushort LastSequence;
    public uint LastTimestamp;
    public long LastSentAt;
    public long PacketsOut;
    public long BytesOut;
    public long PayloadBytesOut;
    public long LastKeyframeSentAt;
    public long HeldBack;

    // ---- the mix (Mixing.MeetingMix), while the meeting is mixed ---------------------------
    /// <summary>The leg's source in the mixer (set by the control side, read by the receive thread).</summary>
    public volatile Mixing.MixSource? MixSource;

    /// <summary>The mix frame last sent to the leg: a gap means the mix starts feeding it anew.</summary>
    public long MixFrame = long.MinValue;
    public bool HasMixEvent;
    public uint MixEventIn;
    public long MixEventFrame;

    // ---- the leg's receiver reports about our stream (RTCP receive thread) ------------------
    public bool HasReport;
    public byte ReportFractionLost;
    public int ReportCumulativeLost;
    public uint ReportJitter;
    public double RoundTripMs = double.NaN;

    // ---- statistics intervals (report loop) ---------------------------------------------
    public long PreviousBytesIn;
    public long PreviousBytesOut;
    public byte FractionLostIn;

    /// <summary>Points the stream at new remote ports (an answer, a re-INVITE, or latching).</summary>
    public void SetRemote(IPEndPoint rtp, IPEndPoint rtcp)
    {
        RtpEndPoint = rtp;
        RtpAddress = rtp.Serialize();
        RtcpAddress = (RtcpMux ? rtp : rtcp).Serialize();
    }

    /// <summary>Remembers what the leg's receiver report says about the stream the relay sends it.</summary>
    public void OnReceiverReport(in RtcpReportBlock block, uint arrivalMiddle32)
    {
        ReportFractionLost = block.FractionLost;
        ReportCumulativeLost = block.CumulativeLost;
        ReportJitter = block.Jitter;
        if (NtpTimestamp.TryComputeRoundTrip(arrivalMiddle32, block.LastSenderReport, block.DelaySinceLastSenderReport, out TimeSpan rtt))
        {
            RoundTripMs = rtt.TotalMilliseconds;
        }

        HasReport = true;
    }
}
