namespace Conferencing.Sip;

/// <summary>
/// Thrown when bytes on the wire are not a well-formed SIP message. The message names what was
/// wrong and, where it is known, the byte offset at which the parser gave up.
/// </summary>
public sealed class SipParseException : FormatException
{
    /// <summary>Creates the exception with a reason and the offset of the offending byte.</summary>
    public SipParseException(string message, int offset = -1)
        : base(offset >= 0 ? $"{message} (at byte {offset})" : message)
    {
        Offset = offset;
    }

    /// <summary>The byte offset at which parsing failed, or -1 when it is not known.</summary>
    public int Offset { get; }
}
