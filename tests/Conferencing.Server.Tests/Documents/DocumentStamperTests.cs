using Conferencing.Server.Documents;
using Conferencing.Server.Tests.Infrastructure;
using UglyToad.PdfPig;

namespace Conferencing.Server.Tests.Documents;

public sealed class DocumentStamperTests
{
    [Fact]
    public void EveryPageOfAStampedCopyNamesTheReaderTheUnitAndTheLocalTimeAndKeepsItsContent()
    {
        var source = Path.Combine(Directory.CreateTempSubdirectory("stamp").FullName, "mat.pdf");
        File.WriteAllBytes(source, SamplePdf.Create(3, "Kế hoạch bảo đảm an ninh"));
        var opened = new DateTimeOffset(2026, 3, 2, 1, 5, 0, TimeSpan.Zero);
        var bytes = new DocumentStamper().Stamp(source, new DocumentStamp("Nguyễn Văn An", "UBND xã Hy Cương", opened, "Kế hoạch", Guid.Parse("5f0c1a2b-0000-4000-8000-000000000001")));

        using var stamped = PdfDocument.Open(bytes);
        Assert.Equal(3, stamped.NumberOfPages);
        for (var i = 1; i <= 3; i++)
        {
            var text = string.Join(' ', stamped.GetPage(i).GetWords().Select(w => w.Text));
            Assert.Contains("Kế hoạch bảo đảm an ninh", text, StringComparison.Ordinal);
            Assert.Contains($"Trang {i} / 3", text, StringComparison.Ordinal);
            // Top, bottom and the diagonal: three stamps per page, in Vietnam's time (08:05, UTC+7).
            Assert.Equal(3, CountOf(text, "Nguyễn Văn An · UBND xã Hy Cương · 08:05 02/03/2026 · #5f0c1a2b"));
            Assert.Equal(3, CountOf(text, "TÀI LIỆU MẬT"));
        }
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
