using System.Globalization;
using Conferencing.Server.Common;

namespace Conferencing.Server.Components;

/// <summary>How the pages show times: always Asia/Ho_Chi_Minh, in the reader's language.</summary>
public static class Display
{
    public static string LocalRange(DateTimeOffset startUtc, DateTimeOffset endUtc)
    {
        var start = VietnamTime.ToLocal(startUtc);
        var end = VietnamTime.ToLocal(endUtc);
        var culture = CultureInfo.CurrentCulture;
        var day = start.ToString(culture.TwoLetterISOLanguageName == "vi" ? "ddd dd/MM/yyyy" : "ddd d MMM yyyy", culture);
        return start.Date == end.Date
            ? $"{day} {start:HH:mm}–{end:HH:mm}"
            : $"{day} {start:HH:mm} – {end.ToString("dd/MM HH:mm", culture)}";
    }
}
