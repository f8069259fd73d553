using System.Buffers.Binary;

namespace Conferencing.Sip.Rtp;

/// <summary>RTCP packet types this library knows (the PT field of the common header).</summary>
public enum RtcpPacketType : byte
{
    /// <summary>RFC 2032 section 5.2.1 full intra-frame request, still sent by some H.261/H.263-era room systems.</summary>
    LegacyFullIntraRequest = 192,

    /// <summary>RFC 2032 negative acknowledgement (recognized, not interpreted).</summary>
    LegacyNack = 193,

    /// <summary>Sender report (SR).</summary>
    SenderReport = 200,

    /// <summary>Receiver report (RR).</summary>
    ReceiverReport = 201,

    /// <summary>Source description (SDES).</summary>
    SourceDescription = 202,

    /// <summary>Goodbye (BYE).</summary>
    Goodbye = 203,

    /// <summary>Application-defined (APP).</summary>
    Application = 204,

    /// <summary>Transport-layer feedback (RTPFB, RFC 4585), e.g. generic NACK.</summary>
    TransportFeedback = 205,

    /// <summary>Payload-specific feedback (PSFB, RFC 4585), e.g. PLI, FIR, REMB.</summary>
    PayloadFeedback = 206,
}

/// <summary>Why an RTCP packet or compound packet was refused.</summary>
public enum RtcpReadError
{
    /// <summary>Well-formed.</summary>
    None,

    /// <summary>Fewer than 4 bytes for a common header, or an empty compound packet.</summary>
    TooShort,

    /// <summary>The version field is not 2.</summary>
    BadVersion,

    /// <summary>The length field points past the end of the datagram.</summary>
    BadLength,

    /// <summary>The padding count is zero or larger than the packet body.</summary>
    BadPadding,

    /// <summary>The first packet of a compound packet is neither SR nor RR (RFC 3550 A.2).</summary>
    FirstPacketNotReport,

    /// <summary>A packet other than the last one carries padding (RFC 3550 A.2).</summary>
    PaddingNotInLastPacket,
}

/// <summary>
/// One RTCP packet inside a (possibly compound) datagram: the common header plus its body.
/// Typed views (<see cref="RtcpSenderReport"/>, <see cref="RtcpFeedback"/>…) read the body.
/// </summary>
public readonly ref struct RtcpPacket
{
    /// <summary>Size of the common header.</summary>
    public const int HeaderLength = 4;

    private readonly ReadOnlySpan<byte> _packet;
    private readonly int _bodyLength;

    private RtcpPacket(ReadOnlySpan<byte> packet, int bodyLength)
    {
        _packet = packet;
        _bodyLength = bodyLength;
    }

    /// <summary>The packet type.</summary>
    public RtcpPacketType Type => (RtcpPacketType)_packet[1];

    /// <summary>The 5-bit count field: report count, source count, SDES chunk count, APP subtype or feedback FMT.</summary>
    public int Count => _packet[0] & 0x1F;

    /// <summary>The padding bit.</summary>
    public bool HasPadding => (_packet[0] & 0x20) != 0;

    /// <summary>The whole packet including header and padding.</summary>
    public ReadOnlySpan<byte> Packet => _packet;

    /// <summary>Everything after the common header, padding excluded.</summary>
    public ReadOnlySpan<byte> Body => _packet.Slice(HeaderLength, _bodyLength);

    /// <summary>The first SSRC of the body (the sender for SR, RR, feedback, APP, legacy FIR), or 0 when the body is shorter.</summary>
    public uint SenderSsrc => _bodyLength >= 4 ? BinaryPrimitives.ReadUInt32BigEndian(Body) : 0;

    /// <summary>
    /// True for a PSFB PLI, a PSFB FIR (RFC 5104) or an RFC 2032 FIR: the relay answers each of
    /// them by asking the current video source for a keyframe.
    /// </summary>
    public bool IsKeyframeRequest => Type switch
    {
        RtcpPacketType.LegacyFullIntraRequest => _bodyLength >= 4,
        RtcpPacketType.PayloadFeedback => (Count == RtcpFeedback.PictureLossIndicationFormat || Count == RtcpFeedback.FullIntraRequestFormat) && _bodyLength >= 8,
        _ => false,
    };

    /// <summary>
    /// Reads the RTCP packet at the start of <paramref name="buffer"/>; <paramref name="length"/>
    /// is its size on the wire, so the next packet of a compound starts there.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> buffer, out RtcpPacket packet, out int length, out RtcpReadError error)
    {
        packet = default;
        length = 0;
        if (buffer.Length < HeaderLength)
        {
            error = RtcpReadError.TooShort;
            return false;
        }

        if (buffer[0] >> 6 != 2)
        {
            error = RtcpReadError.BadVersion;
            return false;
        }

        int size = (BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]) + 1) * 4;
        if (size > buffer.Length)
        {
            error = RtcpReadError.BadLength;
            return false;
        }

        int bodyLength = size - HeaderLength;
        if ((buffer[0] & 0x20) != 0)
        {
            int padding = buffer[size - 1];
            if (padding == 0 || padding > bodyLength)
            {
                error = RtcpReadError.BadPadding;
                return false;
            }

            bodyLength -= padding;
        }

        packet = new RtcpPacket(buffer[..size], bodyLength);
        length = size;
        error = RtcpReadError.None;
        return true;
    }

    /// <summary>Reads the RTCP packet at the start of <paramref name="buffer"/>.</summary>
    public static bool TryRead(ReadOnlySpan<byte> buffer, out RtcpPacket packet) => TryRead(buffer, out packet, out _, out _);
}

/// <summary>
/// Enumerates the packets of a compound RTCP datagram without allocating. Enumeration stops at
/// the first malformed packet; <see cref="Error"/> then says why (use <c>while (reader.MoveNext())</c>
/// rather than <c>foreach</c> when the reason matters, since <c>foreach</c> works on a copy).
/// </summary>
public ref struct RtcpCompoundReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private int _offset;
    private RtcpPacket _current;

    /// <summary>Starts reading the compound packet in <paramref name="buffer"/>.</summary>
    public RtcpCompoundReader(ReadOnlySpan<byte> buffer)
    {
        _buffer = buffer;
        _offset = 0;
        _current = default;
        Error = RtcpReadError.None;
    }

    /// <summary>The packet at the current position.</summary>
    public readonly RtcpPacket Current => _current;

    /// <summary>Why enumeration stopped early, or <see cref="RtcpReadError.None"/>.</summary>
    public RtcpReadError Error { get; private set; }

    /// <summary>Allows <c>foreach</c> over the reader.</summary>
    public readonly RtcpCompoundReader GetEnumerator() => this;

    /// <summary>Advances to the next packet; false at the end or at a malformed packet.</summary>
    public bool MoveNext()
    {
        if (_offset >= _buffer.Length || Error != RtcpReadError.None)
        {
            return false;
        }

        if (!RtcpPacket.TryRead(_buffer[_offset..], out _current, out int length, out RtcpReadError error))
        {
            Error = error;
            return false;
        }

        _offset += length;
        if (_current.HasPadding && _offset != _buffer.Length)
        {
            Error = RtcpReadError.PaddingNotInLastPacket;
            return false;
        }

        return true;
    }

    /// <summary>
    /// Checks a whole compound packet: every length consistent, padding only in the last packet
    /// and, unless <paramref name="allowReducedSize"/> (RFC 5506), SR or RR first.
    /// </summary>
    public static bool Validate(ReadOnlySpan<byte> buffer, out RtcpReadError error, bool allowReducedSize = true)
    {
        if (buffer.IsEmpty)
        {
            error = RtcpReadError.TooShort;
            return false;
        }

        var reader = new RtcpCompoundReader(buffer);
        bool first = true;
        while (reader.MoveNext())
        {
            if (first && !allowReducedSize && reader.Current.Type is not (RtcpPacketType.SenderReport or RtcpPacketType.ReceiverReport))
            {
                error = RtcpReadError.FirstPacketNotReport;
                return false;
            }

            first = false;
        }

        error = reader.Error;
        return error == RtcpReadError.None;
    }

    /// <summary>
    /// True when any packet of the compound is a keyframe request (PLI, FIR or RFC 2032 FIR);
    /// <paramref name="mediaSsrc"/> is the source asked for (the sender SSRC for RFC 2032, which names no other).
    /// </summary>
    public static bool ContainsKeyframeRequest(ReadOnlySpan<byte> buffer, out uint mediaSsrc)
    {
        foreach (RtcpPacket packet in new RtcpCompoundReader(buffer))
        {
            if (!packet.IsKeyframeRequest)
            {
                continue;
            }

            if (packet.Type == RtcpPacketType.LegacyFullIntraRequest)
            {
                mediaSsrc = packet.SenderSsrc;
                return true;
            }

            RtcpFeedback.TryRead(packet, out RtcpFeedback feedback);
            if (feedback.Format == RtcpFeedback.FullIntraRequestFormat)
            {
                foreach (RtcpFirEntry entry in feedback.GetFirEntries())
                {
                    mediaSsrc = entry.Ssrc;
                    return true;
                }
            }

            mediaSsrc = feedback.MediaSsrc;
            return true;
        }

        mediaSsrc = 0;
        return false;
    }
}
