using System.Text.RegularExpressions;

namespace Conferencing.Relay;

/// <summary>
/// Text about SIP calls made safe for a log. A dial-in Request-URI carries the meeting's PIN in its
/// user part (<c>sip:2025*73019458@relay</c>, or <c>number**PIN</c>); a log keeps the number and
/// drops the PIN, so whoever reads the logs cannot dial into the meeting.
/// </summary>
public static partial class SipLogText
{
    /// <summary>What replaces a PIN in a logged URI.</summary>
    public const string PinMask = "[pin]";

    /// <summary><paramref name="text"/> with the PIN of every <c>sip:number*PIN@</c> URI in it masked; null stays null.</summary>
    public static string? Redact(string? text) =>
        text is null || (!text.Contains('*', StringComparison.Ordinal) && !text.Contains("%2a", StringComparison.OrdinalIgnoreCase)) ? text : PinInUri().Replace(text, PinMask);

    // The PIN: what follows the stars of a sip:/sips: user part, up to the '@' (or ';' / ':' of a
    // password or parameter); percent-encoded stars (%2A) are stars too.
    [GeneratedRegex(@"(?<=\bsips?:[^\s@*;:/""<>]*(?:\*|%2[Aa])+)(?!\*|%2[Aa])[^\s@;:""<>]+(?=[@;:])", RegexOptions.CultureInvariant)]
    private static partial Regex PinInUri();
}
