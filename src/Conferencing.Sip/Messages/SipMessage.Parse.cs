using System.Globalization;
using System.Text;

namespace Conferencing.Sip;

public abstract partial class SipMessage
{
    /// <summary>The largest header section parsed: 64 KiB.</summary>
    public const int MaxHeaderBytes = 64 * 1024;

    /// <summary>The most header lines parsed: 512.</summary>
    public const int MaxHeaderLines = 512;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// For a request that failed to parse: as much of it as a 400 needs (RFC 4475 3.1.2: a broken
    /// Request-Line, a bad or too large Content-Length), or null when even the header section cannot
    /// be trusted. The Request-URI of a broken Request-Line is replaced by <c>sip:invalid</c> and a body
    /// that cannot be framed is left empty; nothing else is forgiven.
    /// </summary>
    internal static SipRequest? ParseForReply(ReadOnlySpan<byte> data)
    {
        try
        {
            return ParseCore(data, forReply: true) as SipRequest;
        }
        catch (SipParseException)
        {
            return null;
        }
    }

    private static SipMessage ParseCore(ReadOnlySpan<byte> data, bool forReply = false)
    {
        // Leading CRLFs are keep-alives or stray line ends (RFC 3261 7.5): ignore them.
        var offset = 0;
        while (offset < data.Length && (data[offset] == (byte)'\r' || data[offset] == (byte)'\n'))
        {
            offset++;
        }

        if (offset == data.Length)
        {
            throw new SipParseException("Empty message", offset);
        }

        var headerEnd = FindHeaderEnd(data, offset, out var bodyStart);
        if (headerEnd < 0)
        {
            throw new SipParseException(data.Length - offset > MaxHeaderBytes ? "Header section too long" : "Header section does not end with an empty line", data.Length);
        }

        if (headerEnd - offset > MaxHeaderBytes)
        {
            throw new SipParseException("Header section too long", offset + MaxHeaderBytes);
        }

        string head;
        try
        {
            head = StrictUtf8.GetString(data[offset..headerEnd]);
        }
        catch (DecoderFallbackException)
        {
            throw new SipParseException("Header section is not valid UTF-8", offset);
        }

        // A CR belongs only before LF; anywhere else (even quoted, RFC 3261 25.1 quoted-pair) it is not SIP,
        // and letting it through would put a line break into a header we echo back.
        var bareCr = FindBareCr(head, head.AsSpan().IndexOf('\r'));
        if (bareCr >= 0)
        {
            throw new SipParseException("Carriage return inside a header line", offset + Encoding.UTF8.GetByteCount(head.AsSpan(0, bareCr)));
        }

        var lines = SplitLines(head);
        var message = forReply ? ParseRequestLineForReply(lines[0], offset) : ParseStartLine(lines[0], offset);
        var lineOffset = offset + Encoding.UTF8.GetByteCount(lines[0]);
        string? name = null;
        var value = new StringBuilder();
        var count = 0;
        for (var i = 1; i < lines.Count; i++)
        {
            var line = lines[i];
            if (line.Length > 0 && (line[0] == ' ' || line[0] == '\t'))
            {
                if (name is null)
                {
                    throw new SipParseException("Continuation line before any header", lineOffset);
                }

                value.Append(' ').Append(line.Trim());
                continue;
            }

            if (name is not null)
            {
                message.Headers.AddParsed(name, value.ToString().Trim());
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new SipParseException($"Header line without a name and colon: '{Shorten(line)}'", lineOffset);
            }

            name = line[..colon].TrimEnd(' ', '\t');
            if (!SipSyntax.IsToken(name))
            {
                throw new SipParseException($"Header name '{Shorten(name)}' is not a token", lineOffset);
            }

            if (++count > MaxHeaderLines)
            {
                throw new SipParseException($"More than {MaxHeaderLines} header lines", lineOffset);
            }

            value.Clear().Append(line.AsSpan(colon + 1).Trim());
            lineOffset += Encoding.UTF8.GetByteCount(line) + 2;
        }

        if (name is not null)
        {
            message.Headers.AddParsed(name, value.ToString().Trim());
        }

        message.Body = forReply ? default : ReadBody(message, data, bodyStart);
        return message;
    }

    /// <summary>A request line read leniently: method, anything, SIP version, split at any run of whitespace.</summary>
    private static SipRequest ParseRequestLineForReply(string line, int offset)
    {
        var parts = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 3 || !SipSyntax.IsToken(parts[0]))
        {
            throw new SipParseException("Not a request line", offset);
        }

        CheckVersion(parts[^1], offset);
        var uri = parts.Length == 3 && SipUri.TryParse(parts[1], out var parsed, out _) ? parsed : SipUri.Create(null, "invalid");
        return new SipRequest(parts[0], uri) { Version = parts[^1].ToUpperInvariant() };
    }

    private static ReadOnlyMemory<byte> ReadBody(SipMessage message, ReadOnlySpan<byte> data, int bodyStart)
    {
        var available = data.Length - bodyStart;
        var lengths = message.Headers.GetAll("Content-Length");
        if (lengths.Count == 0)
        {
            // On a datagram the body is the rest (RFC 3261 18.3); streams are framed before parsing.
            return data[bodyStart..].ToArray();
        }

        if (lengths.Distinct(StringComparer.Ordinal).Count() > 1)
        {
            throw new SipParseException("Conflicting Content-Length headers", bodyStart);
        }

        if (lengths[0].Length is 0 or > 9 || !lengths[0].All(char.IsAsciiDigit))
        {
            throw new SipParseException($"Content-Length '{Shorten(lengths[0])}' is not a non-negative number", bodyStart);
        }

        var length = int.Parse(lengths[0], NumberStyles.None, CultureInfo.InvariantCulture);
        if (length > available)
        {
            throw new SipParseException($"Content-Length {length} is larger than the {available} bytes that follow the headers", bodyStart);
        }

        // Extra bytes after the declared body are discarded (RFC 3261 18.3).
        return data.Slice(bodyStart, length).ToArray();
    }

    private static SipMessage ParseStartLine(string line, int offset)
    {
        if (line.StartsWith("SIP/", StringComparison.OrdinalIgnoreCase))
        {
            var firstSpace = line.IndexOf(' ', StringComparison.Ordinal);
            if (firstSpace < 0 || firstSpace + 4 > line.Length)
            {
                throw new SipParseException($"Malformed status line '{Shorten(line)}'", offset);
            }

            var version = line[..firstSpace];
            CheckVersion(version, offset);
            var codeText = line.Substring(firstSpace + 1, 3);
            if (!codeText.All(char.IsAsciiDigit) || (line.Length > firstSpace + 4 && line[firstSpace + 4] != ' '))
            {
                throw new SipParseException($"Status code '{Shorten(codeText)}' is not three digits", offset + firstSpace + 1);
            }

            var code = int.Parse(codeText, CultureInfo.InvariantCulture);
            if (code is < 100 or > 699)
            {
                throw new SipParseException($"Status code {code} is outside 100-699", offset + firstSpace + 1);
            }

            var reason = line.Length > firstSpace + 5 ? line[(firstSpace + 5)..] : "";
            return new SipResponse(code, reason) { Version = version.ToUpperInvariant() };
        }

        var parts = line.Split(' ');
        if (parts.Length != 3 || parts.Any(p => p.Length == 0))
        {
            throw new SipParseException($"Request line must be 'METHOD URI SIP/2.0' with single spaces: '{Shorten(line)}'", offset);
        }

        if (!SipSyntax.IsToken(parts[0]))
        {
            throw new SipParseException($"Method '{Shorten(parts[0])}' is not a token", offset);
        }

        CheckVersion(parts[2], offset + parts[0].Length + parts[1].Length + 2);
        if (!SipUri.TryParse(parts[1], out var uri, out var error))
        {
            throw new SipParseException($"Request-URI '{Shorten(parts[1])}': {error}", offset + parts[0].Length + 1);
        }

        return new SipRequest(parts[0], uri) { Version = parts[2].ToUpperInvariant() };
    }

    private static void CheckVersion(string version, int offset)
    {
        // Any SIP/x.y parses; a UAS answers 505 to a version it does not speak (RFC 4475 3.1.2.16).
        var slash = version.IndexOf('/', StringComparison.Ordinal);
        var number = slash >= 0 ? version[(slash + 1)..] : "";
        var dot = number.IndexOf('.', StringComparison.Ordinal);
        if (!version.StartsWith("SIP/", StringComparison.OrdinalIgnoreCase) || dot <= 0 || dot == number.Length - 1
            || !number.Remove(dot, 1).All(char.IsAsciiDigit))
        {
            throw new SipParseException($"'{Shorten(version)}' is not a SIP version", offset);
        }
    }

    /// <summary>Index where the header section ends (before the blank line), or -1.</summary>
    private static int FindHeaderEnd(ReadOnlySpan<byte> data, int start, out int bodyStart)
    {
        var limit = Math.Min(data.Length, start + MaxHeaderBytes + 4);
        for (var i = start; i < limit; i++)
        {
            if (data[i] != (byte)'\n')
            {
                continue;
            }

            // A blank line: "\n\n" or "\n\r\n" (bare LF accepted from lenient senders).
            if (i + 1 < data.Length && data[i + 1] == (byte)'\n')
            {
                bodyStart = i + 2;
                return i > start && data[i - 1] == (byte)'\r' ? i - 1 : i;
            }

            if (i + 2 < data.Length && data[i + 1] == (byte)'\r' && data[i + 2] == (byte)'\n')
            {
                bodyStart = i + 3;
                return i > start && data[i - 1] == (byte)'\r' ? i - 1 : i;
            }
        }

        bodyStart = -1;
        return -1;
    }

    private static int FindBareCr(string head, int from)
    {
        // Jump from CR to CR (vectorized IndexOf) rather than testing every character.
        var text = head.AsSpan();
        for (var i = from; i >= 0;)
        {
            if (i + 1 >= text.Length || text[i + 1] != '\n')
            {
                return i;
            }

            var next = text[(i + 1)..].IndexOf('\r');
            i = next < 0 ? -1 : i + 1 + next;
        }

        return -1;
    }

    private static List<string> SplitLines(string head)
    {
        var lines = new List<string>();
        var start = 0;
        for (var i = 0; i < head.Length; i++)
        {
            if (head[i] == '\n')
            {
                lines.Add(head[start..(i > start && head[i - 1] == '\r' ? i - 1 : i)]);
                start = i + 1;
            }
        }

        lines.Add(head[start..].TrimEnd('\r'));
        return lines;
    }

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..57] + "...";
}
