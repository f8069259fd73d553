using System.Buffers.Binary;
using System.Text;

namespace Conferencing.Sip.Rtp;

/// <summary>
/// Builds a compound RTCP packet into a caller's buffer, one packet after the other, without
/// allocating. Each <c>TryWrite…</c> returns false and writes nothing when the packet does not fit.
/// </summary>
public ref struct RtcpWriter
{
    private readonly Span<byte> _buffer;
    private int _written;

    /// <summary>Starts writing at the beginning of <paramref name="buffer"/>.</summary>
    public RtcpWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        _written = 0;
    }

    /// <summary>Bytes written so far.</summary>
    public readonly int BytesWritten => _written;

    /// <summary>The compound packet written so far.</summary>
    public readonly ReadOnlySpan<byte> WrittenSpan => _buffer[.._written];

    /// <summary>Appends a sender report with up to 31 report blocks.</summary>
    public bool TryWriteSenderReport(uint ssrc, NtpTimestamp ntpTimestamp, uint rtpTimestamp, uint packetCount, uint octetCount, scoped ReadOnlySpan<RtcpReportBlock> reportBlocks)
    {
        if (reportBlocks.Length > 31
            || !TryBegin(reportBlocks.Length, RtcpPacketType.SenderReport, RtcpSenderReport.SenderInfoLength + (reportBlocks.Length * RtcpReportBlock.Length), out Span<byte> body))
        {
            return false;
        }

        BinaryPrimitives.WriteUInt32BigEndian(body, ssrc);
        BinaryPrimitives.WriteUInt64BigEndian(body[4..], ntpTimestamp.Value);
        BinaryPrimitives.WriteUInt32BigEndian(body[12..], rtpTimestamp);
        BinaryPrimitives.WriteUInt32BigEndian(body[16..], packetCount);
        BinaryPrimitives.WriteUInt32BigEndian(body[20..], octetCount);
        WriteBlocks(body[RtcpSenderReport.SenderInfoLength..], reportBlocks);
        return true;
    }

    /// <summary>Appends a receiver report with up to 31 report blocks (none is allowed: an empty RR).</summary>
    public bool TryWriteReceiverReport(uint ssrc, scoped ReadOnlySpan<RtcpReportBlock> reportBlocks)
    {
        if (reportBlocks.Length > 31
            || !TryBegin(reportBlocks.Length, RtcpPacketType.ReceiverReport, 4 + (reportBlocks.Length * RtcpReportBlock.Length), out Span<byte> body))
        {
            return false;
        }

        BinaryPrimitives.WriteUInt32BigEndian(body, ssrc);
        WriteBlocks(body[4..], reportBlocks);
        return true;
    }

    /// <summary>Appends an SDES packet with one chunk holding a CNAME item (UTF-8, at most 255 bytes).</summary>
    public bool TryWriteSourceDescription(uint ssrc, scoped ReadOnlySpan<char> canonicalName)
    {
        int length = Encoding.UTF8.GetByteCount(canonicalName);
        if (length > 255)
        {
            return false;
        }

        // Item header (2) + text + at least one null octet, rounded up to a 32-bit boundary.
        int chunk = 4 + ((2 + length + 1 + 3) & ~3);
        if (!TryBegin(1, RtcpPacketType.SourceDescription, chunk, out Span<byte> body))
        {
            return false;
        }

        body.Clear();
        BinaryPrimitives.WriteUInt32BigEndian(body, ssrc);
        body[4] = (byte)RtcpSdesType.CanonicalName;
        body[5] = (byte)length;
        Encoding.UTF8.GetBytes(canonicalName, body[6..]);
        return true;
    }

    /// <summary>Appends a BYE for the given sources with an optional UTF-8 reason (at most 255 bytes).</summary>
    public bool TryWriteBye(scoped ReadOnlySpan<uint> ssrcs, scoped ReadOnlySpan<byte> reason = default)
    {
        if (ssrcs.Length > 31 || reason.Length > 255)
        {
            return false;
        }

        int reasonBytes = reason.IsEmpty ? 0 : (1 + reason.Length + 3) & ~3;
        if (!TryBegin(ssrcs.Length, RtcpPacketType.Goodbye, (4 * ssrcs.Length) + reasonBytes, out Span<byte> body))
        {
            return false;
        }

        body.Clear();
        for (int i = 0; i < ssrcs.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(body[(4 * i)..], ssrcs[i]);
        }

        if (!reason.IsEmpty)
        {
            body[4 * ssrcs.Length] = (byte)reason.Length;
            reason.CopyTo(body[((4 * ssrcs.Length) + 1)..]);
        }

        return true;
    }

    /// <summary>Appends an APP packet; <paramref name="name"/> is 4 ASCII bytes and <paramref name="data"/> a multiple of 4 bytes.</summary>
    public bool TryWriteApp(int subtype, uint ssrc, scoped ReadOnlySpan<byte> name, scoped ReadOnlySpan<byte> data)
    {
        if ((uint)subtype > 31 || name.Length != 4 || data.Length % 4 != 0
            || !TryBegin(subtype, RtcpPacketType.Application, 8 + data.Length, out Span<byte> body))
        {
            return false;
        }

        BinaryPrimitives.WriteUInt32BigEndian(body, ssrc);
        name.CopyTo(body[4..]);
        data.CopyTo(body[8..]);
        return true;
    }

    /// <summary>Appends a picture loss indication asking <paramref name="mediaSsrc"/> for a keyframe.</summary>
    public bool TryWritePictureLossIndication(uint senderSsrc, uint mediaSsrc)
    {
        if (!TryBegin(RtcpFeedback.PictureLossIndicationFormat, RtcpPacketType.PayloadFeedback, 8, out Span<byte> body))
        {
            return false;
        }

        BinaryPrimitives.WriteUInt32BigEndian(body, senderSsrc);
        BinaryPrimitives.WriteUInt32BigEndian(body[4..], mediaSsrc);
        return true;
    }

    /// <summary>Appends a full intra request (RFC 5104) with one entry per source asked.</summary>
    public bool TryWriteFullIntraRequest(uint senderSsrc, scoped ReadOnlySpan<RtcpFirEntry> entries)
    {
        if (entries.IsEmpty || !TryBegin(RtcpFeedback.FullIntraRequestFormat, RtcpPacketType.PayloadFeedback, 8 + (8 * entries.Length), out Span<byte> body))
        {
            return false;
        }

        BinaryPrimitives.WriteUInt32BigEndian(body, senderSsrc);

        // RFC 5104 4.3.1.2: the media source SSRC field is unused in a FIR and set to 0.
        BinaryPrimitives.WriteUInt32BigEndian(body[4..], 0);
        for (int i = 0; i < entries.Length; i++)
        {
            Span<byte> entry = body[(8 + (8 * i))..];
            BinaryPrimitives.WriteUInt32BigEndian(entry, entries[i].Ssrc);
            BinaryPrimitives.WriteUInt32BigEndian(entry[4..], (uint)entries[i].SequenceNumber << 24);
        }

        return true;
    }

    /// <summary>Appends an RFC 2032 FIR (packet type 192) for endpoints that predate RFC 5104.</summary>
    public bool TryWriteLegacyFullIntraRequest(uint ssrc)
    {
        if (!TryBegin(0, RtcpPacketType.LegacyFullIntraRequest, 4, out Span<byte> body))
        {
            return false;
        }

        BinaryPrimitives.WriteUInt32BigEndian(body, ssrc);
        return true;
    }

    /// <summary>
    /// Appends a generic NACK for the given lost sequence numbers, packing each run of up to 17
    /// into one PID/BLP pair. Pass them in ascending order (wrap-around aware) for the tightest packet.
    /// </summary>
    public bool TryWriteGenericNack(uint senderSsrc, uint mediaSsrc, scoped ReadOnlySpan<ushort> lostSequenceNumbers)
    {
        if (lostSequenceNumbers.IsEmpty)
        {
            return false;
        }

        Span<byte> free = _buffer[_written..];
        if (free.Length < RtcpPacket.HeaderLength + 12)
        {
            return false;
        }

        Span<byte> fci = free[(RtcpPacket.HeaderLength + 8)..];
        int pairs = 0;
        ushort pid = lostSequenceNumbers[0];
        ushort blp = 0;
        for (int i = 1; i <= lostSequenceNumbers.Length; i++)
        {
            if (i < lostSequenceNumbers.Length)
            {
                int diff = (ushort)(lostSequenceNumbers[i] - pid);
                if (diff == 0)
                {
                    continue;
                }

                if (diff <= 16)
                {
                    blp |= (ushort)(1 << (diff - 1));
                    continue;
                }
            }

            if ((4 * pairs) + 4 > fci.Length || pairs >= 0x3FFF)
            {
                return false;
            }

            BinaryPrimitives.WriteUInt16BigEndian(fci[(4 * pairs)..], pid);
            BinaryPrimitives.WriteUInt16BigEndian(fci[((4 * pairs) + 2)..], blp);
            pairs++;
            if (i < lostSequenceNumbers.Length)
            {
                pid = lostSequenceNumbers[i];
                blp = 0;
            }
        }

        TryBegin(RtcpFeedback.GenericNackFormat, RtcpPacketType.TransportFeedback, 8 + (4 * pairs), out Span<byte> body);
        BinaryPrimitives.WriteUInt32BigEndian(body, senderSsrc);
        BinaryPrimitives.WriteUInt32BigEndian(body[4..], mediaSsrc);
        return true;
    }

    /// <summary>Appends a REMB message announcing <paramref name="bitrate"/> bits per second for the given sources.</summary>
    public bool TryWriteRemb(uint senderSsrc, ulong bitrate, scoped ReadOnlySpan<uint> ssrcs)
    {
        if (ssrcs.Length > 255 || !TryBegin(RtcpFeedback.ApplicationLayerFormat, RtcpPacketType.PayloadFeedback, 16 + (4 * ssrcs.Length), out Span<byte> body))
        {
            return false;
        }

        int exponent = 0;
        while (bitrate >> exponent > 0x3FFFF)
        {
            exponent++;
        }

        uint mantissa = (uint)(bitrate >> exponent);
        BinaryPrimitives.WriteUInt32BigEndian(body, senderSsrc);
        BinaryPrimitives.WriteUInt32BigEndian(body[4..], 0);
        "REMB"u8.CopyTo(body[8..]);
        body[12] = (byte)ssrcs.Length;
        body[13] = (byte)((exponent << 2) | (int)(mantissa >> 16));
        BinaryPrimitives.WriteUInt16BigEndian(body[14..], (ushort)mantissa);
        for (int i = 0; i < ssrcs.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(body[(16 + (4 * i))..], ssrcs[i]);
        }

        return true;
    }

    private bool TryBegin(int count, RtcpPacketType type, int bodyLength, out Span<byte> body)
    {
        int size = RtcpPacket.HeaderLength + bodyLength;
        if (size > _buffer.Length - _written)
        {
            body = default;
            return false;
        }

        Span<byte> packet = _buffer.Slice(_written, size);
        packet[0] = (byte)(0x80 | count);
        packet[1] = (byte)type;
        BinaryPrimitives.WriteUInt16BigEndian(packet[2..], (ushort)((size / 4) - 1));
        body = packet[RtcpPacket.HeaderLength..];
        _written += size;
        return true;
    }

    private static void WriteBlocks(Span<byte> destination, ReadOnlySpan<RtcpReportBlock> blocks)
    {
        for (int i = 0; i < blocks.Length; i++)
        {
            blocks[i].WriteTo(destination[(i * RtcpReportBlock.Length)..]);
        }
    }
}
