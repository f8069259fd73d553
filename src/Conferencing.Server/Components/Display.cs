using System.Globalization;
using Conferencing.Server.Common;

namespace Conferencing.Server.Components;

/// <summary>How the pages show times: always Asia/Ho_Chi_Minh, in the reader's language.</summary>
public static class Display
{
    private static bool IsVietnamese => CultureInfo.CurrentCulture.TwoLetterISOLanguageName == "vi";

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

    /// <summary>"08:00–11:30", or with the end day when the meeting runs past midnight.</summary>
    public static string LocalTimes(DateTimeOffset startUtc, DateTimeOffset endUtc)
    {
        var start = VietnamTime.ToLocal(startUtc);
        var end = VietnamTime.ToLocal(endUtc);
        return start.Date == end.Date
            ? string.Create(CultureInfo.InvariantCulture, $"{start:HH:mm}–{end:HH:mm}")
            : string.Create(CultureInfo.InvariantCulture, $"{start:HH:mm} – {end:dd/MM HH:mm}");
    }

    /// <summary>Local date and time of an instant, e.g. "12/05/2025 08:05:10".</summary>
    public static string LocalDateTime(DateTimeOffset utc, bool seconds = false) =>
        VietnamTime.ToLocal(utc).ToString(seconds ? "dd/MM/yyyy HH:mm:ss" : "dd/MM/yyyy HH:mm", CultureInfo.InvariantCulture);

    public static string LocalTime(DateTimeOffset utc) => VietnamTime.ToLocal(utc).ToString("HH:mm", CultureInfo.InvariantCulture);

    /// <summary>A calendar day, "12/05/2025" (day first in both languages the pages speak).</summary>
    public static string Date(DateOnly day) => day.ToString("dd/MM/yyyy", CultureInfo.InvariantCulture);

    /// <summary>"Thứ Hai" or "Monday".</summary>
    public static string DayName(DayOfWeek day)
    {
        var name = CultureInfo.CurrentCulture.DateTimeFormat.GetDayName(day);
        return name.Length > 0 ? char.ToUpper(name[0], CultureInfo.CurrentCulture) + name[1..] : name;
    }

    /// <summary>"Tháng 5/2025" or "May 2025".</summary>
    public static string Month(DateOnly day) => IsVietnamese
        ? string.Create(CultureInfo.InvariantCulture, $"Tháng {day.Month}/{day.Year}")
        : day.ToString("MMMM yyyy", CultureInfo.CurrentCulture);

    /// <summary>Numbers with the reader's grouping: 4.157 in Vietnamese, 4,157 in English.</summary>
    public static string Number(long value) => value.ToString("N0", CultureInfo.CurrentCulture);

    public static string Percent(double? share) => share is { } s ? (s * 100).ToString("0.0", CultureInfo.CurrentCulture) + " %" : "—";

    public static string Decimal(double? value, string format = "0.0") => value is { } v ? v.ToString(format, CultureInfo.CurrentCulture) : "—";

    /// <summary>Parses the yyyy-MM-dd form the pages put in links and date inputs.</summary>
    public static DateOnly? ParseIsoDate(string? text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) ? day : null;

    public static string IsoDate(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
