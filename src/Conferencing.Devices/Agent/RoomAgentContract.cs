namespace Conferencing.Devices.Agent;

public enum DeviceKind { Camera, Projector, Display }

public enum DeviceDriver
{
    /// <summary>Sony VISCA over IP on UDP (default port 52381).</summary>
    ViscaIp,
    /// <summary>Plain VISCA on a TCP port (PTZOptics style, usually 5678).</summary>
    ViscaTcp,
    /// <summary>Plain VISCA on an RS-232 port at 9600 8N1.</summary>
    ViscaSerial,
    /// <summary>PJLink class 1 on TCP 4352.</summary>
    PjLink,
    /// <summary>HDMI-CEC through cec-client.</summary>
    Cec,
}

public enum DeviceAction { PowerOn, PowerOff, RecallPreset, StorePreset, Home, PanTilt, Zoom, SetInput, AvMute, AvUnmute, ActiveSource, Refresh }

public enum CommandOutcome { Done, Unreachable, DeviceError, AuthenticationFailed, ProtocolError, Unsupported, UnknownDevice, BadArgument, Timeout }

/// <summary>The camera presets every room stores the same way, so the server can name them (Toàn cảnh, Chủ tọa, Đại biểu phát biểu).</summary>
public static class CameraPresets
{
    public const int Wide = 1;
    public const int Chair = 2;
    public const int Speaker = 3;
}

/// <summary>A device as the agent reports it; <see cref="Id"/> is the agent configuration's name for it, unique per room.</summary>
public sealed record DeviceInfo(string Id, string Name, DeviceKind Kind, DeviceDriver Driver, string Address);

/// <summary>The last known state of a device; fields a driver cannot know stay null.</summary>
public sealed record DeviceState(
    string DeviceId,
    bool Reachable,
    string? Power,
    string? Input,
    bool? Muted,
    string? ErrorStatus,
    int? LampHours,
    int? Preset,
    string? Error,
    DateTimeOffset ObservedAt);

/// <summary>A command for one device. <see cref="Argument"/> is the preset number, input code, or direction name.</summary>
public sealed record DeviceCommand(Guid CommandId, string DeviceId, DeviceAction Action, string? Argument = null);

public sealed record DeviceCommandResult(Guid CommandId, CommandOutcome Outcome, string? Message, DeviceState? State)
{
    public bool Succeeded => Outcome == CommandOutcome.Done;
}

/// <summary>Everything the agent knows, sent after every (re)connect so the server can drop what it had.</summary>
public sealed record AgentSnapshot(string AgentVersion, IReadOnlyList<DeviceInfo> Devices, IReadOnlyList<DeviceState> States);

/// <summary>What the agent calls on the server.</summary>
public interface IRoomAgentHub
{
    /// <summary>Full resync: the devices and their states, replacing whatever the server held for this agent.</summary>
    Task Synchronize(AgentSnapshot snapshot);

    /// <summary>One device's state changed (a poll found something new).</summary>
    Task ReportState(DeviceState state);
}

/// <summary>What the server calls on the agent.</summary>
public interface IRoomAgentClient
{
    /// <summary>Runs a command and returns its outcome (a SignalR client result).</summary>
    Task<DeviceCommandResult> RunCommand(DeviceCommand command);

    /// <summary>Asks the agent to poll every device and send a fresh <see cref="IRoomAgentHub.Synchronize"/>.</summary>
    Task Resync();
}

public static class RoomAgentHubRoute
{
    /// <summary>Where the server maps the agent hub.</summary>
    public const string Path = "/hubs/room-agent";
}
