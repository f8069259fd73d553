using Conferencing.Server.Common;

namespace Conferencing.Server.Room;

/// <summary>What changed in a meeting's room; listeners reload that part and push it.</summary>
public enum RoomChangeKind
{
    Documents,
    Presenter,
    Speaking,
    Polls,
}

/// <summary>A committed change in a meeting's room.</summary>
public sealed record RoomChange(Guid MeetingId, RoomChangeKind Kind);

/// <summary>
/// In-process feed of committed room changes (documents, presenter, speaking queue, votes), the
/// room's counterpart of <see cref="Meetings.MeetingEvents"/>: the services that change things
/// publish here after the save, and the room hub and the chair's pages listen, so the services
/// depend on neither.
/// </summary>
public sealed partial class RoomFeed(ILogger<RoomFeed> logger) : ChangeFeed<RoomChange>
{
    protected override void OnListenerFailed(Exception exception, RoomChange change) =>
        Log.ListenerFailed(logger, exception, change.Kind, change.MeetingId);

    private static partial class Log
    {
        [LoggerMessage(EventId = 9101, Level = LogLevel.Error, Message = "A room listener failed on {Kind} of meeting {MeetingId}")]
        public static partial void ListenerFailed(ILogger logger, Exception exception, RoomChangeKind kind, Guid meetingId);
    }
}
