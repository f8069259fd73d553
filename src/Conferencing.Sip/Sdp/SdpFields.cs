namespace Conferencing.Sip.Sdp;

/// <summary>The o= line (RFC 8866 section 5.2): who created the session and which version of it this is.</summary>
/// <param name="Username">The originator's login, "-" when there is none.</param>
/// <param name="SessionId">
/// The numeric session id. Kept as the digit string from the wire: RFC 8866 sets no upper bound
/// and it is only ever compared for equality.
/// </param>
/// <param name="SessionVersion">Increases each time the originator changes the description (RFC 3264 section 8).</param>
/// <param name="NetworkType">"IN".</param>
/// <param name="AddressType">"IP4" or "IP6".</param>
/// <param name="Address">The originating host.</param>
public sealed record SdpOrigin(string Username, string SessionId, ulong SessionVersion, string NetworkType, string AddressType, string Address)
{
    /// <summary>True when both name the same session (all fields but the version equal).</summary>
    public bool IsSameSession(SdpOrigin other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Username == other.Username && SessionId == other.SessionId && NetworkType == other.NetworkType
            && AddressType == other.AddressType && Address == other.Address;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Username} {SessionId} {SessionVersion} {NetworkType} {AddressType} {Address}";
}

/// <summary>A c= line (RFC 8866 section 5.7).</summary>
/// <param name="NetworkType">"IN".</param>
/// <param name="AddressType">"IP4" or "IP6".</param>
/// <param name="Address">The address, with "/ttl" and "/count" suffixes kept for multicast.</param>
public sealed record SdpConnection(string NetworkType, string AddressType, string Address)
{
    /// <summary>Creates an IN IP4 or IN IP6 connection for a unicast address.</summary>
    public static SdpConnection ForAddress(string address)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        return new SdpConnection("IN", address.Contains(':', StringComparison.Ordinal) ? "IP6" : "IP4", address);
    }

    /// <summary>
    /// True for 0.0.0.0, the RFC 2543 way of putting a call on hold that older room systems still
    /// use (RFC 3264 section 8.4).
    /// </summary>
    public bool IsLegacyHold => Address == "0.0.0.0";

    /// <inheritdoc/>
    public override string ToString() => $"{NetworkType} {AddressType} {Address}";
}

/// <summary>A b= line (RFC 8866 section 5.8, RFC 3890 for TIAS).</summary>
/// <param name="Type">"AS", "CT", "TIAS" or another bwtype token.</param>
/// <param name="Value">kbit/s for AS and CT, bit/s for TIAS.</param>
public sealed record SdpBandwidth(string Type, ulong Value)
{
    /// <summary>Application-specific maximum, in kbit/s.</summary>
    public const string ApplicationSpecific = "AS";

    /// <summary>Conference total, in kbit/s.</summary>
    public const string ConferenceTotal = "CT";

    /// <summary>Transport-independent application-specific maximum, in bit/s (RFC 3890).</summary>
    public const string TransportIndependent = "TIAS";

    /// <inheritdoc/>
    public override string ToString() => $"{Type}:{Value}";
}

/// <summary>A t= line and the r= lines that follow it (RFC 8866 sections 5.9 and 5.10).</summary>
public sealed class SdpTiming
{
    /// <summary>Creates a timing; 0 0 is an unbounded session.</summary>
    public SdpTiming(ulong start = 0, ulong stop = 0)
    {
        Start = start;
        Stop = stop;
    }

    /// <summary>Start time in NTP seconds, 0 for unbounded.</summary>
    public ulong Start { get; set; }

    /// <summary>Stop time in NTP seconds, 0 for unbounded.</summary>
    public ulong Stop { get; set; }

    /// <summary>The r= lines, verbatim after "r=".</summary>
    public IList<string> Repeats { get; } = [];
}

/// <summary>An a= line: a property attribute (no value) or a value attribute.</summary>
/// <param name="Name">The attribute name, e.g. "rtpmap".</param>
/// <param name="Value">Everything after the first colon, or null for a property attribute.</param>
public sealed record SdpAttribute(string Name, string? Value = null)
{
    /// <inheritdoc/>
    public override string ToString() => Value is null ? Name : $"{Name}:{Value}";
}
