using System.Buffers.Binary;

namespace Conferencing.Sip.Rtp;

/// <summary>One FIR entry (RFC 5104 section 4.3.1): the source asked for a keyframe and the request number.</summary>
/// <param name="Ssrc">The media sender that should send a decoder refresh point.</param>
/// <param name="SequenceNumber">Command sequence number; a repeated number is a retransmission of the same request.</param>
public readonly record struct RtcpFirEntry(uint Ssrc, byte SequenceNumber);

/// <summary>
/// A feedback message (RFC 4585 section 6.1): RTPFB or PSFB with sender SSRC, media SSRC and
/// feedback control information (FCI).
/// </summary>
public readonly ref struct RtcpFeedback
{
    /// <summary>RTPFB FMT of a generic NACK (RFC 4585 section 6.2.1).</summary>
    public const int GenericNackFormat = 1;

    /// <summary>PSFB FMT of a picture loss indication (RFC 4585 section 6.3.1).</summary>
    public const int PictureLossIndicationFormat = 1;

    /// <summary>PSFB FMT of a full intra request (RFC 5104 section 4.3.1).</summary>
    public const int FullIntraRequestFormat = 4;

    /// <summary>PSFB FMT of application-layer feedback, used by REMB.</summary>
    public const int ApplicationLayerFormat = 15;

    private RtcpFeedback(RtcpPacketType type, int format, uint senderSsrc, uint mediaSsrc, ReadOnlySpan<byte> fci)
    {
        Type = type;
        Format = format;
        SenderSsrc = senderSsrc;
        MediaSsrc = mediaSsrc;
        Fci = fci;
    }

    /// <summary><see cref="RtcpPacketType.TransportFeedback"/> or <see cref="RtcpPacketType.PayloadFeedback"/>.</summary>
    public RtcpPacketType Type { get; }

    /// <summary>The FMT field that says which feedback message this is.</summary>
    public int Format { get; }

    /// <summary>The SSRC of the packet sender.</summary>
    public uint SenderSsrc { get; }

    /// <summary>The SSRC of the media source the feedback is about.</summary>
    public uint MediaSsrc { get; }

    /// <summary>The feedback control information.</summary>
    public ReadOnlySpan<byte> Fci { get; }

    /// <summary>True for an RTPFB generic NACK.</summary>
    public bool IsGenericNack => Type == RtcpPacketType.TransportFeedback && Format == GenericNackFormat;

    /// <summary>True for a PSFB picture loss indication.</summary>
    public bool IsPictureLossIndication => Type == RtcpPacketType.PayloadFeedback && Format == PictureLossIndicationFormat;

    /// <summary>True for a PSFB full intra request.</summary>
    public bool IsFullIntraRequest => Type == RtcpPacketType.PayloadFeedback && Format == FullIntraRequestFormat;

    /// <summary>True for a receiver estimated maximum bitrate message (draft-alvestrand-rmcat-remb).</summary>
    public bool IsRemb => Type == RtcpPacketType.PayloadFeedback && Format == ApplicationLayerFormat
        && Fci.Length >= 8 && Fci[..4].SequenceEqual("REMB"u8);

    /// <summary>Reads a feedback packet; false for other types or bodies shorter than the two SSRCs.</summary>
    public static bool TryRead(RtcpPacket packet, out RtcpFeedback feedback)
    {
        feedback = default;
        ReadOnlySpan<byte> body = packet.Body;
        if (packet.Type is not (RtcpPacketType.TransportFeedback or RtcpPacketType.PayloadFeedback) || body.Length < 8)
        {
            return false;
        }

        feedback = new RtcpFeedback(
            packet.Type,
            packet.Count,
            BinaryPrimitives.ReadUInt32BigEndian(body),
            BinaryPrimitives.ReadUInt32BigEndian(body[4..]),
            body[8..]);
        return true;
    }

    /// <summary>The sequence numbers a generic NACK reports lost, in packet order; empty for other messages.</summary>
    public RtcpNackEnumerator GetLostSequenceNumbers() => new(IsGenericNack ? Fci : default);

    /// <summary>The entries of a FIR; empty for other messages.</summary>
    public RtcpFirEnumerator GetFirEntries() => new(IsFullIntraRequest ? Fci : default);

    /// <summary>Reads the bitrate and the number of SSRCs of a REMB message.</summary>
    public bool TryGetRemb(out ulong bitrate, out int ssrcCount)
    {
        bitrate = 0;
        ssrcCount = 0;
        if (!IsRemb)
        {
            return false;
        }

        ReadOnlySpan<byte> fci = Fci;
        ssrcCount = fci[4];
        int exponent = fci[5] >> 2;
        ulong mantissa = ((ulong)(fci[5] & 0x03) << 16) | ((ulong)fci[6] << 8) | fci[7];
        if (fci.Length < 8 + (4 * ssrcCount) || exponent > 46)
        {
            return false;
        }

        bitrate = mantissa << exponent;
        return true;
    }
}

/// <summary>Expands the PID/BLP pairs of a generic NACK into sequence numbers without allocating.</summary>
public ref struct RtcpNackEnumerator
{
    private readonly ReadOnlySpan<byte> _fci;
    private int _offset;
    private int _bit;
    private ushort _current;

    internal RtcpNackEnumerator(ReadOnlySpan<byte> fci)
    {
        _fci = fci;
        _offset = 0;
        _bit = -1;
        _current = 0;
    }

    /// <summary>The current lost sequence number.</summary>
    public readonly ushort Current => _current;

    /// <summary>Allows <c>foreach</c>.</summary>
    public readonly RtcpNackEnumerator GetEnumerator() => this;

    /// <summary>Advances to the next lost sequence number.</summary>
    public bool MoveNext()
    {
        while (_offset + 4 <= _fci.Length)
        {
            ushort pid = BinaryPrimitives.ReadUInt16BigEndian(_fci[_offset..]);
            ushort blp = BinaryPrimitives.ReadUInt16BigEndian(_fci[(_offset + 2)..]);
            if (_bit < 0)
            {
                // The PID itself is always lost; bit i of the BLP means PID + i + 1 is lost too.
                _bit = 0;
                _current = pid;
                return true;
            }

            while (_bit < 16)
            {
                int bit = _bit++;
                if ((blp & (1 << bit)) != 0)
                {
                    _current = (ushort)(pid + bit + 1);
                    return true;
                }
            }

            _offset += 4;
            _bit = -1;
        }

        return false;
    }

    /// <summary>Copies the lost sequence numbers into <paramref name="destination"/> and returns how many were written.</summary>
    public int CopyTo(scoped Span<ushort> destination)
    {
        int count = 0;
        while (count < destination.Length && MoveNext())
        {
            destination[count++] = _current;
        }

        return count;
    }
}

/// <summary>Enumerates the 8-byte entries of a FIR message.</summary>
public ref struct RtcpFirEnumerator
{
    private readonly ReadOnlySpan<byte> _fci;
    private int _offset;

    internal RtcpFirEnumerator(ReadOnlySpan<byte> fci)
    {
        _fci = fci;
        _offset = -8;
    }

    /// <summary>The current entry.</summary>
    public readonly RtcpFirEntry Current =>
        new(BinaryPrimitives.ReadUInt32BigEndian(_fci[_offset..]), _fci[_offset + 4]);

    /// <summary>Allows <c>foreach</c>.</summary>
    public readonly RtcpFirEnumerator GetEnumerator() => this;

    /// <summary>Advances to the next entry.</summary>
    public bool MoveNext()
    {
        if (_offset + 16 > _fci.Length)
        {
            return false;
        }

        _offset += 8;
        return true;
    }
}
