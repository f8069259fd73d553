using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace Conferencing.Sip;

/// <summary>
/// A SIP request or response (RFC 3261 7). Headers are kept in order as written; typed views of the
/// headers a user agent needs are parsed on demand. <see cref="TryParse"/> never throws; <see cref="Parse"/>
/// throws only <see cref="SipParseException"/>.
/// </summary>
public abstract partial class SipMessage
{
    /// <summary>The only version this stack speaks.</summary>
    public const string SipVersion = "SIP/2.0";

    /// <summary>The version token of the start line, normally SIP/2.0.</summary>
    public string Version { get; init; } = SipVersion;

    /// <summary>The headers in order.</summary>
    public SipHeaders Headers { get; } = new();

    /// <summary>The body bytes (empty when none).</summary>
    public ReadOnlyMemory<byte> Body { get; set; }

    /// <summary>The Call-ID.</summary>
    public string? CallId => Headers["Call-ID"];

    /// <summary>The CSeq, or null when missing or malformed.</summary>
    public CSeqHeader? CSeq => CSeqHeader.TryParse(Headers["CSeq"], out var value, out _) ? value : null;

    /// <summary>The From address, or null when missing or malformed.</summary>
    public NameAddress? From => NameAddress.TryParse(Headers["From"], out var value, out _) ? value : null;

    /// <summary>The To address, or null when missing or malformed.</summary>
    public NameAddress? To => NameAddress.TryParse(Headers["To"], out var value, out _) ? value : null;

    /// <summary>Every Via entry, top first; malformed entries are skipped (see <see cref="Validate"/>).</summary>
    public IReadOnlyList<ViaHeader> Vias =>
        Headers.GetAll("Via").Select(v => ViaHeader.TryParse(v, out var via, out _) ? via : null).OfType<ViaHeader>().ToList();

    /// <summary>The top Via, or null.</summary>
    public ViaHeader? TopVia => Headers.GetAll("Via") is { Count: > 0 } all && ViaHeader.TryParse(all[0], out var via, out _) ? via : null;

    /// <summary>Every Contact entry.</summary>
    public IReadOnlyList<NameAddress> Contacts =>
        Headers.GetAll("Contact").Select(v => NameAddress.TryParse(v, out var a, out _) ? a : null).OfType<NameAddress>().ToList();

    /// <summary>Every Record-Route entry, in order.</summary>
    public IReadOnlyList<NameAddress> RecordRoutes =>
        Headers.GetAll("Record-Route").Select(v => NameAddress.TryParse(v, out var a, out _) ? a : null).OfType<NameAddress>().ToList();

    /// <summary>The Content-Type media type, lower case without parameters, or null.</summary>
    public string? ContentType => Headers["Content-Type"]?.Split(';')[0].Trim().ToLowerInvariant();

    /// <summary>The body as UTF-8 text.</summary>
    public string BodyText
    {
        get => Encoding.UTF8.GetString(Body.Span);
        set => Body = Encoding.UTF8.GetBytes(value ?? "");
    }

    /// <summary>The start line without CRLF.</summary>
    public abstract string StartLine { get; }

    /// <summary>Parses a message; false with the reason when the bytes are not a well-formed SIP message.</summary>
    /// <param name="data">One datagram, or one message framed out of a stream.</param>
    /// <param name="message">The message.</param>
    /// <param name="error">Why it was refused, with the byte offset where known.</param>
    public static bool TryParse(ReadOnlySpan<byte> data, [NotNullWhen(true)] out SipMessage? message, [NotNullWhen(false)] out string? error)
    {
        try
        {
            message = ParseCore(data);
            error = null;
            return true;
        }
        catch (SipParseException e)
        {
            message = null;
            error = e.Message;
            return false;
        }
    }

    /// <summary>Parses a message or throws <see cref="SipParseException"/> naming what was wrong and where.</summary>
    public static SipMessage Parse(ReadOnlySpan<byte> data) => ParseCore(data);

    /// <summary>
    /// Checks the headers every message needs (RFC 3261 8.1.1, 8.2): Via, From, To, Call-ID, CSeq, and
    /// for requests Max-Forwards and a CSeq method equal to the request method. Returns null when the
    /// message is usable, else the reason a UAS puts in its 400.
    /// </summary>
    public string? Validate()
    {
        if (Headers.GetAll("Via") is not { Count: > 0 } vias)
        {
            return "Missing Via";
        }

        foreach (var via in vias)
        {
            if (!ViaHeader.TryParse(via, out _, out var viaError))
            {
                return "Bad Via: " + viaError;
            }
        }

        if (!NameAddress.TryParse(Headers["From"], out _, out var fromError))
        {
            return "Bad or missing From: " + fromError;
        }

        if (!NameAddress.TryParse(Headers["To"], out _, out var toError))
        {
            return "Bad or missing To: " + toError;
        }

        if (string.IsNullOrWhiteSpace(CallId))
        {
            return "Missing Call-ID";
        }

        if (Headers.GetAll("Call-ID").Count > 1 || Headers.GetAll("From").Count > 1 || Headers.GetAll("To").Count > 1 || Headers.GetAll("CSeq").Count > 1)
        {
            return "Duplicate Call-ID, From, To or CSeq";
        }

        if (!CSeqHeader.TryParse(Headers["CSeq"], out var cseq, out var cseqError))
        {
            return "Bad or missing CSeq: " + cseqError;
        }

        if (this is SipRequest request)
        {
            if (cseq.Method != request.Method && !(request.Method == "ACK" && cseq.Method == "ACK"))
            {
                return $"CSeq method {cseq.Method} does not match the request method {request.Method}";
            }

            if (request.RequestUri.Headers is not null)
            {
                return "The Request-URI must not carry headers";
            }

            if (Headers["Max-Forwards"] is { } maxForwards && (!int.TryParse(maxForwards, NumberStyles.None, CultureInfo.InvariantCulture, out var hops) || hops > 255))
            {
                return $"Bad Max-Forwards '{maxForwards}'";
            }
        }

        if (Headers["Expires"] is { } expires && !uint.TryParse(expires, NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            return $"Bad Expires '{expires}'";
        }

        foreach (var contact in Headers.GetAll("Contact"))
        {
            if (!NameAddress.TryParse(contact, out _, out var contactError))
            {
                return "Bad Contact: " + contactError;
            }
        }

        // RFC 3261 20.17: an SIP-date is an RFC 1123 date and always in GMT.
        if (Headers["Date"] is { } date && (!date.EndsWith(" GMT", StringComparison.Ordinal)
            || !DateTimeOffset.TryParseExact(date, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _)))
        {
            return $"Bad Date '{date}': an RFC 1123 date in GMT is required";
        }

        return null;
    }

    /// <summary>Serializes the message with a Content-Length that matches the body.</summary>
    public byte[] ToBytes()
    {
        var builder = new StringBuilder(256 + Body.Length);
        builder.Append(StartLine).Append("\r\n");
        foreach (var header in Headers)
        {
            if (SipHeaders.Canonical(header.Name).Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            builder.Append(header.Name).Append(": ").Append(header.Value).Append("\r\n");
        }

        builder.Append("Content-Length: ").Append(Body.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n\r\n");
        var head = Encoding.UTF8.GetByteCount(builder.ToString());
        var bytes = new byte[head + Body.Length];
        Encoding.UTF8.GetBytes(builder.ToString(), bytes);
        Body.Span.CopyTo(bytes.AsSpan(head));
        return bytes;
    }

    /// <summary>The message as text, for logs and tests.</summary>
    public override string ToString() => Encoding.UTF8.GetString(ToBytes());
}
