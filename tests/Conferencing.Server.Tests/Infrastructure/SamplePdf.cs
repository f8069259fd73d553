using Conferencing.Server.Common;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Writer;

namespace Conferencing.Server.Tests.Infrastructure;

/// <summary>Real PDFs for tests, written with PdfPig: one heading per page saying which page it is.</summary>
public static class SamplePdf
{
    public static byte[] Create(int pages, string title = "Báo cáo tình hình kinh tế - xã hội")
    {
        var builder = new PdfDocumentBuilder();
        var font = PdfFonts.AddRegular(builder);
        for (var i = 1; i <= pages; i++)
        {
            var page = builder.AddPage(PageSize.A4);
            page.AddText(title, 16, new PdfPoint(60, 760), font);
            page.AddText($"Trang {i} / {pages}", 14, new PdfPoint(60, 730), font);
        }

        return builder.Build();
    }
}
