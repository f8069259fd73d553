using System.Globalization;
using Conferencing.Server.Meetings;
using Microsoft.Extensions.Localization;

namespace Conferencing.Server.Reports;

/// <summary>The words and number forms the report's page, CSV and PDF share, in the reader's language.</summary>
public sealed class ReportText(IStringLocalizer<Ui> text)
{
    public string this[string key] => text[key];

    public string Kind(MeetingKind? kind) => kind is { } k ? text["Kind" + k] : text["ReportTotal"];

    public string Grade(QualityGrade? grade) => grade is { } g ? text["Quality" + g] : "";

    public string Period(ReportPeriod period) => string.Format(CultureInfo.CurrentCulture, text["ReportPeriodLine"],
        period.From.ToString("dd/MM/yyyy", CultureInfo.InvariantCulture), period.To.ToString("dd/MM/yyyy", CultureInfo.InvariantCulture));

    public static string Month(MonthFigures month) => string.Create(CultureInfo.InvariantCulture, $"{month.Month:D2}/{month.Year}");

    /// <summary>Numbers in files are written the invariant way (1234.5), so that they read back the same anywhere.</summary>
    public static string Invariant(double? value, string format = "0.0") => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "";

    public static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string InvariantPercent(double? share) => share is { } s ? (s * 100).ToString("0.0", CultureInfo.InvariantCulture) : "";

    /// <summary>Column headings of the per-site table, in order; the CSV and the PDF print the same columns.</summary>
    public IReadOnlyList<string> SiteColumns() =>
    [
        text["ColSiteCode"], text["ColSite"], text["ColSiteMeetings"], text["AttendancePresent"], text["AttendanceLate"], text["AttendanceAbsent"],
        text["ColNotRecorded"], text["ColAttendanceRate"], text["ColDelegates"], text["ColQualityMeetings"], text["ColLoss"], text["ColJitter"],
        text["ColConnectedShare"], text["ColGrade"],
    ];

    public IReadOnlyList<string> KindColumns() =>
        [text["ColKind"], text["ColMeetings"], text["ColConnections"], text["ColDelegates"], text["ColDelegatesAttending"]];
}
