using System.Buffers;
using System.Text;

namespace Conferencing.Sip.Transport;

/// <summary>
/// Finds message boundaries in a SIP byte stream (RFC 3261 18.3): the header section ends at the
/// first empty line and the body is Content-Length bytes long. CRLF keep-alives between messages
/// (RFC 5626 3.5.1) are skipped.
/// </summary>
public static class StreamFraming
{
    /// <summary>The largest header section accepted before the stream is declared broken: 64 KiB.</summary>
    public const int MaxHeaderBytes = 64 * 1024;

    /// <summary>The largest body accepted on a stream: 1 MiB.</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    private static readonly SearchValues<byte> Digits = SearchValues.Create("0123456789"u8);

    /// <summary>Outcome of looking for one message at the start of a buffer.</summary>
    public enum Result
    {
        /// <summary>A whole message is there.</summary>
        Message,

        /// <summary>More bytes are needed.</summary>
        Incomplete,

        /// <summary>The stream cannot be SIP (no Content-Length, or limits exceeded); close it.</summary>
        Broken,
    }

    /// <summary>
    /// Looks for a message at the start of <paramref name="buffer"/>. On <see cref="Result.Message"/>,
    /// the message occupies [<paramref name="skipped"/>, <paramref name="skipped"/> + <paramref name="length"/>).
    /// </summary>
    public static Result TryFrame(ReadOnlySpan<byte> buffer, out int skipped, out int length, out string? error) =>
        TryFrame(buffer, MaxHeaderBytes + MaxBodyBytes, out skipped, out length, out error);

    /// <summary>
    /// As the other overload, also declaring the stream broken when the message (header section and
    /// body) would pass <paramref name="maxMessageBytes"/>: it is not waited for, let alone buffered.
    /// </summary>
    public static Result TryFrame(ReadOnlySpan<byte> buffer, int maxMessageBytes, out int skipped, out int length, out string? error)
    {
        skipped = 0;
        length = 0;
        error = null;
        while (skipped < buffer.Length && (buffer[skipped] == (byte)'\r' || buffer[skipped] == (byte)'\n'))
        {
            skipped++;
        }

        var rest = buffer[skipped..];
        var end = rest.IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            var headerLimit = Math.Min(MaxHeaderBytes, maxMessageBytes);
            if (rest.Length > headerLimit)
            {
                error = $"no end of headers within {headerLimit} bytes";
                return Result.Broken;
            }

            return Result.Incomplete;
        }

        var headers = rest[..(end + 2)];
        if (!TryFindContentLength(headers, out var contentLength, out error))
        {
            // Without one trustworthy length the next message's start is unknown: the stream is lost
            // (RFC 3261 18.3, RFC 4475 3.1.2.3 and 3.3.9).
            return Result.Broken;
        }

        if (contentLength is < 0 or > MaxBodyBytes)
        {
            error = $"Content-Length {contentLength} is outside 0..{MaxBodyBytes}";
            return Result.Broken;
        }

        var total = end + 4 + (int)contentLength;
        if (total > maxMessageBytes)
        {
            error = $"a message of {total} bytes is larger than the {maxMessageBytes} accepted";
            return Result.Broken;
        }

        if (rest.Length < total)
        {
            return Result.Incomplete;
        }

        length = total;
        return Result.Message;
    }

    /// <summary>
    /// Finds the Content-Length (or compact l) of a header section: false with the reason when it is
    /// missing, not a non-negative number, or given twice with different values.
    /// </summary>
    internal static bool TryFindContentLength(ReadOnlySpan<byte> headers, out long contentLength, out string? error)
    {
        contentLength = -1;
        error = "a message on a stream transport must carry Content-Length";
        var lineStart = headers.IndexOf("\r\n"u8);
        if (lineStart < 0)
        {
            return false;
        }

        var rest = headers[(lineStart + 2)..];
        while (rest.Length > 0)
        {
            var eol = rest.IndexOf("\r\n"u8);
            var line = eol < 0 ? rest : rest[..eol];
            rest = eol < 0 ? [] : rest[(eol + 2)..];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                continue;
            }

            var name = line[..colon].TrimEnd(" \t"u8);
            if (!name.SequenceEqual("l"u8) && !name.SequenceEqual("L"u8) && !Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
            {
                continue;
            }

            var value = line[(colon + 1)..].Trim(" \t"u8);
            if (value.Length == 0 || value.Length > 9 || value.IndexOfAnyExcept(Digits) >= 0)
            {
                error = $"Content-Length '{Encoding.UTF8.GetString(value[..Math.Min(value.Length, 20)])}' is not a non-negative number";
                return false;
            }

            long parsed = 0;
            foreach (var digit in value)
            {
                parsed = (parsed * 10) + (digit - '0');
            }

            if (contentLength >= 0 && parsed != contentLength)
            {
                error = $"conflicting Content-Length values {contentLength} and {parsed}";
                return false;
            }

            contentLength = parsed;
        }

        if (contentLength < 0)
        {
            return false;
        }

        error = null;
        return true;
    }
}
