using System.Globalization;
using System.Net;
using System.Text;
using Conferencing.Server.Meetings;

namespace Conferencing.Server.Reports;

/// <summary>
/// The report's charts as SVG drawn on the server: plain bars, no script, readable without colour
/// (every bar carries its number), and a text alternative for screen readers.
/// </summary>
public static class ReportCharts
{
    /// <summary>The kind colours of the calendar, so a kind looks the same everywhere.</summary>
    public static string ColorOf(MeetingKind kind) => kind switch
    {
        MeetingKind.RelayedFromCentral => "#a4161a",
        MeetingKind.ProvinceHosted => "#1d4f91",
        _ => "#1b7f3b",
    };

    /// <summary>One horizontal bar per kind, with its count.</summary>
    public static string MeetingsByKind(MeetingReport report, ReportText text)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(text);
        const int width = 560, label = 170, row = 34, bar = 22, right = 50;
        var max = Math.Max(1, report.ByKind.Max(k => k.Meetings));
        var height = report.ByKind.Count * row + 8;
        var svg = Open(width, height, text["ChartByKind"], string.Join("; ", report.ByKind.Select(k => $"{text.Kind(k.Kind)}: {k.Meetings}")));
        for (var i = 0; i < report.ByKind.Count; i++)
        {
            var k = report.ByKind[i];
            var y = 4 + i * row;
            var length = (width - label - right) * k.Meetings / (double)max;
            svg.Append(Invariant($"<text x=\"{label - 8}\" y=\"{y + bar / 2 + 5}\" text-anchor=\"end\">{Escape(text.Kind(k.Kind))}</text>"));
            svg.Append(Invariant($"<rect x=\"{label}\" y=\"{y}\" width=\"{Math.Max(length, 1):0.#}\" height=\"{bar}\" rx=\"2\" fill=\"{ColorOf(k.Kind!.Value)}\"><title>{Escape(text.Kind(k.Kind))}: {k.Meetings}</title></rect>"));
            svg.Append(Invariant($"<text x=\"{label + length + 6:0.#}\" y=\"{y + bar / 2 + 5}\" class=\"value\">{k.Meetings}</text>"));
        }

        return svg.Append("</svg>").ToString();
    }

    /// <summary>Stacked columns per month (per year when the period is longer than two years).</summary>
    public static string MeetingsOverTime(MeetingReport report, ReportText text)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(text);
        var columns = report.ByMonth.Count <= 24
            ? report.ByMonth.Select(m => (Label: ReportText.Month(m), Counts: Enum.GetValues<MeetingKind>().Select(m.Of).ToArray())).ToList()
            : report.ByMonth.GroupBy(m => m.Year).Select(g => (Label: g.Key.ToString(CultureInfo.InvariantCulture), Counts: Enum.GetValues<MeetingKind>().Select(k => g.Sum(m => m.Of(k))).ToArray())).ToList();
        const int height = 220, bottom = 40, top = 20, left = 36;
        var slot = Math.Max(24, Math.Min(60, 640 / Math.Max(1, columns.Count)));
        var width = left + columns.Count * slot + 10;
        var max = Math.Max(1, columns.Max(c => c.Counts.Sum()));
        var scale = (height - top - bottom) / (double)max;
        var svg = Open(width, height, text["ChartOverTime"], string.Join("; ", columns.Select(c => $"{c.Label}: {c.Counts.Sum()}")));
        svg.Append(Invariant($"<line x1=\"{left}\" y1=\"{height - bottom}\" x2=\"{width - 4}\" y2=\"{height - bottom}\" stroke=\"#d9dee4\" />"));
        var kinds = Enum.GetValues<MeetingKind>();
        for (var i = 0; i < columns.Count; i++)
        {
            var (columnLabel, counts) = columns[i];
            var x = left + i * slot + slot * 0.15;
            var w = slot * 0.7;
            var y = (double)(height - bottom);
            for (var k = 0; k < kinds.Length; k++)
            {
                if (counts[k] == 0)
                {
                    continue;
                }

                var h = counts[k] * scale;
                y -= h;
                svg.Append(Invariant($"<rect x=\"{x:0.#}\" y=\"{y:0.#}\" width=\"{w:0.#}\" height=\"{h:0.#}\" fill=\"{ColorOf(kinds[k])}\"><title>{Escape(columnLabel)} · {Escape(text.Kind(kinds[k]))}: {counts[k]}</title></rect>"));
            }

            var total = counts.Sum();
            if (total > 0)
            {
                svg.Append(Invariant($"<text x=\"{x + w / 2:0.#}\" y=\"{y - 4:0.#}\" text-anchor=\"middle\" class=\"value\">{total}</text>"));
            }

            svg.Append(Invariant($"<text x=\"{x + w / 2:0.#}\" y=\"{height - bottom + 16}\" text-anchor=\"middle\" class=\"axis\">{Escape(columnLabel)}</text>"));
        }

        return svg.Append("</svg>").ToString();
    }

    private static StringBuilder Open(int width, int height, string title, string description) =>
        new StringBuilder()
            .Append(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{Escape(title)}\">"))
            .Append("<title>").Append(Escape(title)).Append("</title><desc>").Append(Escape(description)).Append("</desc>");

    private static string Escape(string value) => WebUtility.HtmlEncode(value);

    private static string Invariant(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
}
