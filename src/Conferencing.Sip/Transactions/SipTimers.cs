namespace Conferencing.Sip.Transactions;

/// <summary>
/// The timer values of RFC 3261 17 (table 4) and RFC 6026. T1, T2 and T4 are settable, as the RFC
/// allows on a network whose round trip is known; every other timer follows from them.
/// </summary>
public sealed record SipTimers
{
    /// <summary>The default: RFC 3261's estimate of the round trip, 500 ms.</summary>
    public static readonly SipTimers Default = new();

    /// <summary>T1, the round-trip estimate. The default is 500 ms.</summary>
    public TimeSpan T1 { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>T2, the cap on non-INVITE and response retransmit intervals. The default is 4 s.</summary>
    public TimeSpan T2 { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>T4, how long a message may linger in the network. The default is 5 s.</summary>
    public TimeSpan T4 { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>64·T1: the transaction timeouts B, F, H, L and M, and the 2xx retransmit window.</summary>
    public TimeSpan TransactionTimeout => T1 * 64;

    /// <summary>Timer D: wait for response retransmissions after a non-2xx to INVITE, at least 32 s on UDP.</summary>
    public TimeSpan TimerD(bool reliable) => reliable ? TimeSpan.Zero : TimeSpan.FromSeconds(32) > TransactionTimeout ? TimeSpan.FromSeconds(32) : TransactionTimeout;

    /// <summary>Timers I and K: T4 on UDP, zero on reliable transports.</summary>
    public TimeSpan WaitT4(bool reliable) => reliable ? TimeSpan.Zero : T4;

    /// <summary>Timer J: 64·T1 on UDP, zero on reliable transports.</summary>
    public TimeSpan TimerJ(bool reliable) => reliable ? TimeSpan.Zero : TransactionTimeout;

    /// <summary>The next retransmit interval, doubling from T1 and capped at T2.</summary>
    public TimeSpan Backoff(TimeSpan current) => current * 2 < T2 ? current * 2 : T2;
}
