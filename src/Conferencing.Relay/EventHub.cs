using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Conferencing.Relay;

/// <summary>
/// Fans relay events out to watchers. A watcher gets a snapshot first, taken under the same lock
/// that publishing takes, so nothing falls between the snapshot and the stream. A watcher too slow
/// to keep up is cut off rather than slowing the relay; it reconnects and gets a new snapshot.
/// </summary>
internal sealed class EventHub
{
    /// <summary>Events a watcher may fall behind by before it is cut off.</summary>
    public const int Capacity = 10_000;

    private readonly Lock _lock = new();
    private readonly List<Channel<RelayEvent>> _watchers = [];

    public int WatcherCount
    {
        get
        {
            lock (_lock)
            {
                return _watchers.Count;
            }
        }
    }

    public void Publish(RelayEvent relayEvent)
    {
        lock (_lock)
        {
            for (int i = _watchers.Count - 1; i >= 0; i--)
            {
                if (!_watchers[i].Writer.TryWrite(relayEvent))
                {
                    _watchers[i].Writer.TryComplete(new RelayException(RelayErrorKind.Unavailable, "relay.watch-overflow", "The watcher fell too far behind; reconnect for a new snapshot."));
                    _watchers.RemoveAt(i);
                }
            }
        }
    }

    public async IAsyncEnumerable<RelayEvent> WatchAsync(Func<RelayEvent> snapshot, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<RelayEvent>(new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        lock (_lock)
        {
            channel.Writer.TryWrite(snapshot());
            _watchers.Add(channel);
        }

        try
        {
            await foreach (RelayEvent relayEvent in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return relayEvent;
            }
        }
        finally
        {
            lock (_lock)
            {
                _watchers.Remove(channel);
            }
        }
    }

    /// <summary>Ends every watch (node shutdown).</summary>
    public void CompleteAll()
    {
        lock (_lock)
        {
            foreach (Channel<RelayEvent> watcher in _watchers)
            {
                watcher.Writer.TryComplete();
            }

            _watchers.Clear();
        }
    }
}
