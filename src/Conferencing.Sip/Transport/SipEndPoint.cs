using System.Net;

namespace Conferencing.Sip.Transport;

/// <summary>The transport protocols the stack speaks.</summary>
public enum SipProtocol
{
    /// <summary>UDP (RFC 3261 18.1.1); retransmissions are the transaction layer's job.</summary>
    Udp,

    /// <summary>TCP with Content-Length framing (RFC 3261 18.3).</summary>
    Tcp,
}

/// <summary>Where a message came from or goes to: protocol plus address and port.</summary>
/// <param name="Protocol">Transport protocol.</param>
/// <param name="Address">IP address and port.</param>
public readonly record struct SipEndPoint(SipProtocol Protocol, IPEndPoint Address)
{
    /// <summary>True for transports that retransmit themselves (TCP), which changes several timers.</summary>
    public bool IsReliable => Protocol != SipProtocol.Udp;

    /// <summary>The transport token of a Via header: UDP or TCP.</summary>
    public string ViaTransport => Protocol == SipProtocol.Udp ? "UDP" : "TCP";

    /// <inheritdoc />
    public override string ToString() => $"{ViaTransport}:{Address}";
}

/// <summary>A datagram or framed stream message as it arrived.</summary>
/// <param name="Data">The message bytes; valid only during the callback.</param>
/// <param name="Remote">Who sent it.</param>
/// <param name="Local">Which local endpoint received it.</param>
public readonly record struct SipPacket(ReadOnlyMemory<byte> Data, SipEndPoint Remote, SipEndPoint Local);
