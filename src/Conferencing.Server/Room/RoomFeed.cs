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
/// depend on neither. A failing listener is logged and the others still run.
/// </summary>
public sealed partial class RoomFeed(ILogger<RoomFeed> logger)
{
    private readonly Lock _gate = new();
    private Func<RoomChange, CancellationToken, Task>[] _listeners = [];

    public IDisposable Subscribe(Func<RoomChange, CancellationToken, Task> listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        lock (_gate)
        {
            _listeners = [.. _listeners, listener];
        }

        return new Subscription(() =>
        {
            lock (_gate)
            {
                _listeners = [.. _listeners.Where(l => l != listener)];
            }
        });
    }

    public async Task PublishAsync(RoomChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        foreach (var listener in Volatile.Read(ref _listeners))
        {
            try
            {
                await listener(change, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Log.ListenerFailed(logger, e, change.Kind, change.MeetingId);
            }
        }
    }

    private sealed class Subscription(Action remove) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                remove();
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 9101, Level = LogLevel.Error, Message = "A room listener failed on {Kind} of meeting {MeetingId}")]
        public static partial void ListenerFailed(ILogger logger, Exception exception, RoomChangeKind kind, Guid meetingId);
    }
}
