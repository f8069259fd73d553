using System.Text;
using Conferencing.Server.Meetings;
using Conferencing.Server.Sites;
using Conferencing.Server.Tests.Infrastructure;

namespace Conferencing.Server.Tests.Meetings;

public sealed class ICalendarTests
{
    [Theory]
    [InlineData("a,b;c\\d", "a\\,b\\;c\\\\d")]
    [InlineData("line1\r\nline2\nline3", "line1\\nline2\\nline3")]
    public void TextIsEscapedPerRfc5545(string input, string expected) => Assert.Equal(expected, ICalendar.Escape(input));

    [Fact]
    public void LongLinesFoldAt75OctetsWithoutSplittingUtf8()
    {
        var builder = new StringBuilder();
        var text = "SUMMARY:" + string.Concat(Enumerable.Repeat("Hội nghị trực tuyến ", 12));
        ICalendar.Line(builder, text);
        var lines = builder.ToString().Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length > 3);
        Assert.All(lines, l => Assert.True(Encoding.UTF8.GetByteCount(l) <= 75, $"{Encoding.UTF8.GetByteCount(l)} octets: {l}"));
        Assert.All(lines.Skip(1), l => Assert.StartsWith(" ", l, StringComparison.Ordinal));
        Assert.Equal(text, lines[0] + string.Concat(lines.Skip(1).Select(l => l[1..])));
    }

    [Fact]
    public void EventTimesAreInHoChiMinhWithItsTimeZone()
    {
        var now = new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero);
        var tree = SiteTree.Build(Sample.MixedTree());
        var meeting = Meeting.Schedule(Guid.NewGuid(), new MeetingDetails("Họp, bàn; kế hoạch", null, MeetingKind.ProvinceHosted, "PT",
            new DateTimeOffset(2026, 11, 23, 1, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 23, 4, 30, 0, TimeSpan.Zero),
            new SiteSelection(["PT"], []), [], []), tree, "t", now);
        var ics = ICalendar.Write([meeting], tree, now, "Lịch");
        Assert.StartsWith("BEGIN:VCALENDAR\r\n", ics, StringComparison.Ordinal);
        Assert.Contains("BEGIN:VTIMEZONE\r\nTZID:Asia/Ho_Chi_Minh\r\n", ics, StringComparison.Ordinal);
        Assert.Contains("DTSTART;TZID=Asia/Ho_Chi_Minh:20261123T080000\r\n", ics, StringComparison.Ordinal);
        Assert.Contains("DTEND;TZID=Asia/Ho_Chi_Minh:20261123T113000\r\n", ics, StringComparison.Ordinal);
        Assert.Contains("SUMMARY:Họp\\, bàn\\; kế hoạch\r\n", ics, StringComparison.Ordinal);
        Assert.Contains("DTSTAMP:20261122T000000Z\r\n", ics, StringComparison.Ordinal);
        Assert.EndsWith("END:VCALENDAR\r\n", ics, StringComparison.Ordinal);
    }
}
