using System.Globalization;
using System.Security.Cryptography;

namespace Conferencing.Sip;

/// <summary>A SIP request.</summary>
public sealed class SipRequest : SipMessage
{
    /// <summary>Creates a request with an empty header section.</summary>
    public SipRequest(string method, SipUri requestUri)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        ArgumentNullException.ThrowIfNull(requestUri);
        if (!SipSyntax.IsToken(method))
        {
            throw new ArgumentException($"'{method}' is not a method token.", nameof(method));
        }

        Method = method;
        RequestUri = requestUri;
    }

    /// <summary>The method, case-sensitive (RFC 3261 7.1).</summary>
    public string Method { get; }

    /// <summary>The Request-URI.</summary>
    public SipUri RequestUri { get; set; }

    /// <summary>Max-Forwards, or null when absent or malformed.</summary>
    public int? MaxForwards => int.TryParse(Headers["Max-Forwards"], NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <inheritdoc />
    public override string StartLine => $"{Method} {RequestUri} {Version}";

    /// <summary>A new RFC 3261 branch: the magic cookie and 64 random bits.</summary>
    public static string NewBranch() => ViaHeader.BranchCookie + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    /// <summary>A new tag for From or To.</summary>
    public static string NewTag() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));

    /// <summary>A new Call-ID, unique in space and time.</summary>
    public static string NewCallId(string host) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)) + "@" + host;
}

/// <summary>A SIP response.</summary>
public sealed class SipResponse : SipMessage
{
    /// <summary>Creates a response with an empty header section.</summary>
    public SipResponse(int statusCode, string? reasonPhrase = null)
    {
        if (statusCode is < 100 or > 699)
        {
            throw new ArgumentOutOfRangeException(nameof(statusCode), statusCode, "A status code is 100 to 699.");
        }

        StatusCode = statusCode;
        // Null asks for the standard phrase; an empty phrase received on the wire stays empty.
        ReasonPhrase = reasonPhrase ?? DefaultReason(statusCode);
    }

    /// <summary>The status code.</summary>
    public int StatusCode { get; }

    /// <summary>The reason phrase.</summary>
    public string ReasonPhrase { get; }

    /// <summary>True for 1xx.</summary>
    public bool IsProvisional => StatusCode < 200;

    /// <summary>True for 2xx.</summary>
    public bool IsSuccess => StatusCode is >= 200 and < 300;

    /// <inheritdoc />
    public override string StartLine => $"{Version} {StatusCode.ToString(CultureInfo.InvariantCulture)} {ReasonPhrase}";

    /// <summary>
    /// A response to <paramref name="request"/> per RFC 3261 8.2.6: Via (all, in order), From, Call-ID,
    /// CSeq and To copied; for 100 the Timestamp too. The caller adds a To tag where one is needed.
    /// </summary>
    public static SipResponse CreateFor(SipRequest request, int statusCode, string? reasonPhrase = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var response = new SipResponse(statusCode, reasonPhrase);
        response.Headers.CopyFrom(request.Headers, "Via");
        response.Headers.CopyFrom(request.Headers, "From");
        response.Headers.CopyFrom(request.Headers, "To");
        response.Headers.CopyFrom(request.Headers, "Call-ID");
        response.Headers.CopyFrom(request.Headers, "CSeq");
        if (statusCode == 100)
        {
            response.Headers.CopyFrom(request.Headers, "Timestamp");
        }

        return response;
    }

    /// <summary>Sets the To tag (keeping an existing one, as an in-dialog response must).</summary>
    public SipResponse WithToTag(string tag)
    {
        if (To is { } to && to.Tag is null)
        {
            to.Tag = tag;
            Headers.Set("To", to.ToString());
        }

        return this;
    }

    /// <summary>The RFC 3261 21 reason phrase of a status code.</summary>
    public static string DefaultReason(int statusCode) => statusCode switch
    {
        100 => "Trying", 180 => "Ringing", 181 => "Call Is Being Forwarded", 182 => "Queued", 183 => "Session Progress",
        200 => "OK", 202 => "Accepted",
        300 => "Multiple Choices", 301 => "Moved Permanently", 302 => "Moved Temporarily",
        400 => "Bad Request", 401 => "Unauthorized", 403 => "Forbidden", 404 => "Not Found", 405 => "Method Not Allowed",
        406 => "Not Acceptable", 407 => "Proxy Authentication Required", 408 => "Request Timeout", 410 => "Gone",
        413 => "Request Entity Too Large", 414 => "Request-URI Too Long", 415 => "Unsupported Media Type", 416 => "Unsupported URI Scheme",
        420 => "Bad Extension", 421 => "Extension Required", 422 => "Session Interval Too Small", 423 => "Interval Too Brief",
        480 => "Temporarily Unavailable", 481 => "Call/Transaction Does Not Exist", 482 => "Loop Detected", 483 => "Too Many Hops",
        484 => "Address Incomplete", 485 => "Ambiguous", 486 => "Busy Here", 487 => "Request Terminated", 488 => "Not Acceptable Here",
        491 => "Request Pending", 493 => "Undecipherable",
        500 => "Server Internal Error", 501 => "Not Implemented", 502 => "Bad Gateway", 503 => "Service Unavailable",
        504 => "Server Time-out", 505 => "Version Not Supported", 513 => "Message Too Large",
        600 => "Busy Everywhere", 603 => "Decline", 604 => "Does Not Exist Anywhere", 606 => "Not Acceptable",
        _ => statusCode switch { < 200 => "Progress", < 300 => "Success", < 400 => "Redirect", < 500 => "Client Error", < 600 => "Server Error", _ => "Global Failure" },
    };
}
