using System.Net;

namespace Conferencing.Server.Endpoints.Presence;

/// <summary>
/// Decides which malformed-message reports become a log line: the first from an address, then at most
/// one per interval, each line saying how many were left out since the last. A flood of garbage (or a
/// scanner) thus costs one line a minute per address instead of one per packet. At most
/// <see cref="MaxSources"/> addresses are remembered; the one heard from longest ago is forgotten first.
/// </summary>
internal sealed class MalformedLogLimiter(TimeSpan interval, int maxSources = MalformedLogLimiter.MaxSources)
{
    /// <summary>The default number of addresses remembered.</summary>
    public const int MaxSources = 4096;

    private readonly Dictionary<IPAddress, LinkedListNode<Entry>> _entries = [];
    private readonly LinkedList<Entry> _order = new();
    private long _suppressed;

    /// <summary>Reports not logged so far, in total.</summary>
    public long Suppressed => Interlocked.Read(ref _suppressed);

    /// <summary>True when this report is to be logged, with how many from the address were left out before it.</summary>
    public bool ShouldLog(IPAddress source, DateTimeOffset now, out long leftOut)
    {
        lock (_entries)
        {
            if (_entries.TryGetValue(source, out var node))
            {
                _order.Remove(node);
                _order.AddLast(node);
                var entry = node.Value;
                if (now - entry.LastLogged < interval)
                {
                    entry.LeftOut++;
                    Interlocked.Increment(ref _suppressed);
                    leftOut = 0;
                    return false;
                }

                leftOut = entry.LeftOut;
                entry.LeftOut = 0;
                entry.LastLogged = now;
                return true;
            }

            if (_entries.Count >= maxSources)
            {
                _entries.Remove(_order.First!.Value.Source);
                _order.RemoveFirst();
            }

            _entries[source] = _order.AddLast(new Entry(source) { LastLogged = now });
            leftOut = 0;
            return true;
        }
    }

    private sealed class Entry(IPAddress source)
    {
        public IPAddress Source { get; } = source;

        public DateTimeOffset LastLogged { get; set; }

        public long LeftOut { get; set; }
    }
}
