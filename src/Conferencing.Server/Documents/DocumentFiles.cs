using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Conferencing.Server.Common;
using Microsoft.Extensions.Options;
using UglyToad.PdfPig;

namespace Conferencing.Server.Documents;

/// <summary>A file accepted into storage: where it is and what it is.</summary>
public sealed record StoredFile(string Sha256, long SizeBytes, int PageCount, string FileName);

/// <summary>
/// The PDF files, outside the web root and named by their SHA-256, so a file is written once however
/// many documents or versions carry it and its name proves its content. An upload is checked (size,
/// the %PDF- signature, that PdfPig can read it and it is not encrypted) in a temporary file first
/// and moved into place only when it passes, so a refused upload leaves nothing behind.
/// </summary>
public sealed class DocumentFiles(IOptions<DocumentOptions> options)
{
    /// <summary>Longest stored file name, in characters.</summary>
    public const int MaxFileNameLength = 150;

    private static readonly byte[] PdfSignature = "%PDF-"u8.ToArray();

    public string Root => options.Value.FullStoragePath;

    /// <summary>Checks an upload and stores it. Throws <see cref="DomainException"/> with the reason when refused.</summary>
    public async Task<StoredFile> StoreAsync(Stream content, string? fileName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var max = options.Value.MaxUploadBytes;
        Hosting.OwnerOnly.CreateDirectory(Path.Combine(Root, "incoming"));
        var temp = Path.Combine(Root, "incoming", Guid.NewGuid().ToString("N") + ".part");
        try
        {
            string sha;
            long size;
            await using (var file = Hosting.OwnerOnly.OpenNew(temp, useAsync: true))
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                var buffer = new byte[81920];
                size = 0;
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    size += read;
                    if (size > max)
                    {
                        throw TooLarge(max);
                    }

                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }

                sha = Convert.ToHexStringLower(hash.GetHashAndReset());
            }

            if (size == 0)
            {
                throw new DomainException(DomainErrorKind.Invalid, "document.empty", "The file is empty.", "file");
            }

            var pages = await InspectAsync(temp, cancellationToken).ConfigureAwait(false);
            var final = PathFor(sha);
            Hosting.OwnerOnly.CreateDirectory(Path.GetDirectoryName(final)!);
            if (File.Exists(final))
            {
                File.Delete(temp);
            }
            else
            {
                File.Move(temp, final);
            }

            return new StoredFile(sha, size, pages, SanitizeFileName(fileName));
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>The stored file for a SHA-256; only hex names are ever built into a path.</summary>
    public string PathFor(string sha256)
    {
        if (sha256.Length != 64 || !sha256.All(char.IsAsciiHexDigitLower))
        {
            throw new ArgumentException("Not a lower-case hex SHA-256.", nameof(sha256));
        }

        return Path.Combine(Root, sha256[..2], sha256 + ".pdf");
    }

    public static DomainException TooLarge(long max) => new(DomainErrorKind.Invalid, "document.too-large",
        string.Create(CultureInfo.InvariantCulture, $"The file is larger than the limit of {max / (1024.0 * 1024):0.#} MB."), "file",
        new Dictionary<string, object?> { ["maxBytes"] = max });

    /// <summary>
    /// A name safe to show and to put in a Content-Disposition header: no folders, no control or
    /// reserved characters, Unicode NFC (so Vietnamese letters are single code points), at most
    /// <see cref="MaxFileNameLength"/> characters, ending in .pdf.
    /// </summary>
    public static string SanitizeFileName(string? name)
    {
        var text = (name ?? "").Replace('\\', '/');
        text = text[(text.LastIndexOf('/') + 1)..].Normalize(NormalizationForm.FormC);
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (char.IsControl(c) || c is '<' or '>' or ':' or '"' or '|' or '?' or '*' or '\u202E' or '\u202D' or '\u200E' or '\u200F')
            {
                continue;
            }

            builder.Append(char.IsWhiteSpace(c) ? ' ' : c);
        }

        var clean = string.Join(' ', builder.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries)).Trim('.', ' ');
        var stem = clean.EndsWith(".pdf", StringComparison.OrdinalIgnoreCase) ? clean[..^4].TrimEnd('.', ' ') : clean;
        if (stem.Length == 0)
        {
            stem = "tai-lieu";
        }

        if (stem.Length > MaxFileNameLength - 4)
        {
            stem = stem[..(MaxFileNameLength - 4)];
            if (char.IsHighSurrogate(stem[^1]))
            {
                stem = stem[..^1];
            }
        }

        return stem + ".pdf";
    }

    /// <summary>Opens the file as a PDF and counts its pages; refuses with the reason otherwise.</summary>
    private static async Task<int> InspectAsync(string path, CancellationToken cancellationToken)
    {
        var head = new byte[1024];
        int length;
        await using (var file = File.OpenRead(path))
        {
            length = await file.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        }

        // ISO 32000 lets the header appear anywhere in the first 1024 bytes.
        if (head.AsSpan(0, length).IndexOf(PdfSignature) < 0)
        {
            throw new DomainException(DomainErrorKind.Invalid, "document.not-pdf",
                $"The file is not a PDF (no %PDF- signature){Sniff(head.AsSpan(0, length))}. Save or print it as PDF and upload that.", "file");
        }

        try
        {
            using var document = PdfDocument.Open(path);
            if (document.IsEncrypted)
            {
                throw Encrypted();
            }

            var pages = document.NumberOfPages;
            if (pages < 1)
            {
                throw new DomainException(DomainErrorKind.Invalid, "document.unreadable", "The PDF has no pages.", "file");
            }

            // Reading the first page proves the page tree holds together, not only the trailer.
            _ = document.GetPage(1).Width;
            if (PdfActiveContent.Find(document, path) is { } active)
            {
                throw new DomainException(DomainErrorKind.Invalid, "document.active-content",
                    $"The PDF carries {active}, which a reader's viewer could run. Export or print it to PDF again without scripts and actions, and upload that.", "file");
            }

            return pages;
        }
        catch (DomainException)
        {
            throw;
        }
        catch (Exception e) when (e.Message.Contains("password", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("encrypt", StringComparison.OrdinalIgnoreCase))
        {
            throw Encrypted();
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            throw new DomainException(DomainErrorKind.Invalid, "document.unreadable",
                "The file starts like a PDF but cannot be read as one (damaged or cut short). Export it again and upload that.", "file");
        }
    }

    private static DomainException Encrypted() => new(DomainErrorKind.Invalid, "document.encrypted",
        "The PDF is protected by a password or encrypted; upload a copy without protection (confidential handling is done here, by stamping).", "file");

    private static string Sniff(ReadOnlySpan<byte> head) => head switch
    {
        [0x89, (byte)'P', (byte)'N', (byte)'G', ..] => "; it is a PNG image",
        [0xFF, 0xD8, 0xFF, ..] => "; it is a JPEG image",
        [(byte)'P', (byte)'K', 3, 4, ..] => "; it is a ZIP archive (a .docx or .xlsx file is one)",
        [0xD0, 0xCF, 0x11, 0xE0, ..] => "; it is an old Office file (.doc or .xls)",
        [(byte)'{', (byte)'\\', (byte)'r', (byte)'t', (byte)'f', ..] => "; it is an RTF file",
        _ => "",
    };
}
