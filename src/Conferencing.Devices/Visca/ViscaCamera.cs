namespace Conferencing.Devices.Visca;

/// <summary>Where the head points: pan and tilt in the camera's signed units, zoom 0 (wide) upwards.</summary>
public readonly record struct PtzPosition(short Pan, short Tilt, ushort Zoom);

/// <summary>The camera operations the room needs, over any VISCA transport.</summary>
public sealed class ViscaCamera(IViscaTransport transport, int address = 1) : IAsyncDisposable
{
    /// <summary>The pan and tilt speed of a step: a middle value that moves visibly without overshooting.</summary>
    public const int DefaultStepSpeed = 0x08;

    public Task PowerAsync(bool on, CancellationToken cancellationToken) =>
        transport.ExchangeAsync(on ? ViscaCommands.PowerOn(address) : ViscaCommands.PowerOff(address), cancellationToken);

    public Task RecallPresetAsync(int preset, CancellationToken cancellationToken) =>
        transport.ExchangeAsync(ViscaCommands.PresetRecall(preset, address), cancellationToken);

    public Task StorePresetAsync(int preset, CancellationToken cancellationToken) =>
        transport.ExchangeAsync(ViscaCommands.PresetSet(preset, address), cancellationToken);

    public Task HomeAsync(CancellationToken cancellationToken) =>
        transport.ExchangeAsync(ViscaCommands.Home(address), cancellationToken);

    public Task PanTiltAsync(PanTiltDirection direction, CancellationToken cancellationToken, int speed = DefaultStepSpeed) =>
        transport.ExchangeAsync(ViscaCommands.PanTiltDrive(direction, speed, Math.Min(speed, ViscaCommands.MaxTiltSpeed), address), cancellationToken);

    public Task ZoomAsync(ZoomDirection direction, CancellationToken cancellationToken) =>
        transport.ExchangeAsync(ViscaCommands.Zoom(direction, address), cancellationToken);

    public async Task<bool> IsPoweredAsync(CancellationToken cancellationToken)
    {
        var data = await transport.ExchangeAsync(ViscaCommands.PowerInquiry(address), cancellationToken).ConfigureAwait(false);
        return data switch
        {
            [0x02] => true,
            [0x03] => false,
            _ => throw new DeviceException(DeviceFailure.ProtocolError, $"power inquiry answered {Convert.ToHexString(data)}"),
        };
    }

    public async Task<PtzPosition> GetPositionAsync(CancellationToken cancellationToken)
    {
        var panTilt = await transport.ExchangeAsync(ViscaCommands.PanTiltPositionInquiry(address), cancellationToken).ConfigureAwait(false);
        var zoom = await transport.ExchangeAsync(ViscaCommands.ZoomPositionInquiry(address), cancellationToken).ConfigureAwait(false);
        if (panTilt.Length != 8 || !ViscaCommands.TryReadNibbles(panTilt, out var pan) || !ViscaCommands.TryReadNibbles(panTilt.AsSpan(4), out var tilt)
            || zoom.Length != 4 || !ViscaCommands.TryReadNibbles(zoom, out var z))
        {
            throw new DeviceException(DeviceFailure.ProtocolError, $"position inquiry answered {Convert.ToHexString(panTilt)} / {Convert.ToHexString(zoom)}");
        }

        return new PtzPosition((short)pan, (short)tilt, z);
    }

    public ValueTask DisposeAsync() => transport.DisposeAsync();
}
