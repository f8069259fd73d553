namespace Conferencing.Devices.Visca;

/// <summary>The three reply kinds of VISCA: ACK (x0 4y FF), completion (x0 5y .. FF) and error (x0 6y ee FF).</summary>
public enum ViscaReplyKind { Ack, Completion, Error }

/// <summary>VISCA error codes from Sony's command list.</summary>
public enum ViscaError : byte
{
    MessageLength = 0x01,
    Syntax = 0x02,
    CommandBufferFull = 0x03,
    CommandCanceled = 0x04,
    NoSocket = 0x05,
    NotExecutable = 0x41,
}

/// <summary>One VISCA reply packet from a camera.</summary>
public readonly record struct ViscaReply(int Address, ViscaReplyKind Kind, int Socket, ViscaError Error, byte[] Data)
{
    public const int MaxLength = 16;

    public static byte[] Ack(int socket, int address = 1) => [Header(address), (byte)(0x40 | socket), 0xFF];

    public static byte[] Completion(int socket, int address = 1) => [Header(address), (byte)(0x50 | socket), 0xFF];

    public static byte[] InquiryCompletion(ReadOnlySpan<byte> data, int address = 1)
    {
        var frame = new byte[data.Length + 3];
        frame[0] = Header(address);
        frame[1] = 0x50;
        data.CopyTo(frame.AsSpan(2));
        frame[^1] = 0xFF;
        return frame;
    }

    public static byte[] ErrorReply(ViscaError error, int socket = 0, int address = 1) =>
        [Header(address), (byte)(0x60 | socket), (byte)error, 0xFF];

    /// <summary>Parses one reply packet; false (with a reason) for anything that is not one.</summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, out ViscaReply reply, out string? reason)
    {
        reply = default;
        reason = null;
        if (packet.Length < 3 || packet.Length > MaxLength)
        {
            reason = $"a reply is 3 to {MaxLength} bytes, got {packet.Length}";
            return false;
        }

        if (packet[^1] != 0xFF || packet[..^1].Contains((byte)0xFF))
        {
            reason = "a reply ends with its only FF";
            return false;
        }

        if ((packet[0] & 0x8F) != 0x80 || packet[0] < 0x90)
        {
            reason = $"header {packet[0]:X2} is not a camera reply (90h..F0h)";
            return false;
        }

        var address = (packet[0] >> 4) - 8;
        var socket = packet[1] & 0x0F;
        switch (packet[1] & 0xF0)
        {
            case 0x40 when packet.Length == 3:
                reply = new ViscaReply(address, ViscaReplyKind.Ack, socket, 0, []);
                return true;
            case 0x50:
                reply = new ViscaReply(address, ViscaReplyKind.Completion, socket, 0, packet[2..^1].ToArray());
                return true;
            case 0x60 when packet.Length == 4:
                reply = new ViscaReply(address, ViscaReplyKind.Error, socket, (ViscaError)packet[2], []);
                return true;
            default:
                reason = $"byte 2 ({packet[1]:X2}) with length {packet.Length} is not an ACK, completion or error";
                return false;
        }
    }

    public static string Describe(ViscaError error) => error switch
    {
        ViscaError.MessageLength => "message length error",
        ViscaError.Syntax => "syntax error",
        ViscaError.CommandBufferFull => "command buffer full",
        ViscaError.CommandCanceled => "command canceled",
        ViscaError.NoSocket => "no socket (to be canceled)",
        ViscaError.NotExecutable => "command not executable",
        _ => $"error {(byte)error:X2}",
    };

    private static byte Header(int address) => (byte)((8 + address) << 4);
}
