using QRCoder;

namespace Conferencing.Server.Room;

/// <summary>QR images of the server's own links, drawn with QRCoder: PNG for screens, SVG for print.</summary>
public static class QrCodes
{
    /// <summary>
    /// Medium error correction (15%): a TV's glare or a folded invitation still reads, and the code
    /// stays coarse enough to scan from the back of a room.
    /// </summary>
    private const QRCodeGenerator.ECCLevel Correction = QRCodeGenerator.ECCLevel.M;

    public static byte[] Png(string text, int pixelsPerModule = 10)
    {
        using var data = QRCodeGenerator.GenerateQrCode(text, Correction);
        return new PngByteQRCode(data).GetGraphic(pixelsPerModule);
    }

    public static string Svg(string text)
    {
        using var data = QRCodeGenerator.GenerateQrCode(text, Correction);
        return new SvgQRCode(data).GetGraphic(8);
    }
}
