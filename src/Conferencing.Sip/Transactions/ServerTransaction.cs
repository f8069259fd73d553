namespace Conferencing.Sip.Transactions;

/// <summary>
/// The INVITE and non-INVITE server transactions of RFC 3261 17.2 with RFC 6026's Accepted state.
/// The transaction user sends responses through it; the transaction absorbs request retransmissions
/// by resending the last response, retransmits a non-2xx final to INVITE until the ACK (timer G) and
/// gives up after timer H. 2xx retransmission belongs to the UAS core (13.3.1.4), not to this machine.
/// </summary>
public sealed class ServerTransaction : IDisposable
{
    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly SipTimers _timers;
    private readonly Func<ReadOnlyMemory<byte>, ValueTask> _send;
    private ReadOnlyMemory<byte> _lastResponse;
    private ITimer? _retransmit;
    private ITimer? _timeout;
    private ITimer? _linger;
    private TimeSpan _interval;

    /// <summary>Creates the transaction for a request just received.</summary>
    public ServerTransaction(bool isInvite, bool reliable, TimeProvider time, SipTimers timers, Func<ReadOnlyMemory<byte>, ValueTask> send)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(timers);
        ArgumentNullException.ThrowIfNull(send);
        IsInvite = isInvite;
        Reliable = reliable;
        _time = time;
        _timers = timers;
        _send = send;
        State = isInvite ? TransactionState.Proceeding : TransactionState.Trying;
    }

    /// <summary>True for an INVITE transaction.</summary>
    public bool IsInvite { get; }

    /// <summary>True on a reliable transport.</summary>
    public bool Reliable { get; }

    /// <summary>The current state.</summary>
    public TransactionState State { get; private set; }

    /// <summary>The status code of the last response sent, 0 before any.</summary>
    public int LastStatusCode { get; private set; }

    /// <summary>Raised when a non-2xx final to INVITE was never acknowledged (timer H).</summary>
    public event Action? AckTimedOut;

    /// <summary>Raised once when the transaction reaches Terminated.</summary>
    public event Action? Terminated;

    /// <summary>Sends a response and moves the machine accordingly. Returns false if the state does not allow it.</summary>
    public bool SendResponse(int statusCode, ReadOnlyMemory<byte> response)
    {
        lock (_gate)
        {
            switch (State)
            {
                case TransactionState.Trying or TransactionState.Proceeding when statusCode < 200:
                    State = TransactionState.Proceeding;
                    break;

                case TransactionState.Proceeding when IsInvite && statusCode < 300:
                    State = TransactionState.Accepted;
                    _linger = _time.CreateTimer(_ => Terminate(), null, _timers.TransactionTimeout, Timeout.InfiniteTimeSpan);
                    break;

                case TransactionState.Proceeding when IsInvite:
                    State = TransactionState.Completed;
                    if (!Reliable)
                    {
                        _interval = _timers.T1;
                        _retransmit = _time.CreateTimer(_ => OnRetransmitTimer(), null, _interval, Timeout.InfiniteTimeSpan);
                    }

                    _timeout = _time.CreateTimer(_ => OnAckTimeout(), null, _timers.TransactionTimeout, Timeout.InfiniteTimeSpan);
                    break;

                case TransactionState.Trying or TransactionState.Proceeding:
                    State = TransactionState.Completed;
                    StartLinger(_timers.TimerJ(Reliable));
                    break;

                case TransactionState.Accepted when statusCode is >= 200 and < 300:
                    // The UAS core retransmits its 2xx through the Accepted state (RFC 6026 8.5).
                    break;

                default:
                    return false;
            }

            LastStatusCode = statusCode;
            _lastResponse = response;
        }

        _ = SendAsync(response);
        return true;
    }

    /// <summary>
    /// A retransmission of the request arrived: resend the last response if there is one
    /// (17.2.1, 17.2.2). Returns true when something was resent.
    /// </summary>
    public bool OnRequestRetransmission()
    {
        ReadOnlyMemory<byte> resend;
        lock (_gate)
        {
            if (State is TransactionState.Trying or TransactionState.Terminated or TransactionState.Confirmed or TransactionState.Accepted || _lastResponse.IsEmpty)
            {
                return false;
            }

            resend = _lastResponse;
        }

        _ = SendAsync(resend);
        return true;
    }

    /// <summary>
    /// An ACK matched this INVITE transaction. Returns true when the ACK belongs to the TU (the ACK of
    /// a 2xx in the Accepted state); false when the transaction absorbed it.
    /// </summary>
    public bool OnAck()
    {
        lock (_gate)
        {
            switch (State)
            {
                case TransactionState.Completed:
                    State = TransactionState.Confirmed;
                    Stop(ref _retransmit);
                    Stop(ref _timeout);
                    StartLinger(_timers.WaitT4(Reliable));
                    return false;
                case TransactionState.Accepted:
                    return true;
                default:
                    return false;
            }
        }
    }

    /// <summary>Stops every timer, e.g. when the stack shuts down.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            Stop(ref _retransmit);
            Stop(ref _timeout);
            Stop(ref _linger);
        }
    }

    private void OnRetransmitTimer()
    {
        ReadOnlyMemory<byte> resend;
        lock (_gate)
        {
            if (State != TransactionState.Completed || _retransmit is null)
            {
                return;
            }

            _interval = _timers.Backoff(_interval);
            _retransmit.Change(_interval, Timeout.InfiniteTimeSpan);
            resend = _lastResponse;
        }

        _ = SendAsync(resend);
    }

    private void OnAckTimeout()
    {
        lock (_gate)
        {
            if (State != TransactionState.Completed)
            {
                return;
            }
        }

        if (Terminate())
        {
            AckTimedOut?.Invoke();
        }
    }

    private void StartLinger(TimeSpan wait)
    {
        if (wait == TimeSpan.Zero)
        {
            State = TransactionState.Terminated;
            ThreadPool.UnsafeQueueUserWorkItem(_ => Terminated?.Invoke(), null);
            return;
        }

        _linger = _time.CreateTimer(_ => Terminate(), null, wait, Timeout.InfiniteTimeSpan);
    }

    private bool Terminate()
    {
        lock (_gate)
        {
            if (State == TransactionState.Terminated)
            {
                return false;
            }

            State = TransactionState.Terminated;
            Stop(ref _retransmit);
            Stop(ref _timeout);
            Stop(ref _linger);
        }

        Terminated?.Invoke();
        return true;
    }

    private async Task SendAsync(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            await _send(bytes).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A failed response send is 17.2.4's business: the TU learns through timeouts; nothing to throw to.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private static void Stop(ref ITimer? timer)
    {
        timer?.Dispose();
        timer = null;
    }
}
