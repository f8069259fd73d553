namespace Conferencing.Sip.Transactions;

/// <summary>What a client transaction tells the layer above it (the transaction user).</summary>
/// <typeparam name="TResponse">The parsed response type.</typeparam>
public interface IClientTransactionUser<in TResponse>
{
    /// <summary>A response arrived that the TU must see: provisional, final, and for INVITE every 2xx retransmission.</summary>
    void OnResponse(int statusCode, TResponse response);

    /// <summary>The transaction ended without a final response.</summary>
    void OnFailure(TransactionFailure failure);
}

/// <summary>
/// The INVITE and non-INVITE client transactions of RFC 3261 17.1 with RFC 6026's Accepted state,
/// as timer-driven state machines. They know bytes, not message syntax: what to retransmit, and for
/// INVITE how to build the ACK of a non-2xx, are given by the caller. Timers run on the injected
/// <see cref="TimeProvider"/> so tests can run them in simulated time.
/// </summary>
/// <typeparam name="TResponse">The parsed response type.</typeparam>
public sealed class ClientTransaction<TResponse> : IDisposable
{
    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly SipTimers _timers;
    private readonly Func<ReadOnlyMemory<byte>, ValueTask> _send;
    private readonly Func<TResponse, ReadOnlyMemory<byte>>? _buildAck;
    private readonly IClientTransactionUser<TResponse> _user;
    private readonly ReadOnlyMemory<byte> _request;
    private ReadOnlyMemory<byte> _ack;
    private ITimer? _retransmit;
    private ITimer? _timeout;
    private ITimer? _linger;
    private TimeSpan _interval;

    /// <summary>Creates the transaction; <see cref="Start"/> sends the request.</summary>
    /// <param name="isInvite">INVITE (17.1.1) or non-INVITE (17.1.2).</param>
    /// <param name="request">The request bytes, kept for retransmission.</param>
    /// <param name="reliable">True on TCP: no retransmissions, no lingering.</param>
    /// <param name="time">Clock for the timers.</param>
    /// <param name="timers">T1, T2, T4.</param>
    /// <param name="send">Sends bytes to the next hop.</param>
    /// <param name="buildAck">INVITE only: builds the ACK for a non-2xx final response (17.1.1.3).</param>
    /// <param name="user">Receives responses and failures.</param>
    public ClientTransaction(bool isInvite, ReadOnlyMemory<byte> request, bool reliable, TimeProvider time, SipTimers timers,
        Func<ReadOnlyMemory<byte>, ValueTask> send, Func<TResponse, ReadOnlyMemory<byte>>? buildAck, IClientTransactionUser<TResponse> user)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(timers);
        ArgumentNullException.ThrowIfNull(send);
        ArgumentNullException.ThrowIfNull(user);
        if (isInvite && buildAck is null)
        {
            throw new ArgumentException("An INVITE client transaction needs a way to build the ACK for non-2xx responses.", nameof(buildAck));
        }

        IsInvite = isInvite;
        Reliable = reliable;
        _request = request;
        _time = time;
        _timers = timers;
        _send = send;
        _buildAck = buildAck;
        _user = user;
        State = isInvite ? TransactionState.Calling : TransactionState.Trying;
    }

    /// <summary>True for an INVITE transaction.</summary>
    public bool IsInvite { get; }

    /// <summary>True on a reliable transport.</summary>
    public bool Reliable { get; }

    /// <summary>The current state.</summary>
    public TransactionState State { get; private set; }

    /// <summary>How many times the request has been sent, the first time included.</summary>
    public int Transmissions { get; private set; }

    /// <summary>Raised once when the transaction reaches Terminated, so its owner can forget it.</summary>
    public event Action? Terminated;

    /// <summary>Sends the request and starts timers A/E (unreliable only) and B/F.</summary>
    public void Start()
    {
        lock (_gate)
        {
            _interval = _timers.T1;
            if (!Reliable)
            {
                _retransmit = _time.CreateTimer(_ => OnRetransmitTimer(), null, _interval, Timeout.InfiniteTimeSpan);
            }

            _timeout = _time.CreateTimer(_ => OnTimeoutTimer(), null, _timers.TransactionTimeout, Timeout.InfiniteTimeSpan);
        }

        Send(_request);
    }

    /// <summary>Feeds a response whose branch and method matched this transaction.</summary>
    public void OnResponse(int statusCode, TResponse response)
    {
        var pass = false;
        ReadOnlyMemory<byte> ack = default;
        lock (_gate)
        {
            switch (State)
            {
                case TransactionState.Calling or TransactionState.Trying or TransactionState.Proceeding when statusCode < 200:
                    if (State != TransactionState.Proceeding)
                    {
                        State = TransactionState.Proceeding;
                        if (IsInvite)
                        {
                            // 17.1.1.2: a provisional response stops INVITE retransmissions.
                            Stop(ref _retransmit);
                        }
                        else if (!Reliable)
                        {
                            // 17.1.2.2: in Proceeding, non-INVITE retransmits at T2.
                            _interval = _timers.T2;
                        }
                    }

                    pass = true;
                    break;

                case TransactionState.Calling or TransactionState.Proceeding when statusCode < 300:
                    // RFC 6026: the TU sends the ACK for a 2xx; stay to pass on retransmissions.
                    State = TransactionState.Accepted;
                    Stop(ref _retransmit);
                    Stop(ref _timeout);
                    _linger = _time.CreateTimer(_ => Terminate(), null, _timers.TransactionTimeout, Timeout.InfiniteTimeSpan);
                    pass = true;
                    break;

                case TransactionState.Calling or TransactionState.Proceeding:
                    State = TransactionState.Completed;
                    Stop(ref _retransmit);
                    Stop(ref _timeout);
                    _ack = ack = _buildAck!(response);
                    StartLinger(_timers.TimerD(Reliable));
                    pass = true;
                    break;

                case TransactionState.Trying or TransactionState.Proceeding:
                    State = TransactionState.Completed;
                    Stop(ref _retransmit);
                    Stop(ref _timeout);
                    StartLinger(_timers.WaitT4(Reliable));
                    pass = true;
                    break;

                case TransactionState.Accepted when statusCode is >= 200 and < 300:
                    pass = true;
                    break;

                case TransactionState.Completed when IsInvite && statusCode >= 300:
                    ack = _ack;
                    break;
            }
        }

        if (!ack.IsEmpty)
        {
            Send(ack);
        }

        if (pass)
        {
            _user.OnResponse(statusCode, response);
        }
    }

    /// <summary>Stops every timer without telling the TU, e.g. when the stack shuts down.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            Stop(ref _retransmit);
            Stop(ref _timeout);
            Stop(ref _linger);
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

    private void OnRetransmitTimer()
    {
        lock (_gate)
        {
            if (State is not (TransactionState.Calling or TransactionState.Trying or TransactionState.Proceeding) || _retransmit is null)
            {
                return;
            }

            // Timer A doubles without cap (17.1.1.2); timer E doubles up to T2 (17.1.2.2).
            _interval = IsInvite ? _interval * 2 : State == TransactionState.Proceeding ? _timers.T2 : _timers.Backoff(_interval);
            _retransmit.Change(_interval, Timeout.InfiniteTimeSpan);
        }

        Send(_request);
    }

    private void OnTimeoutTimer()
    {
        lock (_gate)
        {
            if (State is not (TransactionState.Calling or TransactionState.Trying or TransactionState.Proceeding))
            {
                return;
            }
        }

        Fail(TransactionFailure.Timeout);
    }

    private void Fail(TransactionFailure failure)
    {
        if (Terminate())
        {
            _user.OnFailure(failure);
        }
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

    private void Send(ReadOnlyMemory<byte> bytes)
    {
        if (bytes.Equals(_request))
        {
            lock (_gate)
            {
                Transmissions++;
            }
        }

        _ = SendAsync(bytes);
    }

    private async Task SendAsync(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            await _send(bytes).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Any transport failure becomes the transaction's transport error (17.1.4).
        catch (Exception)
#pragma warning restore CA1031
        {
            Fail(TransactionFailure.TransportError);
        }
    }

    private static void Stop(ref ITimer? timer)
    {
        timer?.Dispose();
        timer = null;
    }
}
