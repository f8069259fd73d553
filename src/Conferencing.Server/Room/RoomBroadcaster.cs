using System.Threading.Channels;
using Conferencing.Server.Hosting.Supervision;
using Conferencing.Server.Meetings;
using Microsoft.AspNetCore.SignalR;

namespace Conferencing.Server.Room;

/// <summary>
/// Pushes committed room changes to the meeting's group on the room hub: full state each time
/// (idempotent), read back from the services after the save. Meeting changes (start, end, the
/// floor) go out too, so phones show who speaks.
/// <para>
/// The push runs on its own loop, not in the command that made the change: the chair's click must
/// not wait for a thousand TVs, some on weak links. Because every message is full state, changes
/// that pile up while a push is going out are coalesced: per meeting and kind only the latest is sent.
/// </para>
/// </summary>
public sealed partial class RoomBroadcaster(RoomFeed feed, MeetingEvents meetingEvents, RoomDirectory directory, PresenterService presenter, VotingService voting,
    IHubContext<RoomHub, IRoomClient> hub, LoopSupervisor supervisor, ILogger<RoomBroadcaster> logger) : SupervisedService(supervisor, Loop)
{
    /// <summary>The push loop's name under the supervisor.</summary>
    public const string Loop = "room.push";

    private readonly Channel<(Guid MeetingId, RoomChangeKind? Kind)> _changes = Channel.CreateUnbounded<(Guid, RoomChangeKind?)>(new UnboundedChannelOptions { SingleReader = true });

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        using var room = feed.Subscribe((change, _) => Enqueue(change.MeetingId, change.Kind));
        // A null kind stands for the meeting itself.
        using var meetings = meetingEvents.Subscribe((change, _) => Enqueue(change.Meeting.Id, null));
        var pending = new List<(Guid MeetingId, RoomChangeKind? Kind)>();
        try
        {
            while (await _changes.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                Beat();
                pending.Clear();
                while (_changes.Reader.TryRead(out var change))
                {
                    if (!pending.Contains(change))
                    {
                        pending.Add(change);
                    }
                }

                foreach (var (meetingId, kind) in pending)
                {
                    try
                    {
                        await PushAsync(meetingId, kind, stoppingToken).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                    {
                        // The state is saved; the next change or a client's rejoin brings it across.
                        Supervisor.Skipped(Loop, $"{kind?.ToString() ?? "Meeting"} of meeting {meetingId}", e);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private Task Enqueue(Guid meetingId, RoomChangeKind? kind)
    {
        _changes.Writer.TryWrite((meetingId, kind));
        return Task.CompletedTask;
    }

    private async Task PushAsync(Guid meetingId, RoomChangeKind? kind, CancellationToken cancellationToken)
    {
        var group = hub.Clients.Group(RoomGroups.Room(meetingId));
        switch (kind)
        {
            case RoomChangeKind.Presenter:
                await group.Presenter(await presenter.GetAsync(meetingId, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
                break;
            case RoomChangeKind.Documents:
                await group.Documents(await directory.DocumentsAsync(meetingId, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
                break;
            case RoomChangeKind.Speaking:
                await group.Speaking(await directory.SpeakingAsync(meetingId, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
                break;
            case RoomChangeKind.Polls:
                await group.Polls([.. (await voting.ListAsync(meetingId, withBallots: false, cancellationToken).ConfigureAwait(false)).Select(p => p.ForRoom())]).ConfigureAwait(false);
                break;
            case null:
                if (await directory.MeetingAsync(meetingId, cancellationToken).ConfigureAwait(false) is { } meeting)
                {
                    await group.Meeting(meeting).ConfigureAwait(false);
                }

                break;
        }

        Log.Pushed(logger, kind?.ToString() ?? "Meeting", meetingId);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 9102, Level = LogLevel.Debug, Message = "Pushed {Kind} of meeting {MeetingId} to its room")]
        public static partial void Pushed(ILogger logger, string kind, Guid meetingId);
    }
}
