namespace Conferencing.Server.RoomControl;

internal static partial class RoomControlLog
{
    [LoggerMessage(EventId = 16100, Level = LogLevel.Information, Message = "Room agent {AgentId} of site {Site} connected")]
    public static partial void AgentConnected(ILogger logger, Guid agentId, string site);

    [LoggerMessage(EventId = 16101, Level = LogLevel.Information, Message = "Room agent {AgentId} of site {Site} disconnected {Reason}")]
    public static partial void AgentDisconnected(ILogger logger, Guid agentId, string site, string? reason);

    [LoggerMessage(EventId = 16102, Level = LogLevel.Debug, Message = "Room agent {AgentId} synchronized {Devices} devices")]
    public static partial void AgentSynchronized(ILogger logger, Guid agentId, int devices);

    [LoggerMessage(EventId = 16103, Level = LogLevel.Information, Message = "{Actor}: {Action} on {Site}/{Device}: {Outcome} {Detail}")]
    public static partial void CommandRan(ILogger logger, string actor, string action, string site, string device, string outcome, string? detail);

    [LoggerMessage(EventId = 16104, Level = LogLevel.Warning, Message = "Room agent key {AgentId} revoked by {Actor}; connection dropped: {Dropped}")]
    public static partial void AgentRevoked(ILogger logger, Guid agentId, string actor, bool dropped);

    [LoggerMessage(EventId = 16105, Level = LogLevel.Warning, Message = "Demo room devices for {Site} could not start")]
    public static partial void DemoDevicesFailed(ILogger logger, string site, Exception exception);

    [LoggerMessage(EventId = 16106, Level = LogLevel.Error, Message = "Room actions of meeting {MeetingId} failed")]
    public static partial void LifecycleFailed(ILogger logger, Guid meetingId, Exception exception);
}
