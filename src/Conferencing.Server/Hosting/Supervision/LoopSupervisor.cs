using System.Collections.Concurrent;

namespace Conferencing.Server.Hosting.Supervision;

/// <summary>What the supervisor knows of one loop, for <c>/health</c> and the tests.</summary>
/// <param name="Name">The loop's name (<c>presence</c>, <c>conductor</c>, <c>conductor.writes</c>…).</param>
/// <param name="Running">True while the loop's body runs; false while it waits to be restarted, or after it ended.</param>
/// <param name="Restarts">How many times the body failed and was started again.</param>
/// <param name="LastBeatUtc">When the loop last went round.</param>
/// <param name="LastError">The last failure's type and message, or null.</param>
/// <param name="SkippedItems">Inputs that failed on their own and were skipped (logged once each).</param>
public sealed record LoopStatus(string Name, bool Running, int Restarts, DateTimeOffset? LastBeatUtc, string? LastError, long SkippedItems);

/// <summary>
/// Keeps every long-running loop of the server alive. A loop's body that throws is logged and
/// started again after a delay that doubles from <see cref="FirstBackoff"/> up to
/// <see cref="MaxBackoff"/> (reset once the body has run <see cref="StableAfter"/>), so a bug or a
/// poisoned store row costs that loop a restart, never the host and every live meeting with it.
/// An input that fails on its own is reported with <see cref="Skipped"/>: logged once per
/// <see cref="RepeatLogInterval"/> however often it recurs, counted, and skipped by the caller.
/// <para>
/// <see cref="Beat"/> marks a loop's round; it is also where a test injects a fault
/// (<see cref="InjectFault"/>), so the restart path is exercised by the real loops, not a copy.
/// </para>
/// </summary>
public sealed partial class LoopSupervisor(TimeProvider time, ILogger<LoopSupervisor> logger, IRoleGate? gate = null)
{
    /// <summary>Where loops with a cluster role wait for it; null runs every loop (the supervisor's own tests).</summary>
    public IRoleGate? Gate => gate;

    /// <summary>The first delay before a failed loop is started again: 1 s.</summary>
    public static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);

    /// <summary>The longest delay between restarts: 60 s.</summary>
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(60);

    /// <summary>A body that ran this long before failing starts again after <see cref="FirstBackoff"/>: 60 s.</summary>
    public static readonly TimeSpan StableAfter = TimeSpan.FromSeconds(60);

    /// <summary>How often the same failure of the same input is logged again: 5 minutes.</summary>
    public static readonly TimeSpan RepeatLogInterval = TimeSpan.FromMinutes(5);

    /// <summary>At most this many distinct failing inputs are remembered for log suppression: 1,024.</summary>
    public const int MaxRememberedFailures = 1024;

    private readonly ConcurrentDictionary<string, LoopState> _loops = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Exception> _faults = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Loop, string Item, string Error), FailureLog> _failures = new();

    /// <summary>Every loop that has run, by name.</summary>
    public IReadOnlyList<LoopStatus> Statuses =>
        [.. _loops.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Value.Status(l.Key))];

    /// <summary>One loop's status, or null if it never ran.</summary>
    public LoopStatus? StatusOf(string loop) => _loops.TryGetValue(loop, out var state) ? state.Status(loop) : null;

    /// <summary>
    /// Runs <paramref name="body"/> until it returns or <paramref name="stoppingToken"/> is cancelled,
    /// starting it again after every failure. The body must be safe to start again: it subscribes in a
    /// <c>using</c> and sets up what it needs each time.
    /// </summary>
    public async Task RunAsync(string loop, Func<CancellationToken, Task> body, CancellationToken stoppingToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(loop);
        ArgumentNullException.ThrowIfNull(body);
        var state = _loops.GetOrAdd(loop, _ => new LoopState());
        var backoff = FirstBackoff;
        while (!stoppingToken.IsCancellationRequested)
        {
            var started = time.GetTimestamp();
            state.Running = true;
            try
            {
                await body(stoppingToken).ConfigureAwait(false);
                state.Running = false;
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                state.Running = false;
                return;
            }
            catch (Exception e)
            {
                state.Running = false;
                state.LastError = $"{e.GetType().Name}: {e.Message}";
                Interlocked.Increment(ref state.Restarts);
                if (time.GetElapsedTime(started) >= StableAfter)
                {
                    backoff = FirstBackoff;
                }

                Log.LoopFailed(logger, e, loop, backoff.TotalSeconds);
            }

            try
            {
                await Task.Delay(backoff, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            Log.LoopRestarting(logger, loop, state.Restarts);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
        }
    }

    /// <summary>Marks one round of <paramref name="loop"/>; throws a fault a test injected for it.</summary>
    public void Beat(string loop)
    {
        var state = _loops.GetOrAdd(loop, _ => new LoopState());
        state.LastBeat = time.GetUtcNow();
        if (!_faults.IsEmpty && _faults.TryRemove(loop, out var fault))
        {
            throw fault;
        }
    }

    /// <summary>
    /// Makes the next <see cref="Beat"/> of <paramref name="loop"/> throw <paramref name="fault"/>, as
    /// a bug or a poisoned input would. For tests and drills; nothing in the server calls it.
    /// </summary>
    public void InjectFault(string loop, Exception fault)
    {
        ArgumentException.ThrowIfNullOrEmpty(loop);
        ArgumentNullException.ThrowIfNull(fault);
        _faults[loop] = fault;
    }

    /// <summary>
    /// Reports an input of <paramref name="loop"/> that failed on its own and is skipped. The first
    /// failure of an input (by <paramref name="item"/> and the exception's type and message) is logged
    /// as an error; the same failure again within <see cref="RepeatLogInterval"/> is only counted, and
    /// the next line says how many were not logged.
    /// </summary>
    public void Skipped(string loop, string item, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var state = _loops.GetOrAdd(loop, _ => new LoopState());
        Interlocked.Increment(ref state.Skipped);
        state.LastError = $"{exception.GetType().Name}: {exception.Message}";
        var now = time.GetUtcNow();
        if (_failures.Count >= MaxRememberedFailures)
        {
            foreach (var old in _failures.Where(f => now - f.Value.LoggedUtc >= RepeatLogInterval).Select(f => f.Key).ToList())
            {
                _failures.TryRemove(old, out _);
            }

            if (_failures.Count >= MaxRememberedFailures)
            {
                _failures.Clear();
            }
        }

        var key = (loop, item, $"{exception.GetType().FullName}: {exception.Message}");
        var log = _failures.GetOrAdd(key, _ => new FailureLog { LoggedUtc = DateTimeOffset.MinValue });
        lock (log)
        {
            if (now - log.LoggedUtc < RepeatLogInterval)
            {
                log.Suppressed++;
                return;
            }

            var suppressed = log.Suppressed;
            log.LoggedUtc = now;
            log.Suppressed = 0;
            Log.InputSkipped(logger, exception, loop, item, suppressed);
        }
    }

    private sealed class LoopState
    {
        public int Restarts;
        public long Skipped;

        public volatile bool Running;

        public DateTimeOffset? LastBeat { get; set; }

        public string? LastError { get; set; }

        public LoopStatus Status(string name) => new(name, Running, Volatile.Read(ref Restarts), LastBeat, LastError, Interlocked.Read(ref Skipped));
    }

    private sealed class FailureLog
    {
        public DateTimeOffset LoggedUtc { get; set; }

        public int Suppressed { get; set; }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 14001, Level = LogLevel.Critical, Message = "Loop {Loop} failed; starting it again in {BackoffSeconds} s")]
        public static partial void LoopFailed(ILogger logger, Exception exception, string loop, double backoffSeconds);

        [LoggerMessage(EventId = 14002, Level = LogLevel.Warning, Message = "Loop {Loop} started again (restart {Restarts})")]
        public static partial void LoopRestarting(ILogger logger, string loop, int restarts);

        [LoggerMessage(EventId = 14003, Level = LogLevel.Error, Message = "Loop {Loop} skipped {Item} after it failed ({Suppressed} more of the same not logged since the last line)")]
        public static partial void InputSkipped(ILogger logger, Exception exception, string loop, string item, int suppressed);
    }
}
