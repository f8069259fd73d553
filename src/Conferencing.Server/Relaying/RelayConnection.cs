using Conferencing.Relay;

namespace Conferencing.Server.Relaying;

/// <summary>
/// The server's line to one relay: its control interface, its event stream, and for a standalone
/// relay a liveness probe. The stream of a remote relay reconnects by itself with a backoff of up
/// to 10 s; the probe (every <see cref="RelayingOptions.ProbeInterval"/>) notices a relay that died
/// and, the moment it answers again, restarts the stream, whose first event is a fresh snapshot.
/// That is what makes a restarted relay get its legs back within seconds.
/// </summary>
internal sealed partial class RelayConnection : IAsyncDisposable
{
    /// <summary>Wait before a refused (401) stream is tried again, in case the key was fixed at the relay.</summary>
    public static readonly TimeSpan UnauthorizedRetry = TimeSpan.FromSeconds(10);

    private readonly Action<RelayConnection, RelayEvent> _onEvent;
    private readonly Action<RelayConnection, RelayHealth, string?> _onHealth;
    private readonly HttpClient? _probeClient;
    private readonly IDisposable? _ownedHttp;
    private readonly TimeSpan _probeInterval;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private CancellationTokenSource _watch = new();
    private Task? _watchLoop;
    private Task? _probeLoop;

    public RelayConnection(
        string key, string name, IRelayControl control, int generation, HttpClient? remote, HttpMessageHandler? probeHandler, TimeSpan probeInterval,
        Action<RelayConnection, RelayEvent> onEvent, Action<RelayConnection, RelayHealth, string?> onHealth, ILogger logger)
    {
        Key = key;
        Name = name;
        Control = control;
        Generation = generation;
        _ownedHttp = remote;
        if (remote is not null)
        {
            // The probe trusts the relay's certificate exactly as the commands do.
            _probeClient = new HttpClient(probeHandler ?? new SocketsHttpHandler(), disposeHandler: true)
            {
                BaseAddress = remote.BaseAddress,
                Timeout = TimeSpan.FromSeconds(Math.Max(1, probeInterval.TotalSeconds * 2)),
            };
        }

        _probeInterval = probeInterval;
        _onEvent = onEvent;
        _onHealth = onHealth;
        _logger = logger;
    }

    public string Key { get; }

    public string Name { get; }

    public IRelayControl Control { get; }

    /// <summary>Tells this connection's events from those of an earlier one to the same relay.</summary>
    public int Generation { get; }

    public bool IsRemote => _probeClient is not null;

    public void Start()
    {
        _watchLoop = Task.Run(WatchLoopAsync);
        if (_probeClient is not null)
        {
            _probeLoop = Task.Run(ProbeLoopAsync);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _watch.CancelAsync().ConfigureAwait(false);
        foreach (var loop in new[] { _watchLoop, _probeLoop })
        {
            if (loop is not null)
            {
                await loop.ConfigureAwait(false);
            }
        }

        _probeClient?.Dispose();
        _ownedHttp?.Dispose();
        _watch.Dispose();
        _stop.Dispose();
    }

    private async Task WatchLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var watch = Volatile.Read(ref _watch);
            try
            {
                await foreach (var relayEvent in Control.WatchAsync(watch.Token).ConfigureAwait(false))
                {
                    if (relayEvent is SnapshotEvent)
                    {
                        _onHealth(this, RelayHealth.Up, null);
                    }

                    _onEvent(this, relayEvent);
                }

                // A remote stream ends only when cancelled; an in-process one when the node stops.
                await DelayAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested || watch.IsCancellationRequested)
            {
                // Stopped, or restarted by the probe: go round for a new snapshot.
            }
            catch (RelayException e) when (e.Kind == RelayErrorKind.Unauthorized)
            {
                Log.Refused(_logger, Name, e.Message);
                _onHealth(this, RelayHealth.Unauthorized, e.Message);
                await DelayAsync(UnauthorizedRetry).ConfigureAwait(false);
            }
            catch (Exception e) when (!_stop.IsCancellationRequested)
            {
                // Any failure, even one nobody foresaw, leaves the relay Down and the loop watching
                // for it: a loop that died here would never hear this relay again.
                Log.WatchFailed(_logger, Name, e.Message);
                _onHealth(this, RelayHealth.Down, e.Message);
                await DelayAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            }
        }
    }

    private async Task ProbeLoopAsync()
    {
        var wasUp = true;
        using var timer = new PeriodicTimer(_probeInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                bool up;
                string? error = null;
                try
                {
                    using var response = await _probeClient!.GetAsync(new Uri("health", UriKind.Relative), _stop.Token).ConfigureAwait(false);
                    up = response.IsSuccessStatusCode;
                    error = up ? null : $"health answered {(int)response.StatusCode}";
                }
                catch (Exception e) when (!_stop.IsCancellationRequested)
                {
                    up = false;
                    error = e.Message;
                }

                if (!up && wasUp)
                {
                    Log.Down(_logger, Name, error ?? "");
                    _onHealth(this, RelayHealth.Down, error);
                }
                else if (up && !wasUp)
                {
                    // Back: a new stream starts at once with a snapshot, rather than when its backoff ends.
                    Log.Back(_logger, Name);
                    // The old source is left to the collector: the watch loop may still be reading its token.
                    var old = Interlocked.Exchange(ref _watch, new CancellationTokenSource());
                    await old.CancelAsync().ConfigureAwait(false);
                }

                wasUp = up;
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task DelayAsync(TimeSpan delay)
    {
        try
        {
            using var either = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, Volatile.Read(ref _watch).Token);
            await Task.Delay(delay, either.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 11101, Level = LogLevel.Error, Message = "Relay {Relay} refuses the server's key: {Reason}")]
        public static partial void Refused(ILogger logger, string relay, string reason);

        [LoggerMessage(EventId = 11102, Level = LogLevel.Warning, Message = "Event stream of relay {Relay} failed: {Reason}")]
        public static partial void WatchFailed(ILogger logger, string relay, string reason);

        [LoggerMessage(EventId = 11103, Level = LogLevel.Warning, Message = "Relay {Relay} does not answer: {Reason}")]
        public static partial void Down(ILogger logger, string relay, string reason);

        [LoggerMessage(EventId = 11104, Level = LogLevel.Information, Message = "Relay {Relay} answers again; reading its state afresh")]
        public static partial void Back(ILogger logger, string relay);
    }
}
