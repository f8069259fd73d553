using System.Diagnostics;
using System.Globalization;
using Conferencing.Server.Documents;
using UglyToad.PdfPig;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Writer;

namespace Conferencing.Room.Benchmarks;

/// <summary>
/// What a confidential open costs: stamping every page of a PDF for one reader, against the
/// baseline of copying the same pages with PdfPig without drawing anything, side by side; and how
/// much bigger the stamped copy is (the embedded font). <c>dotnet run -c Release -- --stamp</c>
/// </summary>
internal static class StampBench
{
    public static void Run(int pages, int iterations)
    {
        var folder = Directory.CreateTempSubdirectory("stamp-bench").FullName;
        var source = Path.Combine(folder, "source.pdf");
        File.WriteAllBytes(source, Source(pages));
        var stamper = new DocumentStamper();
        var stamp = new DocumentStamp("Nguyễn Văn An", "UBND xã Hy Cương", DateTimeOffset.UtcNow, "Kế hoạch", Guid.NewGuid());
        var stamped = stamper.Stamp(source, stamp);
        var copied = Copy(source);
        for (var i = 0; i < 3; i++)
        {
            stamper.Stamp(source, stamp);
            Copy(source);
        }

        var stampTimes = new List<double>();
        var copyTimes = new List<double>();
        for (var i = 0; i < iterations; i++)
        {
            var start = Stopwatch.GetTimestamp();
            stamper.Stamp(source, stamp);
            stampTimes.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            start = Stopwatch.GetTimestamp();
            Copy(source);
            copyTimes.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        stampTimes.Sort();
        copyTimes.Sort();
        var original = new FileInfo(source).Length;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{pages}-page PDF of {original / 1024} KB, {iterations} runs each"));
        Console.WriteLine("| | median ms | size KB |");
        Console.WriteLine("|---|---:|---:|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| stamp every page (reader, unit, time; top, bottom, diagonal) | {stampTimes[stampTimes.Count / 2]:0.0} | {stamped.Length / 1024} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| baseline: copy the pages, draw nothing | {copyTimes[copyTimes.Count / 2]:0.0} | {copied.Length / 1024} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| ratio | {stampTimes[stampTimes.Count / 2] / copyTimes[copyTimes.Count / 2]:0.00}x | {(double)stamped.Length / copied.Length:0.00}x |"));
    }

    private static byte[] Copy(string path)
    {
        using var document = PdfDocument.Open(path);
        using var builder = new PdfDocumentBuilder();
        for (var i = 1; i <= document.NumberOfPages; i++)
        {
            builder.AddPage(document, i);
        }

        return builder.Build();
    }

    /// <summary>A report-like PDF: text lines and a bar chart on every page, in Noto Sans.</summary>
    private static byte[] Source(int pages)
    {
        var builder = new PdfDocumentBuilder();
        var font = Conferencing.Server.Common.PdfFonts.AddRegular(builder);
        for (var p = 1; p <= pages; p++)
        {
            var page = builder.AddPage(PageSize.A4);
            for (var line = 0; line < 30; line++)
            {
                page.AddText(string.Create(CultureInfo.InvariantCulture, $"Dòng {line + 1}: tình hình kinh tế - xã hội, thu ngân sách, chuyển đổi số, trang {p}."), 10, new PdfPoint(50, 780 - (line * 14)), font);
            }

            for (var bar = 0; bar < 8; bar++)
            {
                page.DrawRectangle(new PdfPoint(60 + (bar * 55), 120), 35, 40 + (bar * 17 % 90), 1, fill: true);
            }
        }

        return builder.Build();
    }
}
