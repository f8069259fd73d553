using System.Collections.Concurrent;
using System.IO.Compression;

namespace Conferencing.Server.Room;

/// <summary>
/// pdf.js for the viewer, from the npm package copied beside the binary at build time, served
/// gzip-compressed (compressed once, kept in memory): on a weak link the worker is 1.3 MB plain and
/// about a third of that compressed. Loaded only when a document is first opened, then cached.
/// </summary>
internal static class ClientLibraries
{
    private static readonly ConcurrentDictionary<string, Lazy<(byte[] Plain, byte[] Gzip)>> Files = new(StringComparer.Ordinal);

    public static void Map(IEndpointRouteBuilder routes)
    {
        foreach (var name in new[] { "pdf.min.mjs", "pdf.worker.min.mjs" })
        {
            routes.MapGet("/lib/pdfjs/" + name, (HttpContext http) => Serve(http, name)).AllowAnonymous().ExcludeFromDescription();
        }
    }

    private static IResult Serve(HttpContext http, string name)
    {
        var (plain, gzip) = Files.GetOrAdd(name, n => new Lazy<(byte[], byte[])>(() => Load(n))).Value;
        var headers = http.Response.Headers;
        headers.CacheControl = "public, max-age=604800";
        headers.Vary = "Accept-Encoding";
        if (http.Request.Headers.AcceptEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase))
        {
            headers.ContentEncoding = "gzip";
            return TypedResults.Bytes(gzip, "text/javascript");
        }

        return TypedResults.Bytes(plain, "text/javascript");
    }

    private static (byte[], byte[]) Load(string name)
    {
        var plain = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "clientlib", "pdfjs", name));
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(plain);
        }

        return (plain, buffer.ToArray());
    }
}
