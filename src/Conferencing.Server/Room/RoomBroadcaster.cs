using Conferencing.Server.Meetings;
using Microsoft.AspNetCore.SignalR;

namespace Conferencing.Server.Room;

/// <summary>
/// Pushes committed room changes to the meeting's group on the room hub: full state each time
/// (idempotent), read back from the services after the save. Meeting changes (start, end, the
/// floor) go out too, so phones show who speaks.
/// </summary>
public sealed partial class RoomBroadcaster(RoomFeed feed, MeetingEvents meetingEvents, RoomDirectory directory, PresenterService presenter, VotingService voting,
    IHubContext<RoomHub, IRoomClient> hub, ILogger<RoomBroadcaster> logger) : IHostedService
{
    private IDisposable? _room;
    private IDisposable? _meetings;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _room = feed.Subscribe(OnRoomChangeAsync);
        _meetings = meetingEvents.Subscribe(OnMeetingChangedAsync);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _room?.Dispose();
        _meetings?.Dispose();
        return Task.CompletedTask;
    }

    private async Task OnRoomChangeAsync(RoomChange change, CancellationToken cancellationToken)
    {
        var group = hub.Clients.Group(RoomGroups.Room(change.MeetingId));
        switch (change.Kind)
        {
            case RoomChangeKind.Presenter:
                await group.Presenter(await presenter.GetAsync(change.MeetingId, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
                break;
            case RoomChangeKind.Documents:
                await group.Documents(await directory.DocumentsAsync(change.MeetingId, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
                break;
            case RoomChangeKind.Speaking:
                await group.Speaking(await directory.SpeakingAsync(change.MeetingId, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
                break;
            case RoomChangeKind.Polls:
                await group.Polls(await voting.ListAsync(change.MeetingId, withBallots: false, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
                break;
        }

        Log.Pushed(logger, change.Kind, change.MeetingId);
    }

    private async Task OnMeetingChangedAsync(MeetingChanged change, CancellationToken cancellationToken)
    {
        var room = await directory.ToRoomAsync(change.Meeting, cancellationToken).ConfigureAwait(false);
        await hub.Clients.Group(RoomGroups.Room(change.Meeting.Id)).Meeting(room).ConfigureAwait(false);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 9102, Level = LogLevel.Debug, Message = "Pushed {Kind} of meeting {MeetingId} to its room")]
        public static partial void Pushed(ILogger logger, RoomChangeKind kind, Guid meetingId);
    }
}
