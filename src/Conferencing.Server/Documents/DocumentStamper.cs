using System.Globalization;
using System.Text;
using Conferencing.Server.Common;
using UglyToad.PdfPig;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Graphics.Operations;
using UglyToad.PdfPig.Graphics.Operations.SpecialGraphicsState;
using UglyToad.PdfPig.Writer;

namespace Conferencing.Server.Documents;

/// <summary>
/// What a confidential copy is stamped with: who opened it, their unit (for a room display: the
/// display link's label), when, and the open's id, so two readers with the same name, or one reader
/// opening twice in a minute, get copies that tell them apart, and any copy leads to its row in
/// <c>document_opens</c>.
/// </summary>
public sealed record DocumentStamp(string ReaderName, string? Unit, DateTimeOffset OpenedUtc, string DocumentTitle, Guid OpenId)
{
    /// <summary>The open's id as printed: its first 8 hex digits, enough to find the row among a meeting's opens.</summary>
    public string OpenMark => OpenId.ToString("N")[..8];

    /// <summary>The line printed at the top and bottom of every page.</summary>
    public string Line => string.Create(CultureInfo.InvariantCulture,
        $"TÀI LIỆU MẬT · {ReaderName}{(string.IsNullOrWhiteSpace(Unit) ? "" : " · " + Unit)} · {VietnamTime.ToLocal(OpenedUtc):HH:mm dd/MM/yyyy} · #{OpenMark}").Normalize(NormalizationForm.FormC);
}

/// <summary>
/// Copies every page of a PDF into a new document and draws the reader's name, unit and the time
/// over it: a line at the top and at the bottom, and a large pale diagonal line across the middle,
/// so a photo of any part of a page still shows whose copy it was. One bold face of Noto Sans is
/// embedded (Vietnamese names need it).
/// </summary>
public sealed class DocumentStamper
{
    private const double Margin = 14;

    public byte[] Stamp(string sourcePath, DocumentStamp stamp)
    {
        ArgumentNullException.ThrowIfNull(stamp);
        using var source = PdfDocument.Open(sourcePath);
        using var builder = new PdfDocumentBuilder();
        builder.DocumentInformation.Title = stamp.DocumentTitle.Normalize(NormalizationForm.FormC);
        builder.DocumentInformation.Producer = "Conferencing";
        var font = PdfFonts.AddBold(builder);
        var line = stamp.Line;
        for (var i = 1; i <= source.NumberOfPages; i++)
        {
            var page = builder.AddPage(source, i);
            page.NewContentStreamAfter();
            var size = page.PageSize;
            var width = size.Width;
            var fontSize = FitSize(page, line, font, width - (2 * Margin), 9);

            page.SetTextAndFillColor(180, 20, 20);
            page.AddText(line, fontSize, new PdfPoint(size.Left + Margin, size.Top - Margin - fontSize), font);
            page.AddText(line, fontSize, new PdfPoint(size.Left + Margin, size.Bottom + Margin), font);

            // The diagonal: rotate the text space about the page centre, then write pale and large.
            var diagonal = Math.Sqrt((width * width) + (size.Height * size.Height));
            var big = FitSize(page, line, font, diagonal * 0.8, 28);
            var angle = Math.Atan2(size.Height, width);
            var (cos, sin) = (Math.Cos(angle), Math.Sin(angle));
            var textWidth = Measure(page, line, big, font);
            var cx = size.Left + (width / 2);
            var cy = size.Bottom + (size.Height / 2);
            if (page.CurrentStream.Operations is ICollection<IGraphicsStateOperation> { IsReadOnly: false } operations)
            {
                operations.Add(Push.Value);
                operations.Add(new ModifyCurrentTransformationMatrix([cos, sin, -sin, cos, cx, cy]));
                page.SetTextAndFillColor(230, 160, 160);
                page.AddText(line, big, new PdfPoint(-textWidth / 2, -big / 3), font);
                operations.Add(Pop.Value);
            }

            page.ResetColor();
        }

        return builder.Build();
    }

    private static double FitSize(PdfPageBuilder page, string text, PdfDocumentBuilder.AddedFont font, double width, double preferred)
    {
        var measured = Measure(page, text, preferred, font);
        return measured <= width ? preferred : Math.Max(4, preferred * width / measured);
    }

    private static double Measure(PdfPageBuilder page, string text, double size, PdfDocumentBuilder.AddedFont font)
    {
        var letters = page.MeasureText(text, size, new PdfPoint(0, 0), font);
        return letters.Count == 0 ? 0 : letters.Max(l => l.BoundingBox.Right) - letters.Min(l => l.BoundingBox.Left);
    }
}
