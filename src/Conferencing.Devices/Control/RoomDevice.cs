using System.Globalization;
using Conferencing.Devices.Agent;
using Conferencing.Devices.Cec;
using Conferencing.Devices.PjLink;
using Conferencing.Devices.Visca;

namespace Conferencing.Devices.Control;

/// <summary>
/// One configured device behind the common command set: runs a <see cref="DeviceCommand"/> through its
/// driver and turns every failure into a <see cref="DeviceCommandResult"/> (never an exception), so one
/// broken device cannot take the agent's connection down with it.
/// </summary>
public abstract class RoomDevice : IAsyncDisposable
{
    protected RoomDevice(DeviceSettings settings, TimeProvider time)
    {
        Settings = settings;
        Time = time;
    }

    public DeviceSettings Settings { get; }

    public DeviceInfo Info => Settings.ToInfo();

    protected TimeProvider Time { get; }

    /// <summary>The last state seen, kept so a command's answer can say what changed.</summary>
    public DeviceState? LastState { get; private set; }

    public static RoomDevice Create(DeviceSettings settings, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        time ??= TimeProvider.System;
        return settings.Kind == DeviceKind.Camera || settings.Driver is DeviceDriver.ViscaIp or DeviceDriver.ViscaTcp or DeviceDriver.ViscaSerial
            ? new CameraDevice(settings, time)
            : settings.Driver == DeviceDriver.PjLink ? new ProjectorDevice(settings, time) : new CecDisplayDevice(settings, time);
    }

    public async Task<DeviceCommandResult> RunAsync(DeviceCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        try
        {
            if (command.Action != DeviceAction.Refresh)
            {
                await ExecuteAsync(command.Action, command.Argument, cancellationToken).ConfigureAwait(false);
            }

            var state = await PollAsync(cancellationToken).ConfigureAwait(false);
            return new DeviceCommandResult(command.CommandId, CommandOutcome.Done, null, state);
        }
        catch (DeviceException e)
        {
            var outcome = e.Failure switch
            {
                DeviceFailure.Unreachable => CommandOutcome.Unreachable,
                DeviceFailure.DeviceError => CommandOutcome.DeviceError,
                DeviceFailure.AuthenticationFailed => CommandOutcome.AuthenticationFailed,
                DeviceFailure.Unsupported => CommandOutcome.Unsupported,
                _ => CommandOutcome.ProtocolError,
            };
            var state = e.Failure is DeviceFailure.Unreachable or DeviceFailure.AuthenticationFailed ? Remember(Unreachable(e.Message)) : LastState;
            return new DeviceCommandResult(command.CommandId, outcome, e.Message, state);
        }
        catch (ArgumentException e)
        {
            return new DeviceCommandResult(command.CommandId, CommandOutcome.BadArgument, e.Message, LastState);
        }
    }

    /// <summary>Asks the device for its state; an unreachable device gives a state that says so.</summary>
    public async Task<DeviceState> PollAsync(CancellationToken cancellationToken)
    {
        try
        {
            return Remember(await QueryAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (DeviceException e)
        {
            return Remember(Unreachable(e.Message) with { Reachable = e.Failure is not (DeviceFailure.Unreachable or DeviceFailure.AuthenticationFailed) });
        }
    }

    protected abstract Task ExecuteAsync(DeviceAction action, string? argument, CancellationToken cancellationToken);

    protected abstract Task<DeviceState> QueryAsync(CancellationToken cancellationToken);

    protected DeviceState State(string? power = null, string? input = null, bool? muted = null, string? errorStatus = null, int? lampHours = null, int? preset = null) =>
        new(Settings.Id, true, power, input, muted, errorStatus, lampHours, preset, null, Time.GetUtcNow());

    protected static int ParseNumber(string? argument, string what) =>
        int.TryParse(argument, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw new ArgumentException($"{what} '{argument}' is not a number");

    protected DeviceException Unsupported(DeviceAction action) => new(DeviceFailure.Unsupported, $"{Settings.Driver} cannot {action}");

    private DeviceState Unreachable(string error) => new(Settings.Id, false, null, null, null, null, null, null, error, Time.GetUtcNow());

    private DeviceState Remember(DeviceState state) => LastState = state;

    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}

internal sealed class CameraDevice(DeviceSettings settings, TimeProvider time) : RoomDevice(settings, time)
{
    private ViscaCamera? _camera;
    private int? _preset;

    private async Task<ViscaCamera> CameraAsync(CancellationToken cancellationToken)
    {
        if (_camera is not null)
        {
            return _camera;
        }

        var timeouts = Settings.Timeout is { } t ? new ViscaTimeouts { Command = t } : null;
        IViscaTransport transport = Settings.Driver switch
        {
            DeviceDriver.ViscaIp => new ViscaIpTransport(await EndPointAsync(ViscaIpHeader.DefaultPort).ConfigureAwait(false), timeouts),
            DeviceDriver.ViscaTcp => ViscaStreamTransport.Tcp(await EndPointAsync(5678).ConfigureAwait(false), timeouts),
            _ => ViscaStreamTransport.Serial(Settings.Address, timeouts: timeouts),
        };
        return _camera = new ViscaCamera(transport);

        async Task<System.Net.IPEndPoint> EndPointAsync(int port)
        {
            try
            {
                return await Settings.EndPointAsync(port, cancellationToken).ConfigureAwait(false);
            }
            catch (System.Net.Sockets.SocketException e)
            {
                throw new DeviceException(DeviceFailure.Unreachable, $"cannot resolve {Settings.Address}: {e.Message}", e);
            }
        }
    }

    protected override async Task ExecuteAsync(DeviceAction action, string? argument, CancellationToken cancellationToken)
    {
        var camera = await CameraAsync(cancellationToken).ConfigureAwait(false);
        switch (action)
        {
            case DeviceAction.PowerOn or DeviceAction.PowerOff:
                await camera.PowerAsync(action == DeviceAction.PowerOn, cancellationToken).ConfigureAwait(false);
                break;
            case DeviceAction.RecallPreset:
                var preset = ParseNumber(argument, "preset");
                await camera.RecallPresetAsync(preset, cancellationToken).ConfigureAwait(false);
                _preset = preset;
                break;
            case DeviceAction.StorePreset:
                await camera.StorePresetAsync(ParseNumber(argument, "preset"), cancellationToken).ConfigureAwait(false);
                break;
            case DeviceAction.Home:
                await camera.HomeAsync(cancellationToken).ConfigureAwait(false);
                _preset = null;
                break;
            case DeviceAction.PanTilt:
                var direction = Enum.TryParse<PanTiltDirection>(argument, ignoreCase: true, out var d) ? d : throw new ArgumentException($"'{argument}' is not a pan/tilt direction");
                await camera.PanTiltAsync(direction, cancellationToken).ConfigureAwait(false);
                await camera.PanTiltAsync(PanTiltDirection.Stop, cancellationToken).ConfigureAwait(false);
                _preset = null;
                break;
            case DeviceAction.Zoom:
                var zoom = argument?.ToLowerInvariant() switch { "in" or "tele" => ZoomDirection.Tele, "out" or "wide" => ZoomDirection.Wide, _ => throw new ArgumentException($"'{argument}' is not a zoom direction (in, out)") };
                await camera.ZoomAsync(zoom, cancellationToken).ConfigureAwait(false);
                await camera.ZoomAsync(ZoomDirection.Stop, cancellationToken).ConfigureAwait(false);
                _preset = null;
                break;
            default:
                throw Unsupported(action);
        }
    }

    protected override async Task<DeviceState> QueryAsync(CancellationToken cancellationToken)
    {
        var camera = await CameraAsync(cancellationToken).ConfigureAwait(false);
        var on = await camera.IsPoweredAsync(cancellationToken).ConfigureAwait(false);
        return State(power: on ? "on" : "standby", preset: _preset);
    }

    public override async ValueTask DisposeAsync()
    {
        if (_camera is not null)
        {
            await _camera.DisposeAsync().ConfigureAwait(false);
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }
}

internal sealed class ProjectorDevice(DeviceSettings settings, TimeProvider time) : RoomDevice(settings, time)
{
    private PjLinkClient? _client;

    private async Task<PjLinkClient> ClientAsync(CancellationToken cancellationToken)
    {
        try
        {
            return _client ??= new PjLinkClient(await Settings.EndPointAsync(PjLinkProtocol.DefaultPort, cancellationToken).ConfigureAwait(false), Settings.Password, Settings.Timeout);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new DeviceException(DeviceFailure.Unreachable, $"cannot resolve {Settings.Address}: {e.Message}", e);
        }
    }

    protected override async Task ExecuteAsync(DeviceAction action, string? argument, CancellationToken cancellationToken)
    {
        var client = await ClientAsync(cancellationToken).ConfigureAwait(false);
        switch (action)
        {
            case DeviceAction.PowerOn or DeviceAction.PowerOff:
                await client.SetPowerAsync(action == DeviceAction.PowerOn, cancellationToken).ConfigureAwait(false);
                break;
            case DeviceAction.SetInput:
                await client.SetInputAsync(argument ?? Settings.ConferenceInput ?? throw new ArgumentException("no input given and no conference input configured"), cancellationToken).ConfigureAwait(false);
                break;
            case DeviceAction.AvMute or DeviceAction.AvUnmute:
                await client.SetAvMuteAsync(action == DeviceAction.AvMute, cancellationToken).ConfigureAwait(false);
                break;
            default:
                throw Unsupported(action);
        }
    }

    protected override async Task<DeviceState> QueryAsync(CancellationToken cancellationToken)
    {
        var status = await (await ClientAsync(cancellationToken).ConfigureAwait(false)).GetStatusAsync(cancellationToken).ConfigureAwait(false);
        var power = status.Power switch
        {
            PjLinkPower.On => "on",
            PjLinkPower.Off => "standby",
            PjLinkPower.Cooling => "cooling",
            _ => "warming",
        };
        return State(power: power, input: status.Input, muted: status.AvMute is null ? null : status.AvMute is "11" or "21" or "31",
            errorStatus: status.Errors?.ToString(), lampHours: status.Lamps.Count > 0 ? status.Lamps.Max(l => l.Hours) : null);
    }
}

internal sealed class CecDisplayDevice(DeviceSettings settings, TimeProvider time) : RoomDevice(settings, time)
{
    private readonly CecClient _cec = new(settings.CecExecutable ?? CecClient.DefaultExecutable,
        int.TryParse(settings.Address, out var a) ? a : 0, settings.Timeout);

    protected override Task ExecuteAsync(DeviceAction action, string? argument, CancellationToken cancellationToken) => action switch
    {
        DeviceAction.PowerOn => _cec.PowerOnAsync(cancellationToken),
        DeviceAction.PowerOff => _cec.StandbyAsync(cancellationToken),
        // CEC has no input selection by code: becoming the active source brings the TV to our HDMI port.
        DeviceAction.ActiveSource or DeviceAction.SetInput => _cec.ActiveSourceAsync(cancellationToken),
        _ => throw Unsupported(action),
    };

    protected override async Task<DeviceState> QueryAsync(CancellationToken cancellationToken)
    {
        var power = await _cec.GetPowerAsync(cancellationToken).ConfigureAwait(false);
        return State(power: power switch
        {
            CecPower.On => "on",
            CecPower.Standby => "standby",
            CecPower.TransitionToOn => "warming",
            CecPower.TransitionToStandby => "cooling",
            _ => "unknown",
        });
    }
}
