using Conferencing.Devices.Visca;

namespace Conferencing.Devices.Simulation;

/// <summary>
/// The state and VISCA behaviour of a PTZ camera, shared by the UDP and TCP simulators: power, a head
/// position, presets, and the replies a Sony-style camera gives (ACK + completion on socket 1, data
/// completions for inquiries, syntax errors for what it does not know, "not executable" when in standby).
/// </summary>
public sealed class SimulatedCamera
{
    private const int Socket = 1;
    private const int ZoomStep = 0x0400;
    private const int ZoomMax = 0x4000;
    private const int PanLimit = 0x0990;
    private const int TiltLimit = 0x0510;

    private readonly Lock _lock = new();
    private readonly Dictionary<int, PtzPosition> _presets = [];
    private PtzPosition _position;
    private bool _power = true;
    private int _commands;

    public bool Power
    {
        get { lock (_lock) { return _power; } }
        set { lock (_lock) { _power = value; } }
    }

    public PtzPosition Position
    {
        get { lock (_lock) { return _position; } }
        set { lock (_lock) { _position = value; } }
    }

    /// <summary>Commands executed (a repeated datagram answered from the cache does not count).</summary>
    public int Executed => Volatile.Read(ref _commands);

    public int? LastRecalledPreset { get; private set; }

    public void StorePreset(int preset, PtzPosition position)
    {
        lock (_lock)
        {
            _presets[preset] = position;
        }
    }

    /// <summary>Runs one VISCA packet (terminator included) and returns the reply packets to send back.</summary>
    public IReadOnlyList<byte[]> Execute(ReadOnlySpan<byte> packet)
    {
        Interlocked.Increment(ref _commands);
        if (packet.Length < 3 || packet.Length > 16 || packet[^1] != 0xFF)
        {
            return [ViscaReply.ErrorReply(ViscaError.MessageLength)];
        }

        if (packet[0] != 0x81)
        {
            return [ViscaReply.ErrorReply(ViscaError.Syntax)];
        }

        lock (_lock)
        {
            return packet[1..^1] switch
            {
                [0x09, 0x04, 0x00] => [ViscaReply.InquiryCompletion([_power ? (byte)0x02 : (byte)0x03])],
                [0x09, 0x06, 0x12] => [ViscaReply.InquiryCompletion(PanTiltNibbles())],
                [0x09, 0x04, 0x47] => [ViscaReply.InquiryCompletion(Nibbles(_position.Zoom))],
                [0x01, 0x04, 0x00, 0x02] => Done(() => _power = true),
                [0x01, 0x04, 0x00, 0x03] => Done(() => _power = false),
                [0x01, 0x04, 0x3F, var op and <= 0x02, var p] when p <= ViscaCommands.MaxPreset => Preset(op, p),
                [0x01, 0x06, 0x04] => Moving(() => _position = _position with { Pan = 0, Tilt = 0 }),
                [0x01, 0x06, 0x01, var vv and >= 1 and <= ViscaCommands.MaxPanSpeed, var ww and >= 1 and <= ViscaCommands.MaxTiltSpeed, var x and >= 1 and <= 3, var y and >= 1 and <= 3]
                    => Moving(() => Drive(vv, ww, x, y)),
                [0x01, 0x04, 0x07, var z] when z is 0x00 or 0x02 or 0x03 || (z & 0xF0) is 0x20 or 0x30 && (z & 0x0F) <= 7 => Moving(() => Zoom(z)),
                _ => [ViscaReply.ErrorReply(ViscaError.Syntax)],
            };
        }
    }

    private byte[][] Preset(byte operation, byte preset)
    {
        switch (operation)
        {
            case 0x00:
                return Done(() => _presets.Remove(preset));
            case 0x01:
                return Moving(() => _presets[preset] = _position);
            default:
                return Moving(() =>
                {
                    _position = _presets.GetValueOrDefault(preset);
                    LastRecalledPreset = preset;
                });
        }
    }

    private void Drive(int panSpeed, int tiltSpeed, int x, int y)
    {
        var pan = x switch { 1 => -panSpeed * 16, 2 => panSpeed * 16, _ => 0 };
        var tilt = y switch { 1 => tiltSpeed * 16, 2 => -tiltSpeed * 16, _ => 0 };
        _position = _position with
        {
            Pan = (short)Math.Clamp(_position.Pan + pan, -PanLimit, PanLimit),
            Tilt = (short)Math.Clamp(_position.Tilt + tilt, -TiltLimit, TiltLimit),
        };
    }

    private void Zoom(byte z)
    {
        var step = (z & 0xF0) switch { 0x20 => ZoomStep, 0x30 => -ZoomStep, _ => z switch { 0x02 => ZoomStep, 0x03 => -ZoomStep, _ => 0 } };
        _position = _position with { Zoom = (ushort)Math.Clamp(_position.Zoom + step, 0, ZoomMax) };
    }

    /// <summary>Head and lens commands need the camera on; a camera in standby answers "not executable".</summary>
    private byte[][] Moving(Action action) => _power ? Done(action) : [ViscaReply.ErrorReply(ViscaError.NotExecutable, Socket)];

    private static byte[][] Done(Action action)
    {
        action();
        return [ViscaReply.Ack(Socket), ViscaReply.Completion(Socket)];
    }

    private byte[] PanTiltNibbles()
    {
        var data = new byte[8];
        ViscaCommands.WriteNibbles((ushort)_position.Pan, data);
        ViscaCommands.WriteNibbles((ushort)_position.Tilt, data.AsSpan(4));
        return data;
    }

    private static byte[] Nibbles(ushort value)
    {
        var data = new byte[4];
        ViscaCommands.WriteNibbles(value, data);
        return data;
    }
}
