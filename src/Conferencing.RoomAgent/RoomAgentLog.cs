namespace Conferencing.RoomAgent;

internal static partial class RoomAgentLog
{
    [LoggerMessage(EventId = 16000, Level = LogLevel.Information, Message = "Room agent connected to {Server} with {Devices} devices")]
    public static partial void Connected(ILogger logger, Uri server, int devices);

    [LoggerMessage(EventId = 16001, Level = LogLevel.Warning, Message = "Room agent could not connect to {Server}; next attempt in {Delay}")]
    public static partial void ConnectFailed(ILogger logger, Uri server, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 16002, Level = LogLevel.Error, Message = "The server refused this room's agent key (revoked or wrong); next attempt in {Delay}")]
    public static partial void KeyRefused(ILogger logger, TimeSpan delay);

    [LoggerMessage(EventId = 16003, Level = LogLevel.Warning, Message = "Room agent lost its connection; reconnecting")]
    public static partial void Reconnecting(ILogger logger, Exception? exception);

    [LoggerMessage(EventId = 16004, Level = LogLevel.Information, Message = "Room agent reconnected; sending its full state")]
    public static partial void Reconnected(ILogger logger);

    [LoggerMessage(EventId = 16005, Level = LogLevel.Information, Message = "Command {Action} on {Device}: {Outcome} {Detail}")]
    public static partial void CommandRan(ILogger logger, string device, string action, string outcome, string? detail);

    [LoggerMessage(EventId = 16006, Level = LogLevel.Warning, Message = "Could not send state to the server")]
    public static partial void ReportFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 16007, Level = LogLevel.Information, Message = "Device {Device} is now {Power} (reachable {Reachable}) {Error}")]
    public static partial void StateChanged(ILogger logger, string device, string? power, bool reachable, string? error);
}
