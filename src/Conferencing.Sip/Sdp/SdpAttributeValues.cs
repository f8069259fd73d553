using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Conferencing.Sip.Sdp;

/// <summary>An a=rtpmap value (RFC 8866 section 6.6): payload type, encoding name, clock rate, channels.</summary>
/// <param name="PayloadType">The payload type number, 0-127.</param>
/// <param name="EncodingName">The encoding name as written, e.g. "H264".</param>
/// <param name="ClockRate">The RTP clock rate in Hz.</param>
/// <param name="Channels">Audio channels when given, otherwise null (meaning 1).</param>
public sealed record SdpRtpMap(int PayloadType, string EncodingName, int ClockRate, int? Channels = null)
{
    /// <summary>Parses "96 H264/90000" or "111 opus/48000/2".</summary>
    public static bool TryParse(string? value, [NotNullWhen(true)] out SdpRtpMap? rtpMap)
    {
        rtpMap = null;
        if (value is null)
        {
            return false;
        }

        int space = value.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0 || !SdpSyntax.TryParsePayloadType(value.AsSpan(0, space), out int pt))
        {
            return false;
        }

        string[] parts = value[(space + 1)..].Trim().Split('/');
        if (parts.Length is < 2 or > 3 || !SdpSyntax.IsToken(parts[0])
            || !SdpSyntax.TryParseInt(parts[1], out int rate) || rate == 0)
        {
            return false;
        }

        int? channels = null;
        if (parts.Length == 3)
        {
            if (!SdpSyntax.TryParseInt(parts[2], out int ch) || ch == 0)
            {
                return false;
            }

            channels = ch;
        }

        rtpMap = new SdpRtpMap(pt, parts[0], rate, channels);
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => Channels is { } ch
        ? string.Create(CultureInfo.InvariantCulture, $"{PayloadType} {EncodingName}/{ClockRate}/{ch}")
        : string.Create(CultureInfo.InvariantCulture, $"{PayloadType} {EncodingName}/{ClockRate}");
}

/// <summary>An a=rtcp-fb value (RFC 4585 section 4.2): feedback a receiver supports for a format or for all ("*").</summary>
/// <param name="Format">A payload type number or "*".</param>
/// <param name="Type">"nack", "ccm", "goog-remb", "trr-int", "ack", "transport-cc"…</param>
/// <param name="Parameter">"pli" for "nack pli", "fir" for "ccm fir", the interval for trr-int, or null.</param>
public sealed record SdpRtcpFeedback(string Format, string Type, string? Parameter = null)
{
    /// <summary>The wildcard format that applies a feedback line to every payload type of the m-line.</summary>
    public const string Wildcard = "*";

    /// <summary>True when type and parameter name the same feedback (the format is not compared).</summary>
    public bool IsSameFeedback(SdpRtcpFeedback other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return string.Equals(Type, other.Type, StringComparison.OrdinalIgnoreCase)
            && (string.Equals(Type, "trr-int", StringComparison.OrdinalIgnoreCase)
                || string.Equals(Parameter, other.Parameter, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Parses "96 nack pli" or "* trr-int 100".</summary>
    public static bool TryParse(string? value, [NotNullWhen(true)] out SdpRtcpFeedback? feedback)
    {
        feedback = null;
        string[] parts = value?.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        if (parts.Length < 2 || (parts[0] != Wildcard && !SdpSyntax.TryParsePayloadType(parts[0], out _)) || !SdpSyntax.IsToken(parts[1]))
        {
            return false;
        }

        feedback = new SdpRtcpFeedback(parts[0], parts[1], parts.Length == 3 ? parts[2] : null);
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => Parameter is null ? $"{Format} {Type}" : $"{Format} {Type} {Parameter}";
}

/// <summary>An a=rtcp value (RFC 3605): the RTCP port when it is not RTP port + 1, optionally with an address.</summary>
/// <param name="Port">The RTCP port.</param>
/// <param name="Connection">The RTCP address when given.</param>
public sealed record SdpRtcpAddress(int Port, SdpConnection? Connection = null)
{
    /// <summary>Parses "53020" or "53020 IN IP4 192.0.2.1".</summary>
    public static bool TryParse(string? value, [NotNullWhen(true)] out SdpRtcpAddress? rtcp)
    {
        rtcp = null;
        string[] parts = value?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
        if (parts.Length is not (1 or 4) || !SdpSyntax.TryParsePort(parts[0], out int port))
        {
            return false;
        }

        rtcp = new SdpRtcpAddress(port, parts.Length == 4 ? new SdpConnection(parts[1], parts[2], parts[3]) : null);
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => Connection is null
        ? Port.ToString(CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"{Port} {Connection}");
}

/// <summary>An a=ssrc value (RFC 5576): a source and one of its attributes, e.g. cname.</summary>
/// <param name="Ssrc">The synchronization source.</param>
/// <param name="Attribute">The source attribute name, e.g. "cname", or null.</param>
/// <param name="Value">The source attribute value, or null.</param>
public sealed record SdpSsrc(uint Ssrc, string? Attribute = null, string? Value = null)
{
    /// <summary>Parses "12345 cname:user@host".</summary>
    public static bool TryParse(string? value, [NotNullWhen(true)] out SdpSsrc? ssrc)
    {
        ssrc = null;
        if (value is null)
        {
            return false;
        }

        int space = value.IndexOf(' ', StringComparison.Ordinal);
        ReadOnlySpan<char> number = space < 0 ? value : value.AsSpan(0, space);
        if (!uint.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out uint id))
        {
            return false;
        }

        if (space < 0)
        {
            ssrc = new SdpSsrc(id);
            return true;
        }

        string rest = value[(space + 1)..];
        int colon = rest.IndexOf(':', StringComparison.Ordinal);
        ssrc = colon < 0 ? new SdpSsrc(id, rest) : new SdpSsrc(id, rest[..colon], rest[(colon + 1)..]);
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => Attribute is null
        ? Ssrc.ToString(CultureInfo.InvariantCulture)
        : Value is null ? string.Create(CultureInfo.InvariantCulture, $"{Ssrc} {Attribute}") : string.Create(CultureInfo.InvariantCulture, $"{Ssrc} {Attribute}:{Value}");
}
