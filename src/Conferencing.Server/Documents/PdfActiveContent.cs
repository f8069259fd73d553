using UglyToad.PdfPig;
using UglyToad.PdfPig.Tokens;

namespace Conferencing.Server.Documents;

/// <summary>
/// Finds what a PDF would run or start rather than show: JavaScript (a /JS or /JavaScript entry, a
/// JavaScript action), Launch, SubmitForm and ImportData actions, and an /OpenAction that is an action
/// other than going to a page. Such a file is refused, not cleaned: rewriting it would break the
/// digital signature meeting documents carry, and the secretariat can export it again without the
/// script. An /OpenAction that is only a destination (open at page 1, fit width: what Word and
/// LibreOffice write) is fine.
/// </summary>
public static class PdfActiveContent
{
    /// <summary>More objects than this are not read one by one; the byte scan still covers the file.</summary>
    public const int MaxObjects = 200_000;

    private static readonly HashSet<string> ForbiddenActions = new(StringComparer.Ordinal) { "JavaScript", "Launch", "SubmitForm", "ImportData", "RichMediaExecute" };

    /// <summary>What the document carries that runs (e.g. "a JavaScript action"), or null.</summary>
    public static string? Find(PdfDocument document, string path)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (ScanFile(path) is { } raw)
        {
            return raw;
        }

        var structure = document.Structure;
        var budget = MaxObjects;
        foreach (var reference in structure.CrossReferenceTable.ObjectOffsets.Keys)
        {
            if (--budget < 0)
            {
                break;
            }

            IToken token;
            try
            {
                token = structure.GetObject(reference).Data;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // An object PdfPig cannot read is not one a viewer runs either; the byte scan saw its text.
                continue;
            }

            if (Visit(token, 0) is { } found)
            {
                return found;
            }
        }

        return null;
    }

    private static string? Visit(IToken? token, int depth)
    {
        if (depth > 64)
        {
            return null;
        }

        switch (token)
        {
            case StreamToken stream:
                return Visit(stream.StreamDictionary, depth + 1);
            case ArrayToken array:
                foreach (var item in array.Data)
                {
                    if (Visit(item, depth + 1) is { } found)
                    {
                        return found;
                    }
                }

                return null;
            case DictionaryToken dictionary:
                foreach (var (key, value) in dictionary.Data)
                {
                    if (key is "JS" or "JavaScript")
                    {
                        return "JavaScript";
                    }

                    if (key == "S" && value is NameToken action && ForbiddenActions.Contains(action.Data))
                    {
                        return $"a {action.Data} action";
                    }

                    if (key == "OpenAction" && value is DictionaryToken open && !(open.Data.TryGetValue("S", out var kind) && kind is NameToken { Data: "GoTo" }))
                    {
                        return "an action run when the document opens (/OpenAction)";
                    }

                    if (Visit(value, depth + 1) is { } found)
                    {
                        return found;
                    }
                }

                return null;
            default:
                return null;
        }
    }

    /// <summary>The plain-text names, for what sits outside every object PdfPig reads (a damaged or hidden part).</summary>
    private static string? ScanFile(string path)
    {
        // Chunks overlapping by more than the longest name, so none is cut in two unseen.
        const int chunk = 1 << 20, overlap = 16;
        var buffer = new byte[chunk + overlap];
        using var file = File.OpenRead(path);
        var kept = 0;
        int read;
        while ((read = file.Read(buffer, kept, chunk)) > 0)
        {
            var length = kept + read;
            if (Scan(buffer.AsSpan(0, length)) is { } found)
            {
                return found;
            }

            kept = Math.Min(overlap, length);
            buffer.AsSpan(length - kept, kept).CopyTo(buffer);
        }

        return null;
    }

    private static string? Scan(ReadOnlySpan<byte> bytes)
    {
        if (ContainsName(bytes, "/JavaScript"u8) || ContainsName(bytes, "/JS"u8))
        {
            return "JavaScript";
        }

        return ContainsName(bytes, "/Launch"u8) ? "a Launch action" : null;
    }

    private static bool ContainsName(ReadOnlySpan<byte> bytes, ReadOnlySpan<byte> name)
    {
        while (bytes.IndexOf(name) is var at and >= 0)
        {
            var next = at + name.Length;
            // A name ends at white space or a delimiter; /JSON or /Launcher are other names.
            if (next >= bytes.Length || bytes[next] is (byte)' ' or (byte)'\r' or (byte)'\n' or (byte)'\t' or (byte)'\f' or 0
                or (byte)'/' or (byte)'(' or (byte)')' or (byte)'<' or (byte)'>' or (byte)'[' or (byte)']' or (byte)'{' or (byte)'}' or (byte)'%')
            {
                return true;
            }

            bytes = bytes[next..];
        }

        return false;
    }
}
