using System.Globalization;

namespace Conferencing.Sip.Sdp;

/// <summary>Small grammar helpers shared by the parser and the attribute readers.</summary>
internal static class SdpSyntax
{
    public static bool TryParseInt(ReadOnlySpan<char> text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    public static bool TryParseULong(ReadOnlySpan<char> text, out ulong value) =>
        ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    public static bool TryParsePayloadType(ReadOnlySpan<char> text, out int value) =>
        TryParseInt(text, out value) && value <= 127;

    public static bool TryParsePort(ReadOnlySpan<char> text, out int value) =>
        TryParseInt(text, out value) && value <= 65535;

    /// <summary>RFC 8866 token: visible ASCII except the separators it lists.</summary>
    public static bool IsToken(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return false;
        }

        foreach (char c in text)
        {
            bool ok = c is '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '{' or '|' or '}' or '~'
                || char.IsAsciiLetterOrDigit(c);
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    public static string Format(int value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Format(ulong value) => value.ToString(CultureInfo.InvariantCulture);
}
