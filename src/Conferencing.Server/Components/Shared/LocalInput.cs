using System.Globalization;

namespace Conferencing.Server.Components.Shared;

/// <summary>
/// Dates and times typed into plain text fields in the interface's form (dd/MM/yyyy and 24-hour
/// HH:mm in Vietnamese) rather than the browser's native pickers, which follow the browser's
/// language and show "08:00 AM" to a Vietnamese secretariat. Reading accepts the interface's form,
/// d/M/yyyy and the ISO yyyy-MM-dd (what a bookmark or a program sends).
/// </summary>
public static class LocalInput
{
    private static readonly string[] IsoDay = ["yyyy-MM-dd"];
    private static readonly string[] Times = ["H:mm", "HH:mm", "H.mm", "HH.mm", "HHmm"];

    /// <summary>The day pattern of the interface's culture, two-digit day and month: dd/MM/yyyy in Vietnamese.</summary>
    public static string DayPattern => CultureInfo.CurrentCulture.TwoLetterISOLanguageName == "vi" ? "dd/MM/yyyy" : "MM/dd/yyyy";

    public static string Day(DateOnly day) => day.ToString(DayPattern, CultureInfo.InvariantCulture);

    public static string Day(DateOnly? day) => day is { } d ? Day(d) : "";

    public static string Time(TimeOnly time) => time.ToString("HH:mm", CultureInfo.InvariantCulture);

    public static DateOnly? ParseDay(string? value)
    {
        var text = value?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var loose = DayPattern.Replace("dd", "d", StringComparison.Ordinal).Replace("MM", "M", StringComparison.Ordinal);
        return DateOnly.TryParseExact(text, [DayPattern, loose, .. IsoDay], CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) ? day : null;
    }

    public static TimeOnly? ParseTime(string? value) =>
        TimeOnly.TryParseExact(value?.Trim(), Times, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time) ? time : null;

    /// <summary>A typed day as the ISO form the pages keep in their addresses, or the text itself when it is no day (the page then says so).</summary>
    public static string? ToIso(string? value) => ParseDay(value) is { } day ? Display.IsoDate(day) : value;
}
