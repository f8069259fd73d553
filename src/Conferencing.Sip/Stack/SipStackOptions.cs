using System.Net;
using Conferencing.Sip.Transactions;
using Conferencing.Sip.Transport;

namespace Conferencing.Sip.Stack;

/// <summary>Settings of one SIP stack instance.</summary>
public sealed class SipStackOptions
{
    /// <summary>Where to listen (UDP and TCP on the same port). Port 0 picks one. The default is 127.0.0.1:0.</summary>
    public IPEndPoint Bind { get; init; } = new(IPAddress.Loopback, 0);

    /// <summary>Listen on TCP too. The default is true.</summary>
    public bool EnableTcp { get; init; } = true;

    /// <summary>Timer values; the default is RFC 3261's.</summary>
    public SipTimers Timers { get; init; } = SipTimers.Default;

    /// <summary>The clock for every timer; tests pass a fake one.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>
    /// Answer every UDP request at the address and port it came from, as if its Via asked for rport
    /// (RFC 3581), for peers behind NAT that do not ask. The default is false: the Via's sent-by port
    /// is used, as RFC 3261 18.2.2 says.
    /// </summary>
    public bool ForceRport { get; init; }

    /// <summary>
    /// How long a TCP peer has to send the rest of a message it has begun before the connection is
    /// closed (RFC 4475 3.1.2.2). The default is 32 s (64·T1).
    /// </summary>
    public TimeSpan IncompleteMessageTimeout { get; init; } = SipTransport.DefaultIncompleteMessageTimeout;

    /// <summary>The default cap on server transactions held at once: 10,000.</summary>
    public const int DefaultMaxServerTransactions = 10_000;

    /// <summary>Open TCP connections in total. The default is <see cref="SipTransportLimits.DefaultMaxConnections"/>.</summary>
    public int MaxTcpConnections { get; init; } = SipTransportLimits.DefaultMaxConnections;

    /// <summary>Open TCP connections from one IP address. The default is <see cref="SipTransportLimits.DefaultMaxConnectionsPerAddress"/>.</summary>
    public int MaxTcpConnectionsPerAddress { get; init; } = SipTransportLimits.DefaultMaxConnectionsPerAddress;

    /// <summary>How long a TCP connection may carry nothing before it is closed. The default is <see cref="SipTransportLimits.DefaultIdleTimeout"/>.</summary>
    public TimeSpan TcpIdleTimeout { get; init; } = SipTransportLimits.DefaultIdleTimeout;

    /// <summary>
    /// The largest message accepted: a bigger request on UDP is answered 413 (RFC 3261 21.4.11), a
    /// bigger message on TCP closes the connection. The default is <see cref="SipTransportLimits.DefaultMaxMessageBytes"/>.
    /// </summary>
    public int MaxMessageBytes { get; init; } = SipTransportLimits.DefaultMaxMessageBytes;

    /// <summary>
    /// Server transactions held at once. Past it, finished ones (only absorbing retransmissions) are
    /// dropped oldest first, and when none is finished a new request gets a stateless 503. The default
    /// is <see cref="DefaultMaxServerTransactions"/>.
    /// </summary>
    public int MaxServerTransactions { get; init; } = DefaultMaxServerTransactions;

    /// <summary>The transport limits these options make.</summary>
    public SipTransportLimits TransportLimits() => new()
    {
        MaxConnections = MaxTcpConnections,
        MaxConnectionsPerAddress = MaxTcpConnectionsPerAddress,
        IdleTimeout = TcpIdleTimeout,
        MaxMessageBytes = MaxMessageBytes,
    };

    /// <summary>The User-Agent / Server header value. The default is "Conferencing".</summary>
    public string Product { get; init; } = "Conferencing";
}
