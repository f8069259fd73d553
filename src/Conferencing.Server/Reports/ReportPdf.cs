using System.Globalization;
using System.Text;
using Conferencing.Server.Common;
using Conferencing.Server.Meetings;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Writer;

namespace Conferencing.Server.Reports;

/// <summary>
/// The report as a PDF to print or attach to a letter: A4 landscape (the per-site table needs the
/// width), the province's table by kind, a bar chart drawn with PDF rectangles, the months, and the
/// per-site table over as many pages as it takes, its header repeated on each. Noto Sans carries
/// every Vietnamese letter.
/// </summary>
public static class ReportPdf
{
    public const string ContentType = "application/pdf";

    public static byte[] Write(MeetingReport report, ReportText text) => Write(report, text, new ReportOptions());

    public static byte[] Write(MeetingReport report, ReportText text, ReportOptions letterhead)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(letterhead);
        using var builder = new PdfDocumentBuilder();
        builder.DocumentInformation.Title = Clean(text["ReportTitle"] + " " + text.Period(report.Period));
        builder.DocumentInformation.Producer = "Conferencing";
        var layout = new Layout(builder);

        Letterhead(layout, report, text, letterhead);
        layout.Gap(14);
        layout.Line(text["ReportTitle"].ToUpper(CultureInfo.CurrentCulture), 16, bold: true);
        layout.Line(text.Period(report.Period), 11);
        layout.Line(string.Format(CultureInfo.CurrentCulture, text["ReportGenerated"], Components.Display.LocalDateTime(report.GeneratedUtc)), 8, color: Muted);
        layout.Gap(10);

        layout.Heading(text["ReportByKind"]);
        var kindColumns = new[] { 220.0, 110, 110, 110, 150 };
        layout.Table(kindColumns, text.KindColumns(), report.ByKind.Append(report.Total).Select(k => new[]
        {
            text.Kind(k.Kind), Number(k.Meetings), Number(k.EndpointConnections), Number(k.Delegates), Number(k.DelegatesAtAttendingSites),
        }).ToList(), boldLast: true);
        layout.Line(string.Format(CultureInfo.CurrentCulture, "{0}: {1}", text["ReportCancelled"], Number(report.Cancelled)), 9, color: Muted);
        layout.Gap(8);
        layout.Bars(report.ByKind.Select(k => (text.Kind(k.Kind), k.Meetings, ReportCharts.ColorOf(k.Kind!.Value))).ToList());
        layout.Gap(10);

        layout.Heading(text["ReportByMonth"]);
        var kinds = Enum.GetValues<MeetingKind>();
        var monthColumns = new[] { 120.0, 150, 150, 150, 100 };
        layout.Table(monthColumns, [text["ColMonth"], .. kinds.Select(k => text.Kind(k)), text["ReportTotal"]],
            report.ByMonth.Select(m => (string[])[ReportText.Month(m), .. kinds.Select(k => Number(m.Of(k))), Number(m.Total)]).ToList());
        layout.Gap(10);

        layout.Heading(text["ReportMeetingList"]);
        if (report.Meetings.Count == 0)
        {
            layout.Line(text["ReportNoMeetings"], 9, color: Muted);
        }
        else
        {
            layout.Table([320.0, 100, 120, 130, 50, 50], [text["Title"], text["When"], text["Kind"], text["Host"], text["Sites"], text["ColDelegates"]],
                report.Meetings.Select(m => new[]
                {
                    m.Title, Components.Display.LocalDateTime(m.StartUtc), text.Kind(m.Kind), m.Host, Number(m.Sites), Number(m.Delegates),
                }).ToList(), size: 8);
        }

        layout.Gap(10);

        layout.Heading(text["ReportBySite"]);
        var columns = text.SiteColumns();
        var siteColumns = new[] { 200.0, 46, 46, 46, 46, 54, 56, 52, 56, 50, 48, 58 };
        string[] headings = [columns[1], columns[2], columns[3], columns[4], columns[5], columns[6], columns[7], columns[8], columns[10], columns[11], columns[12], columns[13]];
        layout.Table(siteColumns, headings, report.Sites.Select(s => new[]
        {
            s.Name, Number(s.Meetings), Number(s.Present), Number(s.Late), Number(s.Absent), Number(s.NotRecorded),
            Percent(s.AttendanceRate), Number(s.Delegates), Decimal(s.Quality?.LossPercent, "0.00"), Decimal(s.Quality?.JitterMs, "0.0"),
            Percent(s.Quality?.ConnectedShare), text.Grade(s.Quality?.Grade),
        }).ToList(), size: 8);
        if (report.Quality is null)
        {
            layout.Gap(4);
            layout.Line(text["QualityNoData"], 8, color: Muted);
        }

        Signature(layout, text, letterhead);
        layout.Footers(text["ReportTitle"], text["PageNumber"]);
        return builder.Build();
    }

    private static readonly (byte R, byte G, byte B) Muted = (91, 103, 117);

    /// <summary>
    /// The administrative letterhead: the agency on the left, the national title and motto on the
    /// right (the motto underlined), the place and date under the motto.
    /// </summary>
    private static void Letterhead(Layout layout, MeetingReport report, ReportText text, ReportOptions options)
    {
        var parent = (options.ParentAgency ?? report.Province ?? "").ToUpper(CultureInfo.CurrentCulture);
        var left = new List<Layout.Cell>();
        if (options.Agency is { Length: > 0 } agency)
        {
            left.Add(new(parent, 11, Bold: false));
            left.Add(new(agency.ToUpper(CultureInfo.CurrentCulture), 11, Bold: true, Underline: true));
        }
        else
        {
            left.Add(new(parent, 11, Bold: true, Underline: true));
        }

        var date = VietnamTime.LocalDate(report.GeneratedUtc);
        var dateLine = string.Format(CultureInfo.CurrentCulture, text["ReportDateLine"], date.Day.ToString("00", CultureInfo.InvariantCulture),
            date.Month.ToString("00", CultureInfo.InvariantCulture), date.Year.ToString(CultureInfo.InvariantCulture));
        if (options.Place is { Length: > 0 } place)
        {
            dateLine = place + ", " + dateLine;
        }
        else
        {
            dateLine = char.ToUpper(dateLine[0], CultureInfo.CurrentCulture) + dateLine[1..];
        }

        layout.Columns(left, 0.22,
        [
            new(text["ReportNationalTitle"], 11, Bold: true),
            new(text["ReportNationalMotto"], 12, Bold: true, Underline: true),
            new("", 6, Bold: false),
            new(dateLine, 10, Bold: false),
        ], 0.72);
    }

    /// <summary>Recipients on the left, the signer's title, a space to sign and the name on the right.</summary>
    private static void Signature(Layout layout, ReportText text, ReportOptions options)
    {
        layout.Gap(18);
        layout.Keep(130);
        layout.Columns(
        [
            new(text["ReportRecipients"], 9, Bold: true),
            new(text["ReportRecipientsFiled"], 9, Bold: false),
        ], 0.15,
        [
            new(text["ReportSignerTitle"], 11, Bold: true),
            new(text["ReportSignHint"], 9, Bold: false),
            new("", 50, Bold: false),
            new(options.SignerName ?? "", 11, Bold: true),
        ], 0.72);
    }

    private static string Number(long value) => value.ToString("N0", CultureInfo.CurrentCulture);

    private static string Percent(double? share) => share is { } s ? (s * 100).ToString("0.0", CultureInfo.CurrentCulture) : "—";

    private static string Decimal(double? value, string format) => value is { } v ? v.ToString(format, CultureInfo.CurrentCulture) : "—";

    /// <summary>
    /// Text the font can draw: Unicode form C (the font maps precomposed letters), and anything
    /// outside Latin and Vietnamese (a name someone pasted with an emoji) as '?', rather than a
    /// failed export.
    /// </summary>
    internal static string Clean(string value)
    {
        var text = value.Normalize(NormalizationForm.FormC);
        var result = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            var ok = c is >= ' ' and <= '\u024F' or >= '\u1E00' and <= '\u1EFF' or >= '\u2010' and <= '\u203A' or '\u20AB' or '\u0300' or '\u0301' or '\u0303' or '\u0309' or '\u0323';
            result.Append(ok ? c : '?');
        }

        return result.ToString();
    }

    private static (byte R, byte G, byte B) Rgb(string hex) =>
        (Convert.ToByte(hex[1..3], 16), Convert.ToByte(hex[3..5], 16), Convert.ToByte(hex[5..7], 16));

    /// <summary>A cursor down the pages: lines, tables and bars, starting a page when one is full.</summary>
    private sealed class Layout
    {
        private const double Margin = 36;
        private const double FooterSpace = 24;
        private readonly PdfDocumentBuilder _builder;
        private readonly PdfDocumentBuilder.AddedFont _regular;
        private readonly PdfDocumentBuilder.AddedFont _bold;
        private readonly List<PdfPageBuilder> _pages = [];
        private readonly Dictionary<char, double> _regularAdvances = [];
        private readonly Dictionary<char, double> _boldAdvances = [];
        private PdfPageBuilder _page = null!;
        private double _y;

        public Layout(PdfDocumentBuilder builder)
        {
            _builder = builder;
            _regular = PdfFonts.AddRegular(builder);
            _bold = PdfFonts.AddBold(builder);
            NewPage();
        }

        private double Width => _page.PageSize.Width;

        private double Height => _page.PageSize.Height;

        public void Gap(double points) => _y -= points;

        /// <summary>One line of a <see cref="Columns"/> block.</summary>
        public sealed record Cell(string Text, double Size, bool Bold, bool Underline = false);

        /// <summary>Starts a new page unless <paramref name="points"/> fit on this one, so a block is never split.</summary>
        public void Keep(double points) => Ensure(points);

        /// <summary>
        /// Two blocks side by side, each line centred on its own axis (a share of the page width),
        /// as a letterhead and a signature block are laid out; the cursor ends under the longer one.
        /// </summary>
        public void Columns(IReadOnlyList<Cell> left, double leftAxis, IReadOnlyList<Cell> right, double rightAxis)
        {
            var top = _y;
            var bottom = _y;
            foreach (var (cells, axis) in new[] { (left, leftAxis), (right, rightAxis) })
            {
                var y = top;
                foreach (var cell in cells)
                {
                    y -= cell.Size * 1.35;
                    var font = cell.Bold ? _bold : _regular;
                    var width = Measure(cell.Text, cell.Size, font);
                    var x = Width * axis - width / 2;
                    Text(cell.Text, x, y, cell.Size, cell.Bold);
                    if (cell.Underline && width > 0)
                    {
                        // The administrative style underlines a third of the line, centred.
                        _page.DrawLine(new PdfPoint(Width * axis - width / 3, y - 3), new PdfPoint(Width * axis + width / 3, y - 3), 0.6);
                    }
                }

                bottom = Math.Min(bottom, y);
            }

            _y = bottom - 4;
        }

        /// <summary>A section title, kept on the page with the first lines under it.</summary>
        public void Heading(string value)
        {
            Ensure(80);
            Line(value, 12, bold: true);
        }

        public void Line(string value, double size, bool bold = false, (byte R, byte G, byte B)? color = null)
        {
            Ensure(size * 1.5);
            _y -= size * 1.3;
            Text(value, Margin, _y, size, bold, color);
            _y -= size * 0.3;
        }

        /// <summary>A table: first column left-aligned, the rest right-aligned; headings wrap to two lines.</summary>
        public void Table(double[] widths, IReadOnlyList<string> headings, IReadOnlyList<string[]> rows, double size = 9, bool boldLast = false)
        {
            var headingLines = headings.Select((h, i) => Wrap(h, widths[i] - 6, size, _bold)).ToList();
            var headingHeight = headingLines.Max(l => l.Count) * size * 1.2 + 6;
            var rowHeight = size * 1.6;
            Ensure(headingHeight + rowHeight * Math.Min(3, Math.Max(1, rows.Count)));
            Heading();
            for (var r = 0; r < rows.Count; r++)
            {
                if (_y - rowHeight < Margin + FooterSpace)
                {
                    NewPage();
                    Heading();
                }

                var baseline = _y - rowHeight + size * 0.45;
                var bold = boldLast && r == rows.Count - 1;
                var x = Margin;
                for (var c = 0; c < widths.Length; c++)
                {
                    var cell = Fit(rows[r][c], widths[c] - 6, size, bold ? _bold : _regular);
                    if (c == 0)
                    {
                        Text(cell, x + 3, baseline, size, bold);
                    }
                    else
                    {
                        Text(cell, x + widths[c] - 3 - Measure(cell, size, bold ? _bold : _regular), baseline, size, bold);
                    }

                    x += widths[c];
                }

                _y -= rowHeight;
                _page.SetStrokeColor(217, 222, 228);
                _page.DrawLine(new PdfPoint(Margin, _y), new PdfPoint(Margin + widths.Sum(), _y), 0.5);
                _page.ResetColor();
            }

            _y -= 4;

            void Heading()
            {
                _page.SetTextAndFillColor(238, 241, 244);
                _page.SetStrokeColor(238, 241, 244);
                _page.DrawRectangle(new PdfPoint(Margin, _y - headingHeight), widths.Sum(), headingHeight, 0.1, fill: true);
                _page.ResetColor();
                var x = Margin;
                for (var c = 0; c < widths.Length; c++)
                {
                    var lines = headingLines[c];
                    for (var l = 0; l < lines.Count; l++)
                    {
                        var lineY = _y - 3 - size * 1.2 * (l + 1) + size * 0.25;
                        var cx = c == 0 ? x + 3 : x + widths[c] - 3 - Measure(lines[l], size, _bold);
                        Text(lines[l], cx, lineY, size, bold: true);
                    }

                    x += widths[c];
                }

                _y -= headingHeight;
            }
        }

        /// <summary>Horizontal bars with their labels and values, in the kinds' colours.</summary>
        public void Bars(IReadOnlyList<(string Label, int Value, string Color)> bars)
        {
            const double label = 170, barHeight = 14, row = 20, maxLength = 400;
            Ensure(bars.Count * row + 6);
            var max = Math.Max(1, bars.Max(b => b.Value));
            foreach (var (name, value, color) in bars)
            {
                _y -= row;
                Text(name, Margin + label - 8 - Measure(name, 9, _regular), _y + 4, 9);
                var length = Math.Max(1, maxLength * value / max);
                var (r, g, b) = Rgb(color);
                _page.SetTextAndFillColor(r, g, b);
                _page.SetStrokeColor(r, g, b);
                _page.DrawRectangle(new PdfPoint(Margin + label, _y), length, barHeight, 0.1, fill: true);
                _page.ResetColor();
                Text(Number(value), Margin + label + length + 6, _y + 4, 9, bold: true);
            }
        }

        /// <summary>Title and "page i of n" at the foot of every page, once the count is known.</summary>
        public void Footers(string title, string pageFormat)
        {
            for (var i = 0; i < _pages.Count; i++)
            {
                _page = _pages[i];
                Text(title, Margin, Margin - 14, 8, color: Muted);
                var number = string.Format(CultureInfo.CurrentCulture, pageFormat, i + 1, _pages.Count);
                Text(number, Width - Margin - Measure(number, 8, _regular), Margin - 14, 8, color: Muted);
            }
        }

        private void NewPage()
        {
            _page = _builder.AddPage(PageSize.A4, isPortrait: false);
            _pages.Add(_page);
            _y = Height - Margin;
        }

        private void Ensure(double needed)
        {
            if (_y - needed < Margin + FooterSpace)
            {
                NewPage();
            }
        }

        private void Text(string value, double x, double y, double size, bool bold = false, (byte R, byte G, byte B)? color = null)
        {
            var clean = Clean(value);
            if (clean.Length == 0)
            {
                return;
            }

            if (color is { } c)
            {
                _page.SetTextAndFillColor(c.R, c.G, c.B);
            }

            _page.AddText(clean, size, new PdfPoint(x, y), bold ? _bold : _regular);
            if (color is not null)
            {
                _page.ResetColor();
            }
        }

        /// <summary>
        /// The width of a text: PdfPig places letters by their advance widths alone (no kerning), so
        /// the sum of each letter's advance, asked of PdfPig once per letter and kept, is exact, and
        /// a table of 165 sites does not measure a few thousand strings from scratch.
        /// </summary>
        private double Measure(string value, double size, PdfDocumentBuilder.AddedFont font)
        {
            var advances = font == _bold ? _boldAdvances : _regularAdvances;
            var width = 0.0;
            foreach (var c in Clean(value))
            {
                if (!advances.TryGetValue(c, out var advance))
                {
                    var letters = _page.MeasureText(c.ToString(), 1, new PdfPoint(0, 0), font);
                    advance = letters.Count == 0 ? 0 : letters[^1].EndBaseLine.X - letters[0].StartBaseLine.X;
                    advances[c] = advance;
                }

                width += advance;
            }

            return width * size;
        }

        /// <summary>Cuts a cell to its column with an ellipsis, so a long commune name never runs into the numbers.</summary>
        private string Fit(string value, double width, double size, PdfDocumentBuilder.AddedFont font)
        {
            if (Measure(value, size, font) <= width)
            {
                return value;
            }

            var cut = value;
            while (cut.Length > 1 && Measure(cut + "…", size, font) > width)
            {
                cut = cut[..^1];
            }

            return cut.TrimEnd() + "…";
        }

        private List<string> Wrap(string value, double width, double size, PdfDocumentBuilder.AddedFont font)
        {
            var lines = new List<string>();
            var current = "";
            foreach (var word in value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var candidate = current.Length == 0 ? word : current + " " + word;
                if (current.Length > 0 && Measure(candidate, size, font) > width)
                {
                    lines.Add(current);
                    current = word;
                }
                else
                {
                    current = candidate;
                }
            }

            lines.Add(current);
            return lines.Count <= 3 ? lines : [lines[0], lines[1], Fit(string.Join(' ', lines.Skip(2)), width, size, font)];
        }
    }
}
