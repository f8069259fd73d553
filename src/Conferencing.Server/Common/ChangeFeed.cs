namespace Conferencing.Server.Common;

/// <summary>
/// An in-process feed of committed changes: the service that changed something publishes after its
/// save, and whatever reacts (hubs, pages, relay control) subscribes, so the service depends on none of
/// them. Listeners run one after another, in subscription order; one that throws is reported through
/// <see cref="OnListenerFailed"/> and the rest still run. A listener should be quick: the publisher
/// waits for it.
/// </summary>
/// <typeparam name="TChange">What a change says.</typeparam>
public abstract class ChangeFeed<TChange>
{
    private readonly Lock _gate = new();
    private Func<TChange, CancellationToken, Task>[] _listeners = [];

    /// <summary>Adds a listener; dispose the result to remove it.</summary>
    public IDisposable Subscribe(Func<TChange, CancellationToken, Task> listener)
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

    /// <summary>Runs every listener on <paramref name="change"/>.</summary>
    public async Task PublishAsync(TChange change, CancellationToken cancellationToken)
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
                // The change is already saved; a failing listener must not turn it into an error
                // for the person who made it.
                OnListenerFailed(e, change);
            }
        }
    }

    /// <summary>Reports a listener that threw (typically by logging it).</summary>
    protected abstract void OnListenerFailed(Exception exception, TChange change);

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
}
