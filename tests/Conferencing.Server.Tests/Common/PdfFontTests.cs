using Conferencing.Server.Common;
using UglyToad.PdfPig;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Writer;

namespace Conferencing.Server.Tests.Common;

public sealed class PdfFontTests
{
    [Fact]
    public void VietnameseTextWrittenWithTheServerFontsReadsBackExactly()
    {
        const string line = "Biểu quyết: Đồng ý — Xã Pà Cò, Phường Việt Trì, Hạ Hòa";
        var builder = new PdfDocumentBuilder();
        var regular = PdfFonts.AddRegular(builder);
        var bold = PdfFonts.AddBold(builder);
        var page = builder.AddPage(PageSize.A4);
        page.AddText(line, 12, new PdfPoint(40, 700), regular);
        page.AddText("MẬT", 12, new PdfPoint(40, 680), bold);

        using var read = PdfDocument.Open(builder.Build());
        var words = read.GetPage(1).GetWords().Select(w => w.Text).ToList();
        Assert.Equal(line.Split(' ').Append("MẬT"), words);
        Assert.Equal(2, read.GetPage(1).Letters.Select(l => l.FontName).Distinct().Count());
    }
}
