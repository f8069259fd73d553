using UglyToad.PdfPig.Writer;

namespace Conferencing.Server.Common;

/// <summary>
/// The font the server writes PDFs with (stamps on confidential documents, reports, invitations):
/// Noto Sans, which has every Vietnamese glyph. It comes from the npm registry at build time and is
/// copied next to the binary (see the csproj), so a fresh machine with only the .NET SDK writes
/// Vietnamese PDFs without system fonts. Text must be in Unicode normalization form C: the font maps
/// precomposed letters (ệ, ữ, Đ), not combining marks.
/// </summary>
public static class PdfFonts
{
    private static readonly Lazy<byte[]> RegularBytes = new(() => Load("NotoSans-Regular"));
    private static readonly Lazy<byte[]> BoldBytes = new(() => Load("NotoSans-Bold"));

    /// <summary>Where the font files are looked for: <c>fonts/</c> beside the binary.</summary>
    public static string Directory { get; } = Path.Combine(AppContext.BaseDirectory, "fonts");

    /// <summary>Adds the regular face to a document being written.</summary>
    /// <exception cref="FileNotFoundException">The build did not copy the font files.</exception>
    public static PdfDocumentBuilder.AddedFont AddRegular(PdfDocumentBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddTrueTypeFont(RegularBytes.Value);
    }

    /// <summary>Adds the bold face to a document being written.</summary>
    /// <exception cref="FileNotFoundException">The build did not copy the font files.</exception>
    public static PdfDocumentBuilder.AddedFont AddBold(PdfDocumentBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddTrueTypeFont(BoldBytes.Value);
    }

    private static byte[] Load(string face)
    {
        var path = Path.Combine(Directory, face + ".ttf");
        // Flattened: PdfPig's subsetting loses the components of composite glyphs (see TrueTypeFlattener).
        return File.Exists(path)
            ? TrueTypeFlattener.Flatten(File.ReadAllBytes(path))
            : throw new FileNotFoundException($"The PDF font {face}.ttf is missing from {Directory}; the build copies it from node_modules (npm ci in src/Conferencing.Server).", path);
    }
}
