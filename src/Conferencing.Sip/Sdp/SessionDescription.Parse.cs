using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Unicode;

namespace Conferencing.Sip.Sdp;

public sealed partial class SessionDescription
{
    /// <summary>Largest description accepted; anything bigger is hostile or broken (a room system's offer is under 4 KB).</summary>
    public const int MaxLength = 64 * 1024;

    /// <summary>Parses a description; false with a reason naming the line when it is malformed.</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out SessionDescription? description, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        description = new Parser(text).Run(out error, out _);
        return description is not null;
    }

    /// <summary>Parses a UTF-8 description (a SIP body); false with a reason when it is malformed.</summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8, [NotNullWhen(true)] out SessionDescription? description, [NotNullWhen(false)] out string? error)
    {
        if (!TryDecode(utf8, out string? text, out error))
        {
            description = null;
            return false;
        }

        return TryParse(text, out description, out error);
    }

    /// <summary>Parses a description.</summary>
    /// <exception cref="SdpParseException">The description is malformed; the message names the line.</exception>
    public static SessionDescription Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new Parser(text).Run(out string? error, out int line) ?? throw new SdpParseException(error!, line);
    }

    /// <summary>Parses a UTF-8 description.</summary>
    /// <exception cref="SdpParseException">The description is malformed; the message names the line.</exception>
    public static SessionDescription Parse(ReadOnlySpan<byte> utf8) =>
        TryDecode(utf8, out string? text, out string? error) ? Parse(text) : throw new SdpParseException(error, 0);

    private static bool TryDecode(ReadOnlySpan<byte> utf8, [NotNullWhen(true)] out string? text, [NotNullWhen(false)] out string? error)
    {
        text = null;
        if (utf8.Length > MaxLength)
        {
            error = $"longer than {MaxLength} bytes";
            return false;
        }

        if (!Utf8.IsValid(utf8))
        {
            error = "not valid UTF-8";
            return false;
        }

        text = Encoding.UTF8.GetString(utf8);
        error = null;
        return true;
    }

    /// <summary>One pass over the lines; the first problem stops it with the line number.</summary>
    private sealed class Parser(string text)
    {
        private const string SessionLetters = "vosiuepcbtrzkam";
        private const string MediaLetters = "icbkam";

        private int _line;
        private string? _error;
        private SessionDescription? _result;
        private MediaDescription? _media;

        public SessionDescription? Run(out string? error, out int line)
        {
            bool ok = ParseAll();
            error = ok ? null : _error;
            line = ok ? 0 : _line;
            return ok ? _result : null;
        }

        private bool ParseAll()
        {
            if (text.Length > MaxLength)
            {
                return Fail($"longer than {MaxLength} characters");
            }

            if (text.Length == 0)
            {
                return Fail("empty description");
            }

            int position = 0;
            char previous = '\0';
            bool seenSessionName = false;
            while (position < text.Length)
            {
                int newline = text.IndexOf('\n', position);
                int end = newline < 0 ? text.Length : newline;
                string line = text[position..(end > position && text[end - 1] == '\r' ? end - 1 : end)];
                position = newline < 0 ? text.Length : newline + 1;
                _line++;

                if (line.Length < 2 || line[1] != '=')
                {
                    return Fail(line.Length == 0 ? "empty line" : "expected <type>=<value>");
                }

                if (line.AsSpan().IndexOfAny('\r', '\0') >= 0)
                {
                    return Fail("stray CR or NUL inside the line");
                }

                char type = line[0];
                string value = line[2..];
                if (_result is null)
                {
                    if (_line == 1 && type != 'v')
                    {
                        return Fail("the first line must be v=");
                    }

                    if (_line == 2 && type != 'o')
                    {
                        return Fail("the second line must be o=");
                    }
                }

                if (!(_media is null ? SessionLetters : MediaLetters).Contains(type, StringComparison.Ordinal))
                {
                    return Fail(_media is null || SessionLetters.Contains(type, StringComparison.Ordinal)
                        ? $"'{type}=' is not allowed here"
                        : $"unknown line type '{type}='");
                }

                if (type == 'r' && previous is not ('t' or 'r'))
                {
                    return Fail("r= must follow t=");
                }

                if (_result is not null && _media is null && type != 's' && !seenSessionName && type != 'o')
                {
                    return Fail("s= must follow o=");
                }

                bool ok = type switch
                {
                    'v' => ParseVersion(value),
                    'o' => ParseOrigin(value),
                    's' => SetOnce(ref seenSessionName, () => _result!.SessionName = value),
                    'i' => SetInformation(value),
                    'u' => _result!.Uri is null ? Set(() => _result.Uri = value) : Fail("duplicate u="),
                    'e' => Set(() => _result!.Emails.Add(value)),
                    'p' => Set(() => _result!.Phones.Add(value)),
                    'c' => ParseConnection(value),
                    'b' => ParseBandwidth(value),
                    't' => ParseTiming(value),
                    'r' => Require(value.Length > 0, "empty r=") && Set(() => _result!.Timings[^1].Repeats.Add(value)),
                    'z' => _result!.TimeZones is null ? Set(() => _result.TimeZones = value) : Fail("duplicate z="),
                    'k' => SetKey(value),
                    'a' => ParseAttribute(value),
                    'm' => ParseMedia(value),
                    _ => Fail($"unknown line type '{type}='"),
                };
                if (!ok)
                {
                    return false;
                }

                previous = type;
            }

            if (_result is null)
            {
                return Fail("missing o=");
            }

            if (!seenSessionName)
            {
                return Fail("missing s=");
            }

            if (_result.Timings.Count == 0)
            {
                _line = 0;
                return Fail("missing t=");
            }

            return true;
        }

        private bool ParseVersion(string value)
        {
            if (_line != 1)
            {
                return Fail("duplicate v=");
            }

            return value == "0" || Fail($"unsupported version '{value}'");
        }

        private bool ParseOrigin(string value)
        {
            if (_result is not null)
            {
                return Fail("duplicate o=");
            }

            string[] parts = value.Split(' ');
            if (parts.Length != 6 || Array.Exists(parts, p => p.Length == 0))
            {
                return Fail("o= needs username, sess-id, sess-version, nettype, addrtype and address separated by single spaces");
            }

            if (!parts[1].All(char.IsAsciiDigit))
            {
                return Fail("sess-id must be digits");
            }

            if (!SdpSyntax.TryParseULong(parts[2], out ulong version))
            {
                return Fail("sess-version must be a number that fits 64 bits");
            }

            _result = new SessionDescription(new SdpOrigin(parts[0], parts[1], version, parts[3], parts[4], parts[5]));
            return true;
        }

        private bool SetInformation(string value)
        {
            if (_media is not null)
            {
                return _media.Information is null ? Set(() => _media.Information = value) : Fail("duplicate i=");
            }

            return _result!.Information is null ? Set(() => _result.Information = value) : Fail("duplicate i=");
        }

        private bool SetKey(string value)
        {
            if (_media is not null)
            {
                return _media.EncryptionKey is null ? Set(() => _media.EncryptionKey = value) : Fail("duplicate k=");
            }

            return _result!.EncryptionKey is null ? Set(() => _result.EncryptionKey = value) : Fail("duplicate k=");
        }

        private bool ParseConnection(string value)
        {
            string[] parts = value.Split(' ');
            if (parts.Length != 3 || Array.Exists(parts, p => p.Length == 0))
            {
                return Fail("c= needs nettype, addrtype and address");
            }

            var connection = new SdpConnection(parts[0], parts[1], parts[2]);
            if (_media is not null)
            {
                _media.Connections.Add(connection);
                return true;
            }

            return _result!.Connection is null ? Set(() => _result.Connection = connection) : Fail("duplicate session-level c=");
        }

        private bool ParseBandwidth(string value)
        {
            int colon = value.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || !SdpSyntax.IsToken(value.AsSpan(0, colon)) || !SdpSyntax.TryParseULong(value.AsSpan(colon + 1), out ulong bandwidth))
            {
                return Fail("b= must be <bwtype>:<bandwidth>");
            }

            var b = new SdpBandwidth(value[..colon], bandwidth);
            (_media?.Bandwidths ?? _result!.Bandwidths).Add(b);
            return true;
        }

        private bool ParseTiming(string value)
        {
            string[] parts = value.Split(' ');
            if (parts.Length != 2 || !SdpSyntax.TryParseULong(parts[0], out ulong start) || !SdpSyntax.TryParseULong(parts[1], out ulong stop))
            {
                return Fail("t= must be <start-time> <stop-time>");
            }

            _result!.Timings.Add(new SdpTiming(start, stop));
            return true;
        }

        private bool ParseAttribute(string value)
        {
            int colon = value.IndexOf(':', StringComparison.Ordinal);
            string name = colon < 0 ? value : value[..colon];
            string? attributeValue = colon < 0 ? null : value[(colon + 1)..];
            if (!SdpSyntax.IsToken(name))
            {
                return Fail("attribute name must be a token");
            }

            // Attributes this library interprets are checked now, so a typed accessor never meets a bad one later.
            bool valid = name switch
            {
                "rtpmap" => SdpRtpMap.TryParse(attributeValue, out _),
                "rtcp-fb" => SdpRtcpFeedback.TryParse(attributeValue, out _),
                "rtcp" => SdpRtcpAddress.TryParse(attributeValue, out _),
                "ssrc" => SdpSsrc.TryParse(attributeValue, out _),
                "fmtp" => attributeValue is { Length: > 0 } && SdpSyntax.IsToken(attributeValue.Split(' ', 2)[0]),
                "sendrecv" or "sendonly" or "recvonly" or "inactive" or "rtcp-mux" => attributeValue is null,
                "mid" or "label" or "content" => !string.IsNullOrEmpty(attributeValue),
                _ => true,
            };
            if (!valid)
            {
                return Fail($"malformed a={name}");
            }

            (_media?.Attributes ?? _result!.Attributes).Add(new SdpAttribute(name, attributeValue));
            return true;
        }

        private bool ParseMedia(string value)
        {
            string[] parts = value.Split(' ');
            if (parts.Length < 4 || Array.Exists(parts, p => p.Length == 0))
            {
                return Fail("m= needs media, port, proto and at least one format separated by single spaces");
            }

            if (!SdpSyntax.IsToken(parts[0]))
            {
                return Fail("media type must be a token");
            }

            string portText = parts[1];
            int? numberOfPorts = null;
            int slash = portText.IndexOf('/', StringComparison.Ordinal);
            if (slash >= 0)
            {
                if (!SdpSyntax.TryParseInt(portText.AsSpan(slash + 1), out int n) || n == 0)
                {
                    return Fail("bad number of ports");
                }

                numberOfPorts = n;
                portText = portText[..slash];
            }

            if (!SdpSyntax.TryParsePort(portText, out int port))
            {
                return Fail("port must be 0-65535");
            }

            foreach (string format in parts.AsSpan(3))
            {
                if (!SdpSyntax.IsToken(format))
                {
                    return Fail("format must be a token");
                }
            }

            _media = new MediaDescription(parts[0], port, parts[2], parts[3..]) { NumberOfPorts = numberOfPorts };
            _result!.Media.Add(_media);
            return true;
        }

        private bool SetOnce(ref bool seen, Action set)
        {
            if (seen)
            {
                return Fail("duplicate s=");
            }

            seen = true;
            set();
            return true;
        }

        private static bool Set(Action set)
        {
            set();
            return true;
        }

        private bool Require(bool condition, string message) => condition || Fail(message);

        private bool Fail(string message)
        {
            _error = message;
            return false;
        }
    }
}
