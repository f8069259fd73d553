namespace Conferencing.Sip.Sdp;

/// <summary>
/// Thrown by <see cref="SessionDescription.Parse(string)"/> when a session description is
/// malformed. The message names the line and what was wrong with it.
/// </summary>
public sealed class SdpParseException : FormatException
{
    /// <summary>Creates the exception for a problem on a 1-based line (0 when no line applies).</summary>
    public SdpParseException(string message, int lineNumber)
        : base(lineNumber > 0 ? $"SDP line {lineNumber}: {message}" : $"SDP: {message}")
    {
        LineNumber = lineNumber;
        Reason = message;
    }

    /// <summary>The 1-based number of the offending line, or 0 when the problem is not on one line.</summary>
    public int LineNumber { get; }

    /// <summary>The problem, without the line prefix.</summary>
    public string Reason { get; }
}
