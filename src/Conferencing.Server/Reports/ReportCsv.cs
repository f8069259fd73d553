using System.Text;
using Conferencing.Server.Common;
using Conferencing.Server.Meetings;

namespace Conferencing.Server.Reports;

/// <summary>
/// The report as one CSV file with three tables one after another (by kind, by month, by site),
/// each under a title line and separated by a blank line, as such reports are laid out for
/// spreadsheets. UTF-8 with a byte-order mark, which Excel needs to read Vietnamese; numbers in the
/// invariant form.
/// </summary>
public static class ReportCsv
{
    public const string ContentType = "text/csv; charset=utf-8";

    public static byte[] Write(MeetingReport report, ReportText text)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(text);
        var csv = new StringBuilder();
        Csv.WriteRecord(csv, text["ReportTitle"]);
        Csv.WriteRecord(csv, text.Period(report.Period));
        Csv.WriteRecord(csv, string.Format(System.Globalization.CultureInfo.CurrentCulture, text["ReportGenerated"], Components.Display.LocalDateTime(report.GeneratedUtc)));
        csv.Append("\r\n");

        Csv.WriteRecord(csv, text["ReportByKind"]);
        Csv.WriteRecord(csv, [.. text.KindColumns()]);
        foreach (var row in report.ByKind.Append(report.Total))
        {
            Csv.WriteRecord(csv, text.Kind(row.Kind), ReportText.Invariant(row.Meetings), ReportText.Invariant(row.EndpointConnections),
                ReportText.Invariant(row.Delegates), ReportText.Invariant(row.DelegatesAtAttendingSites));
        }

        Csv.WriteRecord(csv, text["ReportCancelled"], ReportText.Invariant(report.Cancelled));
        csv.Append("\r\n");

        Csv.WriteRecord(csv, text["ReportByMonth"]);
        Csv.WriteRecord(csv, [text["ColMonth"], .. Enum.GetValues<MeetingKind>().Select(k => text.Kind(k)), text["ReportTotal"]]);
        foreach (var month in report.ByMonth)
        {
            Csv.WriteRecord(csv, [ReportText.Month(month), .. Enum.GetValues<MeetingKind>().Select(k => ReportText.Invariant(month.Of(k))), ReportText.Invariant(month.Total)]);
        }

        csv.Append("\r\n");
        Csv.WriteRecord(csv, text["ReportBySite"]);
        Csv.WriteRecord(csv, [.. text.SiteColumns()]);
        foreach (var site in report.Sites)
        {
            var q = site.Quality;
            Csv.WriteRecord(csv,
                site.Code, site.Name, ReportText.Invariant(site.Meetings), ReportText.Invariant(site.Present), ReportText.Invariant(site.Late),
                ReportText.Invariant(site.Absent), ReportText.Invariant(site.NotRecorded), ReportText.InvariantPercent(site.AttendanceRate),
                ReportText.Invariant(site.Delegates), ReportText.Invariant(q?.Meetings ?? 0), ReportText.Invariant(q?.LossPercent, "0.00"),
                ReportText.Invariant(q?.JitterMs), ReportText.InvariantPercent(q?.ConnectedShare), text.Grade(q?.Grade));
        }

        if (report.Quality is null)
        {
            csv.Append("\r\n");
            Csv.WriteRecord(csv, text["QualityNoData"]);
        }

        return [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(csv.ToString())];
    }
}
