using System.Net;

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

    public IPEndPoint ListenEndPoint() =>
        IPEndPoint.TryParse(Listen, out var endPoint) ? endPoint : throw new InvalidOperationException($"Sip:Listen '{Listen}' is not an address:port.");
}
