using System.Globalization;
using System.Text;

namespace Conferencing.Server.Common;

/// <summary>Folding of Vietnamese text for search: "Pà Cò" and "pa co" meet as "pa co".</summary>
public static class VietnameseText
{
    /// <summary>
    /// Lower-cases, strips every combining mark (tones and vowel hats) and maps đ to d, which
    /// Unicode does not decompose. Whitespace runs become one space.
    /// </summary>
    public static string Fold(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return string.Empty;
        }

        var decomposed = text.Normalize(NormalizationForm.FormD);
        var builder = new StringBuilder(decomposed.Length);
        var lastWasSpace = true;
        foreach (var c in decomposed)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark)
            {
                continue;
            }

            if (char.IsWhiteSpace(c))
            {
                if (!lastWasSpace)
                {
                    builder.Append(' ');
                    lastWasSpace = true;
                }

                continue;
            }

            lastWasSpace = false;
            builder.Append(c switch
            {
                'đ' or 'Đ' => 'd',
                _ => char.ToLowerInvariant(c),
            });
        }

        return builder.ToString().TrimEnd();
    }
}
