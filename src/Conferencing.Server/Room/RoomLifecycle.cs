using Conferencing.Server.Meetings;

namespace Conferencing.Server.Room;

/// <summary>
/// What the end of a meeting means for its room: an open vote closes (its result kept as counted),
/// and requests to speak still waiting lapse. Listens on <see cref="MeetingEvents"/>, so the meeting
/// service knows nothing of rooms.
/// </summary>
public sealed partial class RoomLifecycle(MeetingEvents events, VotingService voting, SpeakingService speaking, ILogger<RoomLifecycle> logger) : IHostedService
{
    public const string Actor = "system:meeting-ended";

    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = events.Subscribe(OnChangedAsync);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }

    private async Task OnChangedAsync(MeetingChanged change, CancellationToken cancellationToken)
    {
        if (change.Action != "meeting.ended")
        {
            return;
        }

        var meetingId = change.Meeting.Id;
        foreach (var poll in await voting.ListAsync(meetingId, withBallots: false, cancellationToken).ConfigureAwait(false))
        {
            if (poll.Status == PollStatus.Open)
            {
                await voting.CloseAsync(poll.Id, Actor, cancellationToken).ConfigureAwait(false);
            }
        }

        var lapsed = await speaking.LapseAsync(meetingId, Actor, cancellationToken).ConfigureAwait(false);
        Log.Ended(logger, meetingId, lapsed);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 9105, Level = LogLevel.Information, Message = "Meeting {MeetingId} ended: open votes closed, {Lapsed} requests to speak lapsed")]
        public static partial void Ended(ILogger logger, Guid meetingId, int lapsed);
    }
}
