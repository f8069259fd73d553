namespace Conferencing.Relay.Tests.Infrastructure;

/// <summary>Records a relay's event stream for a test to wait on.</summary>
internal sealed class EventLog : IAsyncDisposable
{
    private readonly List<RelayEvent> _events = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;

    private EventLog(IRelayControl relay)
    {
        _pump = Task.Run(async () =>
        {
            try
            {
                await foreach (RelayEvent e in relay.WatchAsync(_stop.Token))
                {
                    lock (_events)
                    {
                        _events.Add(e);
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    public static EventLog Start(IRelayControl relay) => new(relay);

    public List<RelayEvent> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    public async Task<T> WaitFor<T>(Func<T, bool> predicate, string what, TimeSpan? timeout = null)
        where T : RelayEvent
    {
        T? found = null;
        await TaskTimeouts.Until(() => (found = Events.OfType<T>().FirstOrDefault(predicate)) is not null, what + "; events so far: " + string.Join("; ", Events.Where(e => e is not StatisticsEvent).Select(e => e.ToString())), timeout);
        return found!;
    }

    public Task<LegEvent> WaitForLeg(string legId, LegEventKind kind, TimeSpan? timeout = null) =>
        WaitFor<LegEvent>(e => e.LegId == legId && e.Kind == kind, $"leg {legId} {kind}", timeout);

    public Task<StatisticsEvent> WaitForStatistics(Func<StatisticsEvent, bool> predicate, string what) => WaitFor(predicate, what);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _pump;
        _stop.Dispose();
    }
}
