namespace Conferencing.Sip;

/// <summary>The request methods the SIP RFCs define, for telling 405 (known, not allowed) from 501 (unknown).</summary>
public static class SipMethods
{
    /// <summary>
    /// RFC 3261's six and the extensions in common use: INFO (RFC 6086), PRACK (RFC 3262), UPDATE
    /// (RFC 3311), SUBSCRIBE and NOTIFY (RFC 6665), REFER (RFC 3515), MESSAGE (RFC 3428), PUBLISH (RFC 3903).
    /// </summary>
    public static IReadOnlySet<string> Known { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "INFO", "PRACK", "UPDATE", "SUBSCRIBE", "NOTIFY", "REFER", "MESSAGE", "PUBLISH",
    };

    /// <summary>True for a method some RFC defines; methods are case-sensitive (RFC 3261 7.1).</summary>
    public static bool IsKnown(string method) => Known.Contains(method);
}
