using System.Globalization;
using System.Net;
using System.Text;
using Conferencing.Server.Common;
using Conferencing.Server.Relaying;

namespace Conferencing.Server.Monitoring;

/// <summary>One line of a chart: its name, colour and a value per bucket (null where there is none).</summary>
public sealed record ChartSeries(string Name, string Color, IReadOnlyList<double?> Values);

/// <summary>
/// Quality over time as inline SVG, drawn on the server from the stored history buckets: no chart
/// library, nothing to download, readable on the weakest screen. Lines break where a bucket has no
/// figure (the site was not connected). Times on the axis are Asia/Ho_Chi_Minh.
/// </summary>
public static class QualityChart
{
    private const int Width = 640;
    private const int Height = 150;
    private const int Left = 44;
    private const int Right = 10;
    private const int Top = 22;
    private const int Bottom = 22;

    /// <summary>Loss in and out, and the worst second, percent.</summary>
    public static string Loss(IReadOnlyList<CallHistoryBucket> buckets, string title, string inName, string outName) =>
        Draw(title, "%", buckets.Select(b => b.BucketUtc).ToList(),
            [new(inName, "#c0392b", buckets.Select(b => b.LossInPercent).ToList()), new(outName, "#e67e22", buckets.Select(b => b.LossOutPercent).ToList())]);

    /// <summary>Bitrate in and out, kbit/s.</summary>
    public static string Bitrate(IReadOnlyList<CallHistoryBucket> buckets, string title, string inName, string outName) =>
        Draw(title, "kbit/s", buckets.Select(b => b.BucketUtc).ToList(),
            [new(inName, "#1d4f91", buckets.Select(b => b.BitrateInKbps).ToList()), new(outName, "#27ae60", buckets.Select(b => b.BitrateOutKbps).ToList())]);

    /// <summary>Jitter and round trip, ms.</summary>
    public static string Delay(IReadOnlyList<CallHistoryBucket> buckets, string title, string jitterName, string roundTripName) =>
        Draw(title, "ms", buckets.Select(b => b.BucketUtc).ToList(),
            [new(jitterName, "#8e44ad", buckets.Select(b => b.JitterMs).ToList()), new(roundTripName, "#7f8c8d", buckets.Select(b => b.RoundTripMs).ToList())]);

    /// <summary>A line chart of the series over the times (one value per time).</summary>
    public static string Draw(string title, string unit, IReadOnlyList<DateTimeOffset> times, IReadOnlyList<ChartSeries> series)
    {
        ArgumentNullException.ThrowIfNull(times);
        ArgumentNullException.ThrowIfNull(series);
        var svg = new StringBuilder();
        svg.Append(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"quality-chart\" viewBox=\"0 0 {Width} {Height}\" width=\"100%\" role=\"img\" aria-label=\"{E(title)}\">"));
        svg.Append(Invariant($"<text x=\"{Left}\" y=\"14\" font-weight=\"600\">{E(title)}</text>"));
        var max = series.SelectMany(s => s.Values).Where(v => v is { } x && double.IsFinite(x)).Select(v => v!.Value).DefaultIfEmpty(0).Max();
        var top = NiceCeiling(max);
        var plotW = Width - Left - Right;
        var plotH = Height - Top - Bottom;
        for (var i = 0; i <= 2; i++)
        {
            var y = Top + plotH - (plotH * i / 2.0);
            svg.Append(Invariant($"<line x1=\"{Left}\" y1=\"{y:0.#}\" x2=\"{Width - Right}\" y2=\"{y:0.#}\" stroke=\"#e5e7eb\"/>"));
            // Positions are invariant (SVG syntax); the figure is written the reader's way (0,5 in Vietnamese).
            svg.Append(Invariant($"<text x=\"{Left - 4}\" y=\"{y + 4:0.#}\" text-anchor=\"end\">{(top * i / 2).ToString("0.##", CultureInfo.CurrentCulture)}</text>"));
        }

        // The unit on the title's line, clear of the top tick's figure it used to overlap.
        svg.Append(Invariant($"<text x=\"4\" y=\"14\" fill=\"#5b6775\">{E(unit)}</text>"));
        if (times.Count > 0)
        {
            var first = times[0];
            var span = Math.Max(1, (times[^1] - first).TotalSeconds);
            double X(int i) => Left + (times.Count == 1 ? plotW / 2.0 : (times[i] - first).TotalSeconds / span * plotW);
            foreach (var (at, anchor, x) in new[] { (times[0], "start", (double)Left), (times[^1], "end", (double)(Width - Right)) })
            {
                svg.Append(Invariant($"<text x=\"{x:0.#}\" y=\"{Height - 6}\" text-anchor=\"{anchor}\">{VietnamTime.ToLocal(at):HH:mm}</text>"));
            }

            var legendX = Left + 160;
            foreach (var s in series)
            {
                svg.Append(Invariant($"<rect x=\"{legendX}\" y=\"6\" width=\"10\" height=\"10\" fill=\"{s.Color}\"/><text x=\"{legendX + 14}\" y=\"15\">{E(s.Name)}</text>"));
                legendX += 24 + (s.Name.Length * 6);

                // A gap in the figures breaks the line, so a disconnected minute is not drawn as a slope.
                var path = new StringBuilder();
                var open = false;
                for (var i = 0; i < s.Values.Count && i < times.Count; i++)
                {
                    if (s.Values[i] is not { } v || !double.IsFinite(v))
                    {
                        open = false;
                        continue;
                    }

                    var y = Top + plotH - (top <= 0 ? 0 : v / top * plotH);
                    path.Append(Invariant($"{(open ? " L" : " M")}{X(i):0.#},{y:0.#}"));
                    open = true;
                }

                if (path.Length > 0)
                {
                    svg.Append(Invariant($"<path d=\"{path.ToString().Trim()}\" fill=\"none\" stroke=\"{s.Color}\" stroke-width=\"1.6\"><title>{E(s.Name)}</title></path>"));
                }
            }
        }

        svg.Append("</svg>");
        return svg.ToString();
    }

    /// <summary>1, 2 or 5 times a power of ten at or above the value, so the axis reads in round numbers.</summary>
    public static double NiceCeiling(double value)
    {
        if (value <= 0 || !double.IsFinite(value))
        {
            return 1;
        }

        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var step in new[] { 1.0, 2.0, 5.0, 10.0 })
        {
            if (step * magnitude >= value)
            {
                return step * magnitude;
            }
        }

        return 10 * magnitude;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
