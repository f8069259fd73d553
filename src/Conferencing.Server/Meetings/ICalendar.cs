using System.Globalization;
using System.Text;
using Conferencing.Server.Common;
using Conferencing.Server.Sites;

namespace Conferencing.Server.Meetings;

/// <summary>
/// iCalendar (RFC 5545) export. Times are written in the Asia/Ho_Chi_Minh zone with its VTIMEZONE,
/// so calendar programs show the local time whatever zone they run in; text is escaped (3.3.11) and
/// lines are folded at 75 octets without splitting a UTF-8 sequence (3.1).
/// </summary>
public static class ICalendar
{
    public const string ContentType = "text/calendar; charset=utf-8";
    private const int MaxLineOctets = 75;

    public static string Write(IEnumerable<Meeting> meetings, SiteTree tree, DateTimeOffset now, string calendarName)
    {
        ArgumentNullException.ThrowIfNull(meetings);
        ArgumentNullException.ThrowIfNull(tree);
        var output = new StringBuilder();
        Line(output, "BEGIN:VCALENDAR");
        Line(output, "VERSION:2.0");
        Line(output, "PRODID:-//Conferencing//Hoi nghi truyen hinh//VI");
        Line(output, "CALSCALE:GREGORIAN");
        Line(output, "METHOD:PUBLISH");
        Line(output, "X-WR-CALNAME:" + Escape(calendarName));
        Line(output, "X-WR-TIMEZONE:" + VietnamTime.ZoneId);
        Line(output, "BEGIN:VTIMEZONE");
        Line(output, "TZID:" + VietnamTime.ZoneId);
        Line(output, "BEGIN:STANDARD");
        Line(output, "DTSTART:19750613T000000");
        Line(output, "TZOFFSETFROM:+0700");
        Line(output, "TZOFFSETTO:+0700");
        Line(output, "TZNAME:ICT");
        Line(output, "END:STANDARD");
        Line(output, "END:VTIMEZONE");
        foreach (var meeting in meetings)
        {
            WriteEvent(output, meeting, tree, now);
        }

        Line(output, "END:VCALENDAR");
        return output.ToString();
    }

    private static void WriteEvent(StringBuilder output, Meeting meeting, SiteTree tree, DateTimeOffset now)
    {
        var host = tree.TryGet(meeting.HostSiteCode, out var h) ? h.Name : meeting.HostSiteCode;
        Line(output, "BEGIN:VEVENT");
        Line(output, $"UID:{meeting.Id:D}@conferencing");
        Line(output, "DTSTAMP:" + Utc(now));
        Line(output, "CREATED:" + Utc(meeting.CreatedUtc));
        Line(output, "LAST-MODIFIED:" + Utc(meeting.UpdatedUtc));
        Line(output, $"DTSTART;TZID={VietnamTime.ZoneId}:{Local(meeting.StartUtc)}");
        Line(output, $"DTEND;TZID={VietnamTime.ZoneId}:{Local(meeting.EndUtc)}");
        Line(output, "SEQUENCE:" + meeting.Version.ToString(CultureInfo.InvariantCulture));
        Line(output, "SUMMARY:" + Escape(meeting.Title));
        Line(output, "LOCATION:" + Escape(host));
        Line(output, "CATEGORIES:" + Escape(KindName(meeting.Kind)));
        Line(output, "STATUS:" + (meeting.Status == MeetingStatus.Cancelled ? "CANCELLED" : "CONFIRMED"));
        var description = Description(meeting);
        if (description.Length > 0)
        {
            Line(output, "DESCRIPTION:" + Escape(description));
        }

        Line(output, "END:VEVENT");
    }

    private static string Description(Meeting meeting)
    {
        var text = new StringBuilder();
        if (meeting.Description is { } d)
        {
            text.Append(d).Append('\n');
        }

        if (meeting.Agenda.Count > 0)
        {
            text.Append("Chương trình:\n");
            foreach (var item in meeting.Agenda)
            {
                text.Append(CultureInfo.InvariantCulture, $"{item.Order}. {item.Title}");
                if (item.Presenter is { } p)
                {
                    text.Append(" (").Append(p).Append(')');
                }

                text.Append('\n');
            }
        }

        text.Append(CultureInfo.InvariantCulture, $"Số điểm cầu: {meeting.SiteCodes.Count}");
        if (meeting.CancelReason is { } reason)
        {
            text.Append("\nLý do hủy: ").Append(reason);
        }

        return text.ToString();
    }

    private static string KindName(MeetingKind kind) => kind switch
    {
        MeetingKind.RelayedFromCentral => "Truyền hình từ Trung ương",
        MeetingKind.ProvinceHosted => "Hội nghị cấp tỉnh",
        _ => "Hội nghị cấp xã",
    };

    private static string Utc(DateTimeOffset value) => value.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    private static string Local(DateTimeOffset value) => VietnamTime.ToLocal(value).ToString("yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture);

    /// <summary>TEXT escaping of RFC 5545 3.3.11: backslash, semicolon, comma, and newlines as \n.</summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var output = new StringBuilder(text.Length + 8);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '\\': output.Append(@"\\"); break;
                case ';': output.Append(@"\;"); break;
                case ',': output.Append(@"\,"); break;
                case '\r' when i + 1 < text.Length && text[i + 1] == '\n': break;
                case '\r' or '\n': output.Append(@"\n"); break;
                default:
                    if (!char.IsControl(c) || c == '\t')
                    {
                        output.Append(c);
                    }

                    break;
            }
        }

        return output.ToString();
    }

    /// <summary>Appends a content line folded at 75 octets; continuation lines start with one space.</summary>
    public static void Line(StringBuilder output, string line)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(line);
        var octets = 0;
        var limit = MaxLineOctets;
        for (var i = 0; i < line.Length; i++)
        {
            var width = char.IsHighSurrogate(line[i]) && i + 1 < line.Length ? 4 : Encoding.UTF8.GetByteCount(line.AsSpan(i, 1));
            if (octets + width > limit)
            {
                output.Append("\r\n ");
                octets = 0;
                limit = MaxLineOctets - 1;
            }

            output.Append(line[i]);
            if (width == 4)
            {
                output.Append(line[++i]);
            }

            octets += width;
        }

        output.Append("\r\n");
    }
}
