using System.Buffers.Binary;

namespace Conferencing.Devices.Visca;

/// <summary>Payload types of Sony's VISCA over IP header.</summary>
public enum ViscaIpPayloadType : ushort
{
    ViscaCommand = 0x0100,
    ViscaInquiry = 0x0110,
    ViscaReply = 0x0111,
    ViscaDeviceSetting = 0x0120,
    ControlCommand = 0x0200,
    ControlReply = 0x0201,
}

/// <summary>
/// The 8-byte VISCA over IP header, big endian: payload type (2), payload length (2), sequence number (4).
/// The payload is 1 to 16 bytes.
/// </summary>
public readonly record struct ViscaIpHeader(ViscaIpPayloadType PayloadType, int PayloadLength, uint Sequence)
{
    public const int Size = 8;
    public const int MaxPayload = 16;
    public const int DefaultPort = 52381;

    /// <summary>Control command payload RESET: sets the sequence number to 0.</summary>
    public const byte ControlReset = 0x01;

    /// <summary>Control reply payload acknowledging a RESET.</summary>
    public const byte ControlResetAck = 0x01;

    /// <summary>Control command ERROR payloads (0F yy): yy 01 sequence abnormality, 02 message abnormality.</summary>
    public const byte ControlError = 0x0F;
    public const byte ControlErrorSequence = 0x01;
    public const byte ControlErrorMessage = 0x02;

    public static byte[] Packet(ViscaIpPayloadType type, uint sequence, ReadOnlySpan<byte> payload)
    {
        if (payload.Length is 0 or > MaxPayload)
        {
            throw new ArgumentOutOfRangeException(nameof(payload), $"a VISCA over IP payload is 1 to {MaxPayload} bytes");
        }

        var packet = new byte[Size + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(packet, (ushort)type);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)payload.Length);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), sequence);
        payload.CopyTo(packet.AsSpan(Size));
        return packet;
    }

    /// <summary>Parses a datagram; false with a reason when the header is short, of unknown type, or lies about the length.</summary>
    public static bool TryParse(ReadOnlySpan<byte> datagram, out ViscaIpHeader header, out ReadOnlySpan<byte> payload, out string? reason)
    {
        header = default;
        payload = default;
        reason = null;
        if (datagram.Length < Size)
        {
            reason = $"a datagram holds an {Size}-byte header, got {datagram.Length} bytes";
            return false;
        }

        var type = (ViscaIpPayloadType)BinaryPrimitives.ReadUInt16BigEndian(datagram);
        if (!Enum.IsDefined(type))
        {
            reason = $"payload type {(ushort)type:X4} is unknown";
            return false;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(datagram[2..]);
        if (length is 0 or > MaxPayload || length != datagram.Length - Size)
        {
            reason = $"payload length {length} does not match the {datagram.Length - Size} bytes after the header (1..{MaxPayload})";
            return false;
        }

        header = new ViscaIpHeader(type, length, BinaryPrimitives.ReadUInt32BigEndian(datagram[4..]));
        payload = datagram[Size..];
        return true;
    }
}
