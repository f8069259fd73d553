namespace Conferencing.Sip;

/// <summary>Character classes of RFC 3261 25.1 and small helpers shared by the parsers.</summary>
internal static class SipSyntax
{
    /// <summary>token characters: alphanum and -.!%*_+`'~</summary>
    public static bool IsToken(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '!' or '%' or '*' or '_' or '+' or '`' or '\'' or '~';

    public static bool IsToken(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!IsToken(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Splits a header value at top-level commas: not inside a quoted string or angle brackets
    /// (RFC 3261 7.3.1), so display names and URIs with commas survive.
    /// </summary>
    public static List<string> SplitList(string value)
    {
        var parts = new List<string>();
        var depth = 0;
        var quoted = false;
        var start = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (quoted)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }

                continue;
            }

            switch (c)
            {
                case '"':
                    quoted = true;
                    break;
                case '<':
                    depth++;
                    break;
                case '>' when depth > 0:
                    depth--;
                    break;
                case ',' when depth == 0:
                    parts.Add(value[start..i].Trim());
                    start = i + 1;
                    break;
            }
        }

        parts.Add(value[start..].Trim());
        parts.RemoveAll(p => p.Length == 0);
        return parts;
    }

    /// <summary>Parses ;name=value;flag parameters (values may be quoted) into an ordered list.</summary>
    public static bool TryParseParameters(ReadOnlySpan<char> text, SipParameters parameters, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        error = null;
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (i >= text.Length)
            {
                break;
            }

            if (text[i] != ';')
            {
                error = $"expected ';' before a parameter, found '{text[i]}'";
                return false;
            }

            i++;
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            var nameStart = i;
            while (i < text.Length && text[i] is not ('=' or ';') && !char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            var name = text[nameStart..i].ToString();
            if (name.Length == 0)
            {
                error = "empty parameter name";
                return false;
            }

            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            string? value = null;
            if (i < text.Length && text[i] == '=')
            {
                i++;
                while (i < text.Length && char.IsWhiteSpace(text[i]))
                {
                    i++;
                }

                if (i < text.Length && text[i] == '"')
                {
                    var end = i + 1;
                    while (end < text.Length && text[end] != '"')
                    {
                        end += text[end] == '\\' ? 2 : 1;
                    }

                    if (end >= text.Length)
                    {
                        error = $"unterminated quoted value of parameter '{name}'";
                        return false;
                    }

                    value = text[i..(end + 1)].ToString();
                    i = end + 1;
                }
                else
                {
                    var valueStart = i;
                    while (i < text.Length && text[i] != ';' && !char.IsWhiteSpace(text[i]))
                    {
                        i++;
                    }

                    value = text[valueStart..i].ToString();
                }
            }

            parameters.Add(name, value);
        }

        return true;
    }

    /// <summary>Removes the quotes and backslash escapes of a quoted-string; other text is returned trimmed.</summary>
    public static string Unquote(string text)
    {
        text = text.Trim();
        if (text.Length < 2 || text[0] != '"' || text[^1] != '"')
        {
            return text;
        }

        var builder = new System.Text.StringBuilder(text.Length);
        for (var i = 1; i < text.Length - 1; i++)
        {
            if (text[i] == '\\' && i + 1 < text.Length - 1)
            {
                i++;
            }

            builder.Append(text[i]);
        }

        return builder.ToString();
    }

    /// <summary>Makes a quoted-string of any text.</summary>
    public static string Quote(string text) => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
