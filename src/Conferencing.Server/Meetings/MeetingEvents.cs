using Conferencing.Server.Common;

namespace Conferencing.Server.Meetings;

/// <summary>A change to a meeting, published once it is committed to the store.</summary>
/// <param name="Meeting">The meeting as saved. Listeners read it; they never change it.</param>
/// <param name="Action">The audit action: <c>meeting.scheduled</c>, <c>meeting.started</c>, <c>meeting.floor</c>, …</param>
/// <param name="Actor">Who did it.</param>
public sealed record MeetingChanged(Meeting Meeting, string Action, string Actor);

/// <summary>
/// In-process feed of committed meeting changes. Whatever acts on a meeting outside the store (the
/// relay control, the room hub, live pages) subscribes here instead of being called by the meeting
/// service, so the service depends on none of them and events never go out before the state is saved.
/// The meeting service publishes under the meeting's lock, so one meeting's changes arrive in commit order.
/// </summary>
public sealed partial class MeetingEvents(ILogger<MeetingEvents> logger) : ChangeFeed<MeetingChanged>
{
    protected override void OnListenerFailed(Exception exception, MeetingChanged change) =>
        Log.ListenerFailed(logger, exception, change.Action, change.Meeting.Id);

    private static partial class Log
    {
        [LoggerMessage(EventId = 8001, Level = LogLevel.Error, Message = "A listener failed on {Action} of meeting {MeetingId}")]
        public static partial void ListenerFailed(ILogger logger, Exception exception, string action, Guid meetingId);
    }
}
