using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Conferencing.Sip;

/// <summary>
/// A sip:, sips: or tel: URI (RFC 3261 19.1, RFC 3966), or any other absolute URI (RFC 3261 25.1
/// absoluteURI: <c>isbn:2983792873</c>, <c>soap.beep://host</c>), which parses with its scheme and the
/// rest kept opaque so that the layer above can answer 416 (RFC 4475 3.3.2). User, password,
/// parameters and headers are kept as written, escapes included, so that a URI round-trips byte for
/// byte; <see cref="UnescapedUser"/> gives the decoded user.
/// </summary>
public sealed class SipUri
{
    private SipUri(string scheme)
    {
        Scheme = scheme;
    }

    /// <summary>The scheme in lower case: "sip", "sips", "tel", or another for an opaque URI.</summary>
    public string Scheme { get; private set; }

    /// <summary>True for sip: and sips:, the schemes a SIP element routes on.</summary>
    public bool IsSip => Scheme is "sip" or "sips";

    /// <summary>
    /// For a URI of a scheme other than sip, sips and tel: everything after "scheme:", as written.
    /// Null for sip, sips and tel URIs, whose parts are in <see cref="User"/>, <see cref="Host"/> and the rest.
    /// </summary>
    public string? Opaque { get; private set; }

    /// <summary>The user part as written (escapes kept), or the telephone number of a tel URI.</summary>
    public string? User { get; set; }

    /// <summary>The password as written, if any (deprecated, but it parses).</summary>
    public string? Password { get; set; }

    /// <summary>Host name, IPv4 address, or IPv6 reference with brackets. Empty for tel URIs.</summary>
    public string Host { get; set; } = "";

    /// <summary>The explicit port, or null.</summary>
    public int? Port { get; set; }

    /// <summary>URI parameters (transport, lr, maddr, user, ...).</summary>
    public SipParameters Parameters { get; private set; } = new();

    /// <summary>URI headers after '?', as written, or null.</summary>
    public string? Headers { get; set; }

    /// <summary>True for sips:.</summary>
    public bool IsSecure => Scheme == "sips";

    /// <summary>The user part with %HH escapes decoded (UTF-8).</summary>
    public string? UnescapedUser => User is null ? null : SipParameters.Unescape(User);

    /// <summary>The host without IPv6 brackets.</summary>
    public string HostWithoutBrackets => Host.StartsWith('[') && Host.EndsWith(']') ? Host[1..^1] : Host;

    /// <summary>Creates a sip: URI.</summary>
    public static SipUri Create(string? user, string host, int? port = null, string scheme = "sip")
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        // An empty user would print as "sip:@host", which no parser accepts: it means no user part.
        var uri = new SipUri(scheme) { User = string.IsNullOrEmpty(user) ? null : user, Host = host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? "[" + host + "]" : host, Port = port };
        return uri;
    }

    /// <summary>Creates a sip: URI for an IP endpoint.</summary>
    public static SipUri Create(string? user, IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        return Create(user, endPoint.Address.ToString(), endPoint.Port);
    }

    /// <summary>Parses a URI; throws <see cref="SipParseException"/> naming the problem.</summary>
    public static SipUri Parse(string text) =>
        TryParse(text, out var uri, out var error) ? uri : throw new SipParseException($"Invalid URI '{text}': {error}");

    /// <summary>Parses a URI; false with a reason when malformed.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out SipUri? uri, [NotNullWhen(false)] out string? error)
    {
        uri = null;
        error = null;
        if (string.IsNullOrEmpty(text))
        {
            error = "empty URI";
            return false;
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            error = "no scheme";
            return false;
        }

        var scheme = text[..colon].ToLowerInvariant();
        var rest = text[(colon + 1)..];
        if (rest.AsSpan().IndexOfAny(" \t\r\n<>\"") >= 0)
        {
            error = "URI contains whitespace, quotes or angle brackets";
            return false;
        }

        return scheme switch
        {
            "sip" or "sips" => TryParseSip(scheme, rest, out uri, out error),
            "tel" => TryParseTel(rest, out uri, out error),
            _ => TryParseAbsolute(scheme, rest, out uri, out error),
        };
    }

    /// <summary>
    /// RFC 3261 25.1 absoluteURI: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then a
    /// non-empty hier-part or opaque-part of URI characters. Kept as written; its meaning is the
    /// scheme's business, not ours.
    /// </summary>
    private static bool TryParseAbsolute(string scheme, string rest, out SipUri? uri, out string? error)
    {
        if (!char.IsAsciiLetter(scheme[0]) || !scheme.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.'))
        {
            return Fail($"'{scheme}' is not a URI scheme", out uri, out error);
        }

        if (rest.Length == 0 || rest.Any(c => c <= ' ' || c >= 0x7F || c is '{' or '}' or '|' or '\\' or '^' or '`'))
        {
            return Fail($"'{scheme}:' is not followed by URI characters", out uri, out error);
        }

        if (!ValidEscapes(rest))
        {
            return Fail("bad %-escape", out uri, out error);
        }

        uri = new SipUri(scheme) { Opaque = rest };
        error = null;
        return true;
    }

    private static bool TryParseSip(string scheme, string rest, out SipUri? uri, out string? error)
    {
        uri = null;
        var result = new SipUri(scheme);

        // The user part may hold '?', ';', '/' and ',' (user-unreserved, RFC 3261 25.1) but never an
        // unescaped '@', and nothing after the host may hold one: so the first '@' ends the userinfo.
        var at = rest.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            if (rest.IndexOf('@', at + 1) >= 0)
            {
                return Fail("more than one '@' (an '@' in the user part must be escaped)", out uri, out error);
            }

            var userInfo = rest[..at];
            rest = rest[(at + 1)..];
            var passwordColon = userInfo.IndexOf(':', StringComparison.Ordinal);
            result.User = passwordColon >= 0 ? userInfo[..passwordColon] : userInfo;
            result.Password = passwordColon >= 0 ? userInfo[(passwordColon + 1)..] : null;
            if (result.User.Length == 0)
            {
                return Fail("empty user part before '@'", out uri, out error);
            }

            if (!ValidEscapes(userInfo))
            {
                return Fail("bad %-escape in the user part", out uri, out error);
            }
        }

        var question = rest.IndexOf('?', StringComparison.Ordinal);
        if (question >= 0)
        {
            result.Headers = rest[(question + 1)..];
            rest = rest[..question];
        }

        var semicolon = rest.IndexOf(';', StringComparison.Ordinal);
        var hostPort = semicolon >= 0 ? rest[..semicolon] : rest;
        if (semicolon >= 0 && !SipSyntax.TryParseParameters(rest.AsSpan(semicolon), result.Parameters, out error))
        {
            return false;
        }

        if (!TryParseHostPort(hostPort, out var host, out var port, out error))
        {
            return false;
        }

        result.Host = host;
        result.Port = port;
        uri = result;
        return true;
    }

    private static bool TryParseTel(string rest, out SipUri? uri, out string? error)
    {
        var result = new SipUri("tel");
        var semicolon = rest.IndexOf(';', StringComparison.Ordinal);
        result.User = semicolon >= 0 ? rest[..semicolon] : rest;
        if (result.User.Length == 0 || !result.User.All(c => char.IsAsciiDigit(c) || c is '+' or '-' or '.' or '(' or ')' or '*' or '#' || char.IsAsciiHexDigit(c)))
        {
            return Fail("not a telephone number", out uri, out error);
        }

        if (semicolon >= 0 && !SipSyntax.TryParseParameters(rest.AsSpan(semicolon), result.Parameters, out error))
        {
            uri = null;
            return false;
        }

        uri = result;
        error = null;
        return true;
    }

    /// <summary>Parses host[:port] where host is a name, IPv4 or [IPv6].</summary>
    internal static bool TryParseHostPort(string text, out string host, out int? port, [NotNullWhen(false)] out string? error)
    {
        host = "";
        port = null;
        string portText;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                error = "unterminated IPv6 reference";
                return false;
            }

            host = text[..(close + 1)];
            if (!IPAddress.TryParse(host[1..^1], out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                error = $"'{host}' is not an IPv6 reference";
                return false;
            }

            portText = text[(close + 1)..];
            if (portText.Length > 0 && portText[0] != ':')
            {
                error = "unexpected text after the IPv6 reference";
                return false;
            }

            portText = portText.Length > 0 ? portText[1..] : "";
            if (portText.Length == 0 && text.Length > close + 1)
            {
                error = "empty port";
                return false;
            }
        }
        else
        {
            var colon = text.LastIndexOf(':');
            host = colon >= 0 ? text[..colon] : text;
            portText = colon >= 0 ? text[(colon + 1)..] : "";
            if (colon >= 0 && portText.Length == 0)
            {
                error = "empty port";
                return false;
            }

            if (host.Length == 0 || host.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '.')) || host.StartsWith('.') || host.StartsWith('-') || host.Contains("..", StringComparison.Ordinal))
            {
                error = $"'{host}' is not a host name or IPv4 address";
                return false;
            }
        }

        if (portText.Length > 0)
        {
            if (portText.Length > 5 || !portText.All(char.IsAsciiDigit) || int.Parse(portText, CultureInfo.InvariantCulture) > 65535)
            {
                error = $"'{portText}' is not a port";
                return false;
            }

            port = int.Parse(portText, CultureInfo.InvariantCulture);
        }

        error = null;
        return true;
    }

    /// <summary>The URI as text.</summary>
    public override string ToString()
    {
        var builder = new StringBuilder(Scheme).Append(':');
        if (Opaque is not null)
        {
            return builder.Append(Opaque).ToString();
        }

        if (Scheme == "tel")
        {
            builder.Append(User);
            Parameters.AppendTo(builder);
            return builder.ToString();
        }

        if (User is not null)
        {
            builder.Append(User);
            if (Password is not null)
            {
                builder.Append(':').Append(Password);
            }

            builder.Append('@');
        }

        builder.Append(Host);
        if (Port is { } port)
        {
            builder.Append(':').Append(port.ToString(CultureInfo.InvariantCulture));
        }

        Parameters.AppendTo(builder);
        if (Headers is not null)
        {
            builder.Append('?').Append(Headers);
        }

        return builder.ToString();
    }

    /// <summary>A copy that can be changed independently.</summary>
    public SipUri Clone()
    {
        var copy = (SipUri)MemberwiseClone();
        copy.Parameters = Parameters.Clone();
        return copy;
    }

    /// <summary>
    /// URI equality of RFC 3261 19.1.4 in its common parts: scheme, user (case-sensitive, escapes
    /// decoded), host (case-insensitive), port, and the transport/user/method/maddr/ttl parameters.
    /// </summary>
    public bool EquivalentTo(SipUri other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (Opaque is not null || other.Opaque is not null)
        {
            // Other schemes have their own equality rules; equal as written is the safe answer.
            return Scheme == other.Scheme && string.Equals(Opaque, other.Opaque, StringComparison.Ordinal);
        }

        if (Scheme != other.Scheme || !string.Equals(UnescapedUser, other.UnescapedUser, StringComparison.Ordinal)
            || !string.Equals(Host, other.Host, StringComparison.OrdinalIgnoreCase) || Port != other.Port)
        {
            return false;
        }

        foreach (var name in new[] { "transport", "user", "method", "maddr", "ttl" })
        {
            if (!string.Equals(Parameters[name], other.Parameters[name], StringComparison.OrdinalIgnoreCase) || Parameters.Contains(name) != other.Parameters.Contains(name))
            {
                return false;
            }
        }

        return true;
    }

    private static bool ValidEscapes(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '%' && (i + 2 >= text.Length || !char.IsAsciiHexDigit(text[i + 1]) || !char.IsAsciiHexDigit(text[i + 2])))
            {
                return false;
            }
        }

        return true;
    }

    private static bool Fail(string reason, out SipUri? uri, out string? error)
    {
        uri = null;
        error = reason;
        return false;
    }
}
