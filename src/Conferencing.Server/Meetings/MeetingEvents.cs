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
/// Listeners run one after another, in subscription order; one that throws is logged and the rest
/// still run. A listener should be quick: the command that made the change waits for it.
/// </summary>
public sealed partial class MeetingEvents(ILogger<MeetingEvents> logger)
{
    private readonly Lock _gate = new();
    private Func<MeetingChanged, CancellationToken, Task>[] _listeners = [];

    /// <summary>Adds a listener; dispose the result to remove it.</summary>
    public IDisposable Subscribe(Func<MeetingChanged, CancellationToken, Task> listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        lock (_gate)
        {
            _listeners = [.. _listeners, listener];
        }

        return new Subscription(this, listener);
    }

    internal async Task PublishAsync(MeetingChanged change, CancellationToken cancellationToken)
    {
        foreach (var listener in Volatile.Read(ref _listeners))
        {
            try
            {
                await listener(change, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // The change is already saved; a failing listener must not turn it into an error
                // for the person who made it.
                Log.ListenerFailed(logger, e, change.Action, change.Meeting.Id);
            }
        }
    }

    private void Unsubscribe(Func<MeetingChanged, CancellationToken, Task> listener)
    {
        lock (_gate)
        {
            _listeners = [.. _listeners.Where(l => l != listener)];
        }
    }

    private sealed class Subscription(MeetingEvents owner, Func<MeetingChanged, CancellationToken, Task> listener) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Unsubscribe(listener);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 8001, Level = LogLevel.Error, Message = "A listener failed on {Action} of meeting {MeetingId}")]
        public static partial void ListenerFailed(ILogger logger, Exception exception, string action, Guid meetingId);
    }
}
