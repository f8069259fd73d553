using System.Security.Cryptography;

namespace Conferencing.Sip.Sdp;

/// <summary>A codec we support, with the payload type we prefer when we write the offer.</summary>
public sealed class LocalCodec
{
    /// <summary>Creates a codec entry.</summary>
    public LocalCodec(MediaFormat format, int payloadType)
    {
        ArgumentNullException.ThrowIfNull(format);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)payloadType, 127u, nameof(payloadType));
        Format = format;
        PayloadType = payloadType;
    }

    /// <summary>The codec and the fmtp parameters we declare (what we can receive).</summary>
    public MediaFormat Format { get; }

    /// <summary>Our preferred payload type number; used only in our own offers.</summary>
    public int PayloadType { get; }

    /// <summary>RTCP feedback we support for this codec (the Format of each entry is ignored).</summary>
    public IList<SdpRtcpFeedback> Feedback { get; } = [];

    /// <summary>Adds feedback such as "nack", "nack pli", "ccm fir", "goog-remb" or "trr-int 100"; returns this for chaining.</summary>
    public LocalCodec WithFeedback(params ReadOnlySpan<string> feedback)
    {
        foreach (string item in feedback)
        {
            string[] parts = item.Split(' ', 2, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            ArgumentOutOfRangeException.ThrowIfZero(parts.Length, nameof(feedback));
            Feedback.Add(new SdpRtcpFeedback(SdpRtcpFeedback.Wildcard, parts[0], parts.Length > 1 ? parts[1] : null));
        }

        return this;
    }
}

/// <summary>What we accept and offer for one kind of stream (audio, main video, presentation video…).</summary>
public sealed class LocalMediaCapability
{
    /// <summary>Creates a capability for a media type such as "audio" or "video".</summary>
    public LocalMediaCapability(string mediaType)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(mediaType);
        MediaType = mediaType;
    }

    /// <summary>"audio", "video", "application"…</summary>
    public string MediaType { get; }

    /// <summary>
    /// The RFC 4796 content tag this capability serves: null or "main" for the main stream,
    /// "slides" for an H.239-style presentation stream.
    /// </summary>
    public string? Content { get; set; }

    /// <summary>Codecs in order of preference.</summary>
    public IList<LocalCodec> Codecs { get; } = [];

    /// <summary>What we are willing to do; the default is sendrecv.</summary>
    public MediaDirection Direction { get; set; } = MediaDirection.SendRecv;

    /// <summary>Most we want to receive, b=AS in kbit/s; null for no limit.</summary>
    public ulong? MaxBandwidthKbps { get; set; }

    /// <summary>Most we want to receive, b=TIAS in bit/s; null for no limit.</summary>
    public ulong? MaxBandwidthTias { get; set; }

    /// <summary>Whether we offer and accept a=rtcp-mux.</summary>
    public bool RtcpMux { get; set; }

    /// <summary>The transport profile we offer. The default is RTP/AVP, which every room system accepts.</summary>
    public string Protocol { get; set; } = DefaultProtocol;

    /// <summary>Profiles we accept in an offer. The default is RTP/AVP and RTP/AVPF: the relay does no SRTP.</summary>
    public IList<string> AcceptedProtocols { get; } = [DefaultProtocol, "RTP/AVPF"];

    /// <summary>The default offered profile.</summary>
    public const string DefaultProtocol = "RTP/AVP";

    internal bool Serves(MediaDescription media) =>
        string.Equals(media.Media, MediaType, StringComparison.OrdinalIgnoreCase)
        && string.Equals(ContentOf(media.Content), ContentOf(Content), StringComparison.OrdinalIgnoreCase);

    private static string ContentOf(string? content) => content?.Split(',')[0].Trim() ?? "main";
}

/// <summary>Everything we declare in our session descriptions.</summary>
public sealed class LocalCapabilities
{
    /// <summary>Creates capabilities for a host address (also the default media address).</summary>
    public LocalCapabilities(string address)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        Address = address;
    }

    /// <summary>The o= and session-level c= address.</summary>
    public string Address { get; }

    /// <summary>The o= username; the default is "-".</summary>
    public string Username { get; set; } = "-";

    /// <summary>The s= line; the default is "-".</summary>
    public string SessionName { get; set; } = "-";

    /// <summary>One entry per kind of stream, in the order of our offers' m-lines.</summary>
    public IList<LocalMediaCapability> Media { get; } = [];
}

/// <summary>Where we receive one stream: address, RTP port and RTCP port when it is not RTP + 1.</summary>
/// <param name="Address">Our media address; the session address when null.</param>
/// <param name="Port">Our RTP port.</param>
/// <param name="RtcpPort">Our RTCP port when it is not <paramref name="Port"/> + 1 (sent as a=rtcp), else null.</param>
public readonly record struct MediaTransport(string? Address, int Port, int? RtcpPort = null);

/// <summary>
/// The o= line state we own for one dialog: a session id that never changes and a version that
/// grows with every new description we send (RFC 3264 section 8).
/// </summary>
public sealed class LocalSessionVersion
{
    private ulong _next;

    /// <summary>Creates the state with a fixed id; the first description gets <paramref name="firstVersion"/>.</summary>
    public LocalSessionVersion(ulong sessionId, ulong firstVersion = 1)
    {
        SessionId = sessionId;
        _next = firstVersion;
    }

    /// <summary>Creates the state with a random 62-bit id, as RFC 8866 recommends for uniqueness.</summary>
    public static LocalSessionVersion CreateRandom()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        ulong id = BitConverter.ToUInt64(bytes) >> 2;
        return new LocalSessionVersion(id, 1);
    }

    /// <summary>The session id written in o=.</summary>
    public ulong SessionId { get; }

    /// <summary>The version of the last description we sent, or null before the first.</summary>
    public ulong? Current { get; private set; }

    /// <summary>Takes the version for a new description.</summary>
    public ulong Next()
    {
        Current = _next;
        return _next++;
    }
}
