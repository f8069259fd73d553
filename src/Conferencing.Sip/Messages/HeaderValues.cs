using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace Conferencing.Sip;

/// <summary>
/// A name-addr or addr-spec with parameters (From, To, Contact, Route, Record-Route, Refer-To):
/// <c>"Display Name" &lt;sip:user@host&gt;;tag=abc</c>.
/// </summary>
public sealed class NameAddress
{
    /// <summary>Creates an address for a URI.</summary>
    public NameAddress(SipUri uri, string? displayName = null)
    {
        Uri = uri ?? throw new ArgumentNullException(nameof(uri));
        DisplayName = displayName;
    }

    /// <summary>The display name without quotes, or null.</summary>
    public string? DisplayName { get; set; }

    /// <summary>The URI.</summary>
    public SipUri Uri { get; set; }

    /// <summary>Header parameters after the address (tag, expires, q, lr on Route URIs live in the URI).</summary>
    public SipParameters Parameters { get; private set; } = new();

    /// <summary>The tag parameter, or null.</summary>
    public string? Tag
    {
        get => Parameters["tag"];
        set
        {
            if (value is null)
            {
                Parameters.Remove("tag");
            }
            else
            {
                Parameters.Set("tag", value);
            }
        }
    }

    /// <summary>True for the Contact value <c>*</c> (remove all bindings).</summary>
    public bool IsWildcard { get; private init; }

    /// <summary>The Contact wildcard.</summary>
    public static NameAddress Wildcard { get; } = new(SipUri.Create(null, "invalid")) { IsWildcard = true };

    /// <summary>Parses a header value; throws <see cref="SipParseException"/> when malformed.</summary>
    public static NameAddress Parse(string text) =>
        TryParse(text, out var value, out var error) ? value : throw new SipParseException($"Invalid address '{text}': {error}");

    /// <summary>Parses a header value; false with a reason when malformed.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out NameAddress? address, [NotNullWhen(false)] out string? error)
    {
        address = null;
        text = text?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            error = "empty address";
            return false;
        }

        if (text == "*")
        {
            address = Wildcard;
            error = null;
            return true;
        }

        string? display = null;
        string uriText;
        string rest;
        var open = FindAngle(text);
        if (open >= 0)
        {
            var displayText = text[..open].Trim();
            if (displayText.Length > 0)
            {
                if (displayText[0] == '"')
                {
                    if (displayText.Length < 2 || displayText[^1] != '"' || !ClosedQuote(displayText))
                    {
                        error = "unterminated quoted display name";
                        return false;
                    }

                    display = SipSyntax.Unquote(displayText);
                }
                else
                {
                    if (!displayText.Split(' ', '\t').Where(w => w.Length > 0).All(w => SipSyntax.IsToken(w)))
                    {
                        error = "a display name with special characters must be quoted";
                        return false;
                    }

                    display = string.Join(' ', displayText.Split(' ', '\t').Where(w => w.Length > 0));
                }
            }

            var close = text.IndexOf('>', open);
            if (close < 0)
            {
                error = "missing '>'";
                return false;
            }

            // LAQUOT and RAQUOT allow whitespace outside the brackets only (RFC 3261 25.1): a space
            // inside them is refused, not trimmed (RFC 4475 3.1.2.14).
            uriText = text[(open + 1)..close];
            rest = text[(close + 1)..];
        }
        else
        {
            // addr-spec form: the URI's own parameters cannot be told from header parameters, so
            // RFC 3261 20 says they are header parameters.
            var semicolon = text.IndexOf(';', StringComparison.Ordinal);
            uriText = (semicolon >= 0 ? text[..semicolon] : text).TrimEnd();
            rest = semicolon >= 0 ? text[semicolon..] : "";
            if (uriText.Contains('?', StringComparison.Ordinal) || uriText.Contains(',', StringComparison.Ordinal))
            {
                error = "a URI with headers or commas must be in angle brackets";
                return false;
            }
        }

        if (!SipUri.TryParse(uriText, out var uri, out error))
        {
            return false;
        }

        var result = new NameAddress(uri, display);
        if (!SipSyntax.TryParseParameters(rest, result.Parameters, out error))
        {
            return false;
        }

        address = result;
        return true;
    }

    /// <summary>The header value; always uses angle brackets, which is always valid.</summary>
    public override string ToString()
    {
        if (IsWildcard)
        {
            return "*";
        }

        var builder = new StringBuilder();
        if (!string.IsNullOrEmpty(DisplayName))
        {
            builder.Append(SipSyntax.Quote(DisplayName)).Append(' ');
        }

        builder.Append('<').Append(Uri).Append('>');
        Parameters.AppendTo(builder);
        return builder.ToString();
    }

    /// <summary>A deep copy.</summary>
    public NameAddress Clone()
    {
        var copy = new NameAddress(Uri.Clone(), DisplayName) { IsWildcard = IsWildcard };
        copy.Parameters = Parameters.Clone();
        return copy;
    }

    private static int FindAngle(string text)
    {
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            if (quoted)
            {
                if (text[i] == '\\')
                {
                    i++;
                }
                else if (text[i] == '"')
                {
                    quoted = false;
                }
            }
            else if (text[i] == '"')
            {
                quoted = true;
            }
            else if (text[i] == '<')
            {
                return i;
            }
        }

        return -1;
    }

    private static bool ClosedQuote(string quoted)
    {
        for (var i = 1; i < quoted.Length; i++)
        {
            if (quoted[i] == '\\')
            {
                i++;
            }
            else if (quoted[i] == '"')
            {
                return i == quoted.Length - 1;
            }
        }

        return false;
    }
}

/// <summary>A Via entry: <c>SIP/2.0/UDP host:port;branch=z9hG4bK...;received=...;rport</c>.</summary>
public sealed class ViaHeader
{
    /// <summary>The magic cookie that marks an RFC 3261 branch.</summary>
    public const string BranchCookie = "z9hG4bK";

    /// <summary>Creates a Via for a transport and sent-by; an IPv6 address is written as a reference in brackets (RFC 5118 4.1).</summary>
    public ViaHeader(string transport, string host, int? port, string branch)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        Transport = transport;
        Host = host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? "[" + host + "]" : host;
        Port = port;
        Parameters.Set("branch", branch);
    }

    private ViaHeader()
    {
    }

    /// <summary>Protocol name, normally SIP.</summary>
    public string ProtocolName { get; private set; } = "SIP";

    /// <summary>Protocol version, normally 2.0.</summary>
    public string ProtocolVersion { get; private set; } = "2.0";

    /// <summary>Transport token, upper case: UDP, TCP, TLS...</summary>
    public string Transport { get; set; } = "UDP";

    /// <summary>The sent-by host.</summary>
    public string Host { get; set; } = "";

    /// <summary>The sent-by port, or null.</summary>
    public int? Port { get; set; }

    /// <summary>The parameters (branch, received, rport, maddr, ttl...).</summary>
    public SipParameters Parameters { get; } = new();

    /// <summary>The branch parameter.</summary>
    public string? Branch => Parameters["branch"];

    /// <summary>The sent-by as host:port text (port 5060 assumed when absent, for matching).</summary>
    public string SentBy => $"{Host.ToLowerInvariant()}:{(Port ?? 5060).ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Parses one Via entry.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out ViaHeader? via, [NotNullWhen(false)] out string? error)
    {
        via = null;
        text = text?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            error = "empty Via";
            return false;
        }

        var slash1 = text.IndexOf('/', StringComparison.Ordinal);
        var slash2 = slash1 < 0 ? -1 : text.IndexOf('/', slash1 + 1);
        if (slash2 < 0)
        {
            error = "Via lacks the sent-protocol (SIP/2.0/UDP)";
            return false;
        }

        var i = slash2 + 1;
        while (i < text.Length && char.IsWhiteSpace(text[i]))
        {
            i++;
        }

        var transportStart = i;
        while (i < text.Length && SipSyntax.IsToken(text[i]))
        {
            i++;
        }

        var result = new ViaHeader
        {
            ProtocolName = text[..slash1].Trim(),
            ProtocolVersion = text[(slash1 + 1)..slash2].Trim(),
            Transport = text[transportStart..i].ToUpperInvariant(),
        };
        if (!SipSyntax.IsToken(result.ProtocolName) || !SipSyntax.IsToken(result.ProtocolVersion) || result.Transport.Length == 0)
        {
            error = "malformed sent-protocol";
            return false;
        }

        while (i < text.Length && char.IsWhiteSpace(text[i]))
        {
            i++;
        }

        var semicolon = text.IndexOf(';', i);
        var sentBy = (semicolon >= 0 ? text[i..semicolon] : text[i..]).Replace(" ", "", StringComparison.Ordinal).Replace("\t", "", StringComparison.Ordinal);
        if (!SipUri.TryParseHostPort(sentBy, out var host, out var port, out error))
        {
            return false;
        }

        result.Host = host;
        result.Port = port;
        if (semicolon >= 0 && !SipSyntax.TryParseParameters(text.AsSpan(semicolon), result.Parameters, out error))
        {
            return false;
        }

        via = result;
        return true;
    }

    /// <summary>The header value.</summary>
    public override string ToString()
    {
        var builder = new StringBuilder().Append(ProtocolName).Append('/').Append(ProtocolVersion).Append('/').Append(Transport).Append(' ').Append(Host);
        if (Port is { } port)
        {
            builder.Append(':').Append(port.ToString(CultureInfo.InvariantCulture));
        }

        Parameters.AppendTo(builder);
        return builder.ToString();
    }
}

/// <summary>A CSeq value: sequence number and method.</summary>
/// <param name="Number">The sequence number, below 2^31.</param>
/// <param name="Method">The method, case-sensitive.</param>
public readonly record struct CSeqHeader(uint Number, string Method)
{
    /// <summary>Parses "4711 INVITE".</summary>
    public static bool TryParse(string? text, out CSeqHeader value, [NotNullWhen(false)] out string? error)
    {
        value = default;
        var parts = (text ?? "").Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2 || parts[0].Length > 10 || !parts[0].All(char.IsAsciiDigit)
            || !uint.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number >= 1u << 31)
        {
            error = $"CSeq '{text}' is not 'number METHOD' with a number below 2^31";
            return false;
        }

        if (!SipSyntax.IsToken(parts[1]))
        {
            error = $"CSeq method '{parts[1]}' is not a token";
            return false;
        }

        value = new CSeqHeader(number, parts[1]);
        error = null;
        return true;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Number.ToString(CultureInfo.InvariantCulture)} {Method}";
}
