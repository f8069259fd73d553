namespace Conferencing.Devices.Visca;

/// <summary>Pan and tilt directions of the VISCA Pan-tiltDrive command.</summary>
public enum PanTiltDirection { Up, Down, Left, Right, UpLeft, UpRight, DownLeft, DownRight, Stop }

/// <summary>Zoom directions of the VISCA CAM_Zoom command (standard speed).</summary>
public enum ZoomDirection { Stop, Tele, Wide }

/// <summary>
/// Builds VISCA command and inquiry packets as Sony's command list gives them: a header byte 8x
/// (x = camera address 1..7), the message, and the terminator FF.
/// </summary>
public static class ViscaCommands
{
    public const byte Terminator = 0xFF;

    /// <summary>Largest preset number the Sony list allows on these cameras (00h..7Fh).</summary>
    public const int MaxPreset = 0x7F;

    /// <summary>Pan speed range 01h..18h, tilt 01h..17h.</summary>
    public const int MaxPanSpeed = 0x18;
    public const int MaxTiltSpeed = 0x17;

    public static byte[] PowerOn(int address = 1) => Frame(address, 0x01, 0x04, 0x00, 0x02);

    public static byte[] PowerOff(int address = 1) => Frame(address, 0x01, 0x04, 0x00, 0x03);

    public static byte[] PresetReset(int preset, int address = 1) => Frame(address, 0x01, 0x04, 0x3F, 0x00, Preset(preset));

    public static byte[] PresetSet(int preset, int address = 1) => Frame(address, 0x01, 0x04, 0x3F, 0x01, Preset(preset));

    public static byte[] PresetRecall(int preset, int address = 1) => Frame(address, 0x01, 0x04, 0x3F, 0x02, Preset(preset));

    public static byte[] Home(int address = 1) => Frame(address, 0x01, 0x06, 0x04);

    public static byte[] PanTiltDrive(PanTiltDirection direction, int panSpeed, int tiltSpeed, int address = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(panSpeed, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(panSpeed, MaxPanSpeed);
        ArgumentOutOfRangeException.ThrowIfLessThan(tiltSpeed, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(tiltSpeed, MaxTiltSpeed);
        var (pan, tilt) = direction switch
        {
            PanTiltDirection.Up => ((byte)0x03, (byte)0x01),
            PanTiltDirection.Down => ((byte)0x03, (byte)0x02),
            PanTiltDirection.Left => ((byte)0x01, (byte)0x03),
            PanTiltDirection.Right => ((byte)0x02, (byte)0x03),
            PanTiltDirection.UpLeft => ((byte)0x01, (byte)0x01),
            PanTiltDirection.UpRight => ((byte)0x02, (byte)0x01),
            PanTiltDirection.DownLeft => ((byte)0x01, (byte)0x02),
            PanTiltDirection.DownRight => ((byte)0x02, (byte)0x02),
            PanTiltDirection.Stop => ((byte)0x03, (byte)0x03),
            _ => throw new ArgumentOutOfRangeException(nameof(direction)),
        };
        return Frame(address, 0x01, 0x06, 0x01, (byte)panSpeed, (byte)tiltSpeed, pan, tilt);
    }

    public static byte[] Zoom(ZoomDirection direction, int address = 1) => Frame(address, 0x01, 0x04, 0x07, direction switch
    {
        ZoomDirection.Stop => (byte)0x00,
        ZoomDirection.Tele => (byte)0x02,
        ZoomDirection.Wide => (byte)0x03,
        _ => throw new ArgumentOutOfRangeException(nameof(direction)),
    });

    public static byte[] PowerInquiry(int address = 1) => Frame(address, 0x09, 0x04, 0x00);

    public static byte[] ZoomPositionInquiry(int address = 1) => Frame(address, 0x09, 0x04, 0x47);

    public static byte[] PanTiltPositionInquiry(int address = 1) => Frame(address, 0x09, 0x06, 0x12);

    /// <summary>True when the packet is an inquiry (category 09), which gets one completion with data and no ACK.</summary>
    public static bool IsInquiry(ReadOnlySpan<byte> packet) => packet.Length > 2 && packet[1] == 0x09;

    private static byte Preset(int preset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(preset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(preset, MaxPreset);
        return (byte)preset;
    }

    private static byte[] Frame(int address, params ReadOnlySpan<byte> body)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(address, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(address, 7);
        var frame = new byte[body.Length + 2];
        frame[0] = (byte)(0x80 | address);
        body.CopyTo(frame.AsSpan(1));
        frame[^1] = Terminator;
        return frame;
    }

    /// <summary>Writes a value as the VISCA "0p 0q 0r 0s" nibble form (one nibble per byte, high first).</summary>
    public static void WriteNibbles(ushort value, Span<byte> destination)
    {
        for (var i = 0; i < 4; i++)
        {
            destination[i] = (byte)((value >> (12 - (4 * i))) & 0x0F);
        }
    }

    /// <summary>Reads the nibble form back; false when a byte has bits above the low nibble.</summary>
    public static bool TryReadNibbles(ReadOnlySpan<byte> source, out ushort value)
    {
        value = 0;
        if (source.Length < 4)
        {
            return false;
        }

        var v = 0;
        for (var i = 0; i < 4; i++)
        {
            if (source[i] > 0x0F)
            {
                return false;
            }

            v = (v << 4) | source[i];
        }

        value = (ushort)v;
        return true;
    }
}
