namespace Conferencing.Sip.Sdp;

/// <summary>How an offer/answer step ended.</summary>
public enum SdpNegotiationStatus
{
    /// <summary>At least one stream was accepted.</summary>
    Accepted,

    /// <summary>A re-offer with the same o= version as before: nothing changed, the previous answer stands.</summary>
    Unchanged,

    /// <summary>No stream could be accepted (no common codec, unsupported profile…): answer 488 Not Acceptable Here.</summary>
    NotAcceptable,

    /// <summary>The answer does not fit our offer (m-line count differs): treat the call as failed.</summary>
    InvalidAnswer,

    /// <summary>An offer arrived while ours was still unanswered: answer 491 Request Pending.</summary>
    Glare,

    /// <summary>An answer arrived but we have no offer outstanding.</summary>
    NoOfferPending,
}

/// <summary>A codec both sides agreed on for one stream.</summary>
/// <param name="PayloadType">The remote side's number for it: put this in the RTP packets we send.</param>
/// <param name="ReceivePayloadType">The number in our own description: RTP we receive carries this.</param>
/// <param name="RemoteFormat">The codec as the remote described it (its receive limits, e.g. H.264 level).</param>
/// <param name="LocalFormat">The codec as we described it.</param>
public sealed record NegotiatedCodec(int PayloadType, int ReceivePayloadType, MediaFormat RemoteFormat, MediaFormat LocalFormat);

/// <summary>The outcome for one m-line.</summary>
public sealed class NegotiatedStream
{
    internal NegotiatedStream(int index, string mediaType, string? content)
    {
        Index = index;
        MediaType = mediaType;
        Content = content;
    }

    /// <summary>The m-line index (0-based).</summary>
    public int Index { get; }

    /// <summary>"audio", "video"…</summary>
    public string MediaType { get; }

    /// <summary>The RFC 4796 content of the stream ("slides" for presentation), or null.</summary>
    public string? Content { get; }

    /// <summary>True when the stream is in use (port not 0 and a common codec).</summary>
    public bool IsAccepted => RejectReason is null;

    /// <summary>Why the stream was rejected, or null.</summary>
    public string? RejectReason { get; internal set; }

    /// <summary>Agreed codecs, the one to send first; telephone-event and comfort noise included.</summary>
    public IReadOnlyList<NegotiatedCodec> Codecs { get; internal set; } = [];

    /// <summary>The main codec: the first that is neither telephone-event nor comfort noise.</summary>
    public NegotiatedCodec? Codec => Codecs.FirstOrDefault(c => !c.LocalFormat.IsTelephoneEvent && !c.LocalFormat.IsComfortNoise);

    /// <summary>The agreed telephone-event format, or null.</summary>
    public NegotiatedCodec? TelephoneEvent => Codecs.FirstOrDefault(c => c.LocalFormat.IsTelephoneEvent);

    /// <summary>Where to send RTP.</summary>
    public string? RemoteAddress { get; internal set; }

    /// <summary>The remote RTP port (0 when rejected).</summary>
    public int RemotePort { get; internal set; }

    /// <summary>The remote RTCP port: a=rtcp, the RTP port with rtcp-mux, else RTP port + 1.</summary>
    public int RemoteRtcpPort { get; internal set; }

    /// <summary>True when both sides agreed to rtcp-mux.</summary>
    public bool RtcpMux { get; internal set; }

    /// <summary>What we do on this stream: sendrecv, sendonly (we send, remote holds)…</summary>
    public MediaDirection Direction { get; internal set; } = MediaDirection.Inactive;

    /// <summary>True when the remote does not want our media (a=sendonly, a=inactive or c=0.0.0.0): it put us on hold.</summary>
    public bool IsHeldByRemote { get; internal set; }

    /// <summary>RTCP feedback both sides support for the main codec.</summary>
    public IReadOnlyList<SdpRtcpFeedback> Feedback { get; internal set; } = [];

    /// <summary>Most we should send in kbit/s (the remote's b=AS capped by ours), or null.</summary>
    public ulong? SendBandwidthKbps { get; internal set; }

    /// <summary>Most we should send in bit/s (the remote's b=TIAS capped by ours), or null.</summary>
    public ulong? SendBandwidthTias { get; internal set; }
}

/// <summary>The outcome of <see cref="SdpNegotiator.CreateAnswer"/> or <see cref="SdpNegotiator.ProcessAnswer"/>.</summary>
public sealed class SdpNegotiationResult
{
    internal SdpNegotiationResult(SdpNegotiationStatus status, string? reason, SessionDescription? answer, IReadOnlyList<NegotiatedStream> streams)
    {
        Status = status;
        Reason = reason;
        Answer = answer;
        Streams = streams;
    }

    /// <summary>How the step ended.</summary>
    public SdpNegotiationStatus Status { get; }

    /// <summary>True for <see cref="SdpNegotiationStatus.Accepted"/> and <see cref="SdpNegotiationStatus.Unchanged"/>.</summary>
    public bool IsSuccess => Status is SdpNegotiationStatus.Accepted or SdpNegotiationStatus.Unchanged;

    /// <summary>A human-readable reason when the step failed, for a log line or a Warning header.</summary>
    public string? Reason { get; }

    /// <summary>The answer to send (for <see cref="SdpNegotiator.CreateAnswer"/> on success), else null.</summary>
    public SessionDescription? Answer { get; }

    /// <summary>One entry per m-line.</summary>
    public IReadOnlyList<NegotiatedStream> Streams { get; }

    /// <summary>The SIP final response a B2BUA sends for a failed offer: 488, 491, or null on success.</summary>
    public int? FailureStatusCode => Status switch
    {
        SdpNegotiationStatus.NotAcceptable or SdpNegotiationStatus.InvalidAnswer => 488,
        SdpNegotiationStatus.Glare => 491,
        SdpNegotiationStatus.NoOfferPending => 500,
        _ => null,
    };
}
