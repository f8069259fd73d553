using System.Buffers.Binary;

namespace Conferencing.Sip.Rtp;

/// <summary>Why <see cref="RtpPacket.TryRead(ReadOnlySpan{byte}, out RtpPacket, out RtpReadError)"/> refused a datagram.</summary>
public enum RtpReadError
{
    /// <summary>The datagram is a well-formed RTP packet.</summary>
    None,

    /// <summary>Shorter than the 12-byte fixed header.</summary>
    TooShort,

    /// <summary>The version field is not 2.</summary>
    BadVersion,

    /// <summary>The CSRC list runs past the end of the datagram.</summary>
    TruncatedCsrcList,

    /// <summary>The header extension (or its declared length) runs past the end of the datagram.</summary>
    TruncatedExtension,

    /// <summary>The padding count is zero or larger than what follows the header.</summary>
    BadPadding,
}

/// <summary>
/// A view over one RTP packet (RFC 3550 section 5.1) that reads fields straight from the
/// datagram. It never copies or allocates, so the relay can inspect every packet it forwards.
/// </summary>
public readonly ref struct RtpPacket
{
    /// <summary>Size of the fixed RTP header, without CSRCs or extension.</summary>
    public const int FixedHeaderLength = 12;

    /// <summary>The only RTP version this reader accepts.</summary>
    public const int RtpVersion = 2;

    private readonly ReadOnlySpan<byte> _packet;
    private readonly int _payloadOffset;
    private readonly int _payloadLength;
    private readonly int _extensionOffset;
    private readonly int _extensionLength;

    private RtpPacket(ReadOnlySpan<byte> packet, int payloadOffset, int payloadLength, int extensionOffset, int extensionLength)
    {
        _packet = packet;
        _payloadOffset = payloadOffset;
        _payloadLength = payloadLength;
        _extensionOffset = extensionOffset;
        _extensionLength = extensionLength;
    }

    /// <summary>The whole datagram this view was read from.</summary>
    public ReadOnlySpan<byte> Packet => _packet;

    /// <summary>The padding bit (P).</summary>
    public bool HasPadding => (_packet[0] & 0x20) != 0;

    /// <summary>The extension bit (X).</summary>
    public bool HasExtension => (_packet[0] & 0x10) != 0;

    /// <summary>Number of CSRC identifiers (CC), 0 to 15.</summary>
    public int CsrcCount => _packet[0] & 0x0F;

    /// <summary>The marker bit (M); for video it marks the last packet of a frame.</summary>
    public bool Marker => (_packet[1] & 0x80) != 0;

    /// <summary>The 7-bit payload type.</summary>
    public int PayloadType => _packet[1] & 0x7F;

    /// <summary>The 16-bit sequence number.</summary>
    public ushort SequenceNumber => BinaryPrimitives.ReadUInt16BigEndian(_packet[2..]);

    /// <summary>The 32-bit media timestamp.</summary>
    public uint Timestamp => BinaryPrimitives.ReadUInt32BigEndian(_packet[4..]);

    /// <summary>The synchronization source identifier.</summary>
    public uint Ssrc => BinaryPrimitives.ReadUInt32BigEndian(_packet[8..]);

    /// <summary>The 16-bit profile-defined field of the header extension, or 0 when there is none.</summary>
    public ushort ExtensionProfile => HasExtension ? BinaryPrimitives.ReadUInt16BigEndian(_packet[(_extensionOffset - 4)..]) : (ushort)0;

    /// <summary>The header extension's data words (without the 4-byte profile and length), empty when there is none.</summary>
    public ReadOnlySpan<byte> ExtensionData => _packet.Slice(_extensionOffset, _extensionLength);

    /// <summary>Offset of the first payload byte in the datagram; also the full header length.</summary>
    public int PayloadOffset => _payloadOffset;

    /// <summary>Number of payload bytes, padding excluded.</summary>
    public int PayloadLength => _payloadLength;

    /// <summary>The payload, padding excluded.</summary>
    public ReadOnlySpan<byte> Payload => _packet.Slice(_payloadOffset, _payloadLength);

    /// <summary>Number of padding bytes at the end of the datagram, including the count byte itself.</summary>
    public int PaddingLength => _packet.Length - _payloadOffset - _payloadLength;

    /// <summary>Returns the CSRC at <paramref name="index"/> (0-based, below <see cref="CsrcCount"/>).</summary>
    public uint GetCsrc(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, CsrcCount);
        return BinaryPrimitives.ReadUInt32BigEndian(_packet[(FixedHeaderLength + (4 * index))..]);
    }

    /// <summary>
    /// Enumerates RFC 8285 header extension elements. Yields nothing when the extension is absent
    /// or uses a profile other than one-byte (0xBEDE) or two-byte (0x100X) elements.
    /// </summary>
    public RtpHeaderExtensionEnumerator GetExtensionElements() => new(ExtensionProfile, ExtensionData);

    /// <summary>Reads a datagram as an RTP packet; false when it is not one.</summary>
    public static bool TryRead(ReadOnlySpan<byte> packet, out RtpPacket result) => TryRead(packet, out result, out _);

    /// <summary>Reads a datagram as an RTP packet; false, with the reason, when it is not one.</summary>
    public static bool TryRead(ReadOnlySpan<byte> packet, out RtpPacket result, out RtpReadError error)
    {
        result = default;
        if (packet.Length < FixedHeaderLength)
        {
            error = RtpReadError.TooShort;
            return false;
        }

        byte first = packet[0];
        if (first >> 6 != RtpVersion)
        {
            error = RtpReadError.BadVersion;
            return false;
        }

        int offset = FixedHeaderLength + (4 * (first & 0x0F));
        if (offset > packet.Length)
        {
            error = RtpReadError.TruncatedCsrcList;
            return false;
        }

        int extensionOffset = offset;
        int extensionLength = 0;
        if ((first & 0x10) != 0)
        {
            if (offset + 4 > packet.Length)
            {
                error = RtpReadError.TruncatedExtension;
                return false;
            }

            extensionLength = 4 * BinaryPrimitives.ReadUInt16BigEndian(packet[(offset + 2)..]);
            extensionOffset = offset + 4;
            offset = extensionOffset + extensionLength;
            if (offset > packet.Length)
            {
                error = RtpReadError.TruncatedExtension;
                return false;
            }
        }

        int end = packet.Length;
        if ((first & 0x20) != 0)
        {
            // The last byte counts itself, so zero is meaningless and a count reaching into the
            // header means the sender (or an attacker) lied about the length.
            int padding = packet[^1];
            if (padding == 0 || padding > end - offset)
            {
                error = RtpReadError.BadPadding;
                return false;
            }

            end -= padding;
        }

        result = new RtpPacket(packet, offset, end - offset, extensionOffset, extensionLength);
        error = RtpReadError.None;
        return true;
    }
}
