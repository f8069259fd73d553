using System.Globalization;
using System.Text;
using Conferencing.Server.Common;
using Conferencing.Server.Meetings;

namespace Conferencing.Server.Reports;

/// <summary>
/// The report as one CSV file with three tables one after another (by kind, by month, by site),
/// each under a title line and separated by a blank line, as such reports are laid out for
/// spreadsheets. UTF-8 with a byte-order mark, which Excel needs to read Vietnamese. In a culture
/// whose decimal separator is the comma (Vietnamese), fields are separated by ';' and decimals use
/// the comma, as a spreadsheet set to that culture opens it in columns; otherwise ',' and '.'.
/// </summary>
public static class ReportCsv
{
    public const string ContentType = "text/csv; charset=utf-8";

    public static byte[] Write(MeetingReport report, ReportText text) => Write(report, text, CultureInfo.CurrentCulture);

    public static byte[] Write(MeetingReport report, ReportText text, CultureInfo culture)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(culture);
        var commaDecimal = culture.NumberFormat.NumberDecimalSeparator == ",";
        var delimiter = commaDecimal ? ';' : ',';
        var numbers = commaDecimal ? culture : CultureInfo.InvariantCulture;
        var csv = new StringBuilder();
        void Record(params string?[] fields) => Csv.WriteRecord(csv, delimiter, fields);
        string N(long value) => value.ToString(numbers);
        string D(double? value, string format = "0.0") => value is { } v ? v.ToString(format, numbers) : "";
        string P(double? share) => share is { } s ? (s * 100).ToString("0.0", numbers) : "";
        Record(text["ReportTitle"]);
        Record(text.Period(report.Period));
        Record(string.Format(CultureInfo.CurrentCulture, text["ReportGenerated"], Components.Display.LocalDateTime(report.GeneratedUtc)));
        csv.Append("\r\n");

        Record(text["ReportByKind"]);
        Record([.. text.KindColumns()]);
        foreach (var row in report.ByKind.Append(report.Total))
        {
            Record(text.Kind(row.Kind), N(row.Meetings), N(row.EndpointConnections),
                N(row.Delegates), N(row.DelegatesAtAttendingSites));
        }

        Record(text["ReportCancelled"], N(report.Cancelled));
        csv.Append("\r\n");

        Record(text["ReportByMonth"]);
        Record([text["ColMonth"], .. Enum.GetValues<MeetingKind>().Select(k => text.Kind(k)), text["ReportTotal"]]);
        foreach (var month in report.ByMonth)
        {
            Record([ReportText.Month(month), .. Enum.GetValues<MeetingKind>().Select(k => N(month.Of(k))), N(month.Total)]);
        }

        csv.Append("\r\n");
        Record(text["ReportBySite"]);
        Record([.. text.SiteColumns()]);
        foreach (var site in report.Sites)
        {
            var q = site.Quality;
            Record(
                site.Code, site.Name, N(site.Meetings), N(site.Present), N(site.Late),
                N(site.Absent), N(site.NotRecorded), P(site.AttendanceRate),
                N(site.Delegates), N(q?.Meetings ?? 0), D(q?.LossPercent, "0.00"),
                D(q?.JitterMs), P(q?.ConnectedShare), text.Grade(q?.Grade));
        }

        if (report.Quality is null)
        {
            csv.Append("\r\n");
            Record(text["QualityNoData"]);
        }

        return [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(csv.ToString())];
    }
}
