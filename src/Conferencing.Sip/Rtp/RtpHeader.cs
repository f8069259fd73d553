using System.Buffers.Binary;

namespace Conferencing.Sip.Rtp;

/// <summary>
/// The fields of an RTP fixed header to write, and in-place rewriters for packets the relay
/// forwards (new SSRC, sequence, timestamp, payload type or marker per leg) without copying.
/// </summary>
/// <param name="PayloadType">The 7-bit payload type.</param>
/// <param name="SequenceNumber">The sequence number.</param>
/// <param name="Timestamp">The media timestamp.</param>
/// <param name="Ssrc">The synchronization source.</param>
/// <param name="Marker">The marker bit.</param>
public readonly record struct RtpHeader(int PayloadType, ushort SequenceNumber, uint Timestamp, uint Ssrc, bool Marker = false)
{
    /// <summary>Bytes <see cref="WriteTo(Span{byte}, ReadOnlySpan{uint})"/> needs for the given number of CSRCs.</summary>
    public static int GetLength(int csrcCount) => RtpPacket.FixedHeaderLength + (4 * csrcCount);

    /// <summary>
    /// Writes a version-2 header without padding or extension, with the given CSRC list, and
    /// returns the number of bytes written.
    /// </summary>
    /// <exception cref="ArgumentException">The destination is too small or there are more than 15 CSRCs.</exception>
    public int WriteTo(Span<byte> destination, ReadOnlySpan<uint> csrcs = default)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(csrcs.Length, 15, nameof(csrcs));
        if ((uint)PayloadType > 127)
        {
            throw new ArgumentOutOfRangeException(nameof(destination), PayloadType, "The payload type must be 0-127.");
        }

        int length = GetLength(csrcs.Length);
        if (destination.Length < length)
        {
            throw new ArgumentException($"The destination needs {length} bytes.", nameof(destination));
        }

        destination[0] = (byte)((RtpPacket.RtpVersion << 6) | csrcs.Length);
        destination[1] = (byte)((Marker ? 0x80 : 0) | PayloadType);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], SequenceNumber);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], Timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], Ssrc);
        for (int i = 0; i < csrcs.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[(RtpPacket.FixedHeaderLength + (4 * i))..], csrcs[i]);
        }

        return length;
    }

    /// <summary>Overwrites the SSRC of an RTP packet in place.</summary>
    public static void SetSsrc(Span<byte> packet, uint ssrc) =>
        BinaryPrimitives.WriteUInt32BigEndian(RequireHeader(packet)[8..], ssrc);

    /// <summary>Overwrites the sequence number of an RTP packet in place.</summary>
    public static void SetSequenceNumber(Span<byte> packet, ushort sequenceNumber) =>
        BinaryPrimitives.WriteUInt16BigEndian(RequireHeader(packet)[2..], sequenceNumber);

    /// <summary>Overwrites the timestamp of an RTP packet in place.</summary>
    public static void SetTimestamp(Span<byte> packet, uint timestamp) =>
        BinaryPrimitives.WriteUInt32BigEndian(RequireHeader(packet)[4..], timestamp);

    /// <summary>Overwrites the payload type of an RTP packet in place, keeping the marker bit.</summary>
    public static void SetPayloadType(Span<byte> packet, int payloadType)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)payloadType, 127u, nameof(payloadType));
        Span<byte> header = RequireHeader(packet);
        header[1] = (byte)((header[1] & 0x80) | payloadType);
    }

    /// <summary>Sets or clears the marker bit of an RTP packet in place.</summary>
    public static void SetMarker(Span<byte> packet, bool marker)
    {
        Span<byte> header = RequireHeader(packet);
        header[1] = (byte)(marker ? header[1] | 0x80 : header[1] & 0x7F);
    }

    /// <summary>Rewrites SSRC, sequence number and timestamp in one call, the relay's per-leg rewrite.</summary>
    public static void Rewrite(Span<byte> packet, uint ssrc, ushort sequenceNumber, uint timestamp)
    {
        Span<byte> header = RequireHeader(packet);
        BinaryPrimitives.WriteUInt16BigEndian(header[2..], sequenceNumber);
        BinaryPrimitives.WriteUInt32BigEndian(header[4..], timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(header[8..], ssrc);
    }

    private static Span<byte> RequireHeader(Span<byte> packet)
    {
        if (packet.Length < RtpPacket.FixedHeaderLength)
        {
            throw new ArgumentException("An RTP packet has at least 12 bytes.", nameof(packet));
        }

        return packet;
    }
}
