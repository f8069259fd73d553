using System.Net;
using Conferencing.Sip.Auth;
using Conferencing.Sip.Stack;
using Conferencing.Sip.Transport;

namespace Conferencing.Server.Endpoints.Presence;

/// <summary>The server's own SIP side: registrar and keepalive. Bound from <c>Sip</c>.</summary>
public sealed class SipServerOptions
{
    public const string Section = "Sip";

    /// <summary>The default listen address: all interfaces, port 5060.</summary>
    public const string DefaultListen = "0.0.0.0:5060";

    /// <summary>Where the registrar listens (UDP and TCP). The default is <see cref="DefaultListen"/>.</summary>
    public string Listen { get; set; } = DefaultListen;

    /// <summary>The digest realm endpoints authenticate in. The default is "conferencing".</summary>
    public string Realm { get; set; } = "conferencing";

    /// <summary>How often reachability is checked with OPTIONS. The default is 30 s.</summary>
    public TimeSpan KeepaliveInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long without any answer before an endpoint counts as offline. The default is 90 s.</summary>
    public TimeSpan OfflineAfter { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>How long one OPTIONS probe waits for an answer. The default is 5 s.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Turns the SIP side off (a control-plane node that only serves the UI). The default is on.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The default time between full reloads of the digest credentials from the store: 60 s.</summary>
    public static readonly TimeSpan DefaultDirectoryRefreshInterval = TimeSpan.FromSeconds(60);

    /// <summary>The default time between two malformed-message log lines about one address: 60 s.</summary>
    public static readonly TimeSpan DefaultMalformedLogInterval = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How often the registrar reloads every endpoint's digest credentials from the store (edits made
    /// through this server apply at once; this catches edits made by another node). The default is
    /// <see cref="DefaultDirectoryRefreshInterval"/>.
    /// </summary>
    public TimeSpan DirectoryRefreshInterval { get; set; } = DefaultDirectoryRefreshInterval;

    /// <summary>
    /// Digest user names allowed to authenticate with MD5 (room systems that know nothing stronger).
    /// Everyone else is offered and accepted only with SHA-256. The default is none.
    /// </summary>
    public IList<string> Md5DigestUsers { get; } = [];

    /// <summary>At most one malformed-message log line per source address per this interval; the rest are counted. The default is <see cref="DefaultMalformedLogInterval"/>.</summary>
    public TimeSpan MalformedLogInterval { get; set; } = DefaultMalformedLogInterval;

    /// <summary>Open SIP TCP connections in total. The default is <see cref="SipTransportLimits.DefaultMaxConnections"/>.</summary>
    public int MaxTcpConnections { get; set; } = SipTransportLimits.DefaultMaxConnections;

    /// <summary>Open SIP TCP connections from one address. The default is <see cref="SipTransportLimits.DefaultMaxConnectionsPerAddress"/>.</summary>
    public int MaxTcpConnectionsPerAddress { get; set; } = SipTransportLimits.DefaultMaxConnectionsPerAddress;

    /// <summary>How long a SIP TCP connection may stay silent before it is closed. The default is <see cref="SipTransportLimits.DefaultIdleTimeout"/>.</summary>
    public TimeSpan TcpIdleTimeout { get; set; } = SipTransportLimits.DefaultIdleTimeout;

    /// <summary>The largest SIP message accepted, in bytes. The default is <see cref="SipTransportLimits.DefaultMaxMessageBytes"/>.</summary>
    public int MaxMessageBytes { get; set; } = SipTransportLimits.DefaultMaxMessageBytes;

    /// <summary>Server transactions held at once. The default is <see cref="SipStackOptions.DefaultMaxServerTransactions"/>.</summary>
    public int MaxServerTransactions { get; set; } = SipStackOptions.DefaultMaxServerTransactions;

    /// <summary>Failed authentications answered without delay. The default is <see cref="AuthThrottleOptions.DefaultFreeFailures"/>.</summary>
    public int AuthFreeFailures { get; set; } = AuthThrottleOptions.DefaultFreeFailures;

    /// <summary>Failed authentications of one user name before it is refused for <see cref="AuthBlockFor"/>. The default is <see cref="AuthThrottleOptions.DefaultBlockUserAfter"/>.</summary>
    public int AuthBlockUserAfter { get; set; } = AuthThrottleOptions.DefaultBlockUserAfter;

    /// <summary>Failed authentications from one address before it is refused for <see cref="AuthBlockFor"/>. The default is <see cref="AuthThrottleOptions.DefaultBlockSourceAfter"/>.</summary>
    public int AuthBlockSourceAfter { get; set; } = AuthThrottleOptions.DefaultBlockSourceAfter;

    /// <summary>How long a user name or address is refused after too many failures. The default is <see cref="AuthThrottleOptions.DefaultBlockFor"/>.</summary>
    public TimeSpan AuthBlockFor { get; set; } = AuthThrottleOptions.DefaultBlockFor;

    /// <summary>What is wrong with these settings; empty when nothing is.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!IPEndPoint.TryParse(Listen, out _))
        {
            problems.Add($"Sip:Listen '{Listen}' must be address:port, e.g. 0.0.0.0:5060.");
        }

        if (DirectoryRefreshInterval <= TimeSpan.Zero || MalformedLogInterval <= TimeSpan.Zero || TcpIdleTimeout <= TimeSpan.Zero || AuthBlockFor <= TimeSpan.Zero)
        {
            problems.Add("Sip:DirectoryRefreshInterval, Sip:MalformedLogInterval, Sip:TcpIdleTimeout and Sip:AuthBlockFor must be positive.");
        }

        if (MaxTcpConnections < 1 || MaxTcpConnectionsPerAddress < 1 || MaxServerTransactions < 1 || AuthBlockUserAfter < 1 || AuthBlockSourceAfter < 1 || AuthFreeFailures < 0)
        {
            problems.Add("Sip:MaxTcpConnections, Sip:MaxTcpConnectionsPerAddress, Sip:MaxServerTransactions, Sip:AuthBlockUserAfter and Sip:AuthBlockSourceAfter must be at least 1, Sip:AuthFreeFailures at least 0.");
        }

        if (MaxMessageBytes < 1024)
        {
            problems.Add("Sip:MaxMessageBytes must be at least 1024.");
        }

        return problems;
    }

    public IPEndPoint ListenEndPoint() =>
        IPEndPoint.TryParse(Listen, out var endPoint) ? endPoint : throw new InvalidOperationException($"Sip:Listen '{Listen}' is not an address:port.");
}
