using Conferencing.Server.Accounts;
using Conferencing.Server.Common;
using Conferencing.Server.Hosting;
using Conferencing.Server.Meetings;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.Documents;

/// <summary>
/// Documents over HTTP for the secretariat: upload (multipart, field <c>file</c>), versions, order,
/// confidential flag, the original files, and the record of who opened what. Delegates and room
/// displays read documents through the room pages instead.
/// </summary>
public static class DocumentApi
{
    /// <summary>Room for the multipart framing and the small form fields around the file.</summary>
    private const long FormOverheadBytes = 1024 * 1024;

    public sealed record DocumentResponse(
        Guid Id,
        Guid MeetingId,
        Guid? AgendaItemId,
        string Title,
        bool Confidential,
        int Order,
        int CurrentVersion,
        string FileName,
        long SizeBytes,
        string Sha256,
        int PageCount,
        IReadOnlyList<DocumentVersion> Versions,
        string CreatedBy,
        DateTimeOffset CreatedUtc,
        DateTimeOffset UpdatedUtc);

    public sealed record DocumentUpdateRequest(string? Title, bool? Confidential, Guid? AgendaItemId, bool? ClearAgendaItem);

    public sealed record DocumentOrderRequest(IReadOnlyList<Guid>? DocumentIds);

    public static void MapDocumentApi(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        var limit = routes.ServiceProvider.GetRequiredService<IOptions<DocumentOptions>>().Value.MaxUploadBytes + FormOverheadBytes;
        var uploadLimit = new UploadLimit(limit);

        var meeting = routes.MapGroup("/api/meetings/{meetingId:guid}").WithTags("Documents").RequireAuthorization(StaffRoles.Policies.Secretariat).RequireMeetingScope();
        meeting.MapGet("/documents", async (DocumentService documents, Guid meetingId, CancellationToken ct) =>
            TypedResults.Ok((await documents.ListAsync(meetingId, ct).ConfigureAwait(false)).Select(ToResponse).ToList()));
        // Staff cookies are SameSite=Strict, so a cross-site form cannot carry them: no antiforgery token needed for the API.
        meeting.MapPost("/documents", UploadAsync).DisableAntiforgery().WithMetadata(uploadLimit)
            .ProducesValidationProblem().ProducesProblem(404).ProducesProblem(409).ProducesProblem(413).ProducesProblem(415);
        meeting.MapPut("/documents/order", async (DocumentService documents, HttpContext http, Guid meetingId, DocumentOrderRequest request, CancellationToken ct) =>
            TypedResults.Ok((await documents.ReorderAsync(meetingId, request.DocumentIds, http.Actor(), ct).ConfigureAwait(false)).Select(ToResponse).ToList()))
            .ProducesValidationProblem();
        meeting.MapGet("/document-opens", async (DocumentStore store, Guid meetingId, Guid? documentId, int? limit, CancellationToken ct) =>
            TypedResults.Ok(await store.ListOpensAsync(meetingId, documentId, Math.Clamp(limit ?? 500, 1, 5000), ct).ConfigureAwait(false)));

        var document = routes.MapGroup("/api/documents/{id:guid}").WithTags("Documents").RequireAuthorization(StaffRoles.Policies.Secretariat)
            .RequireMeetingScope(async (http, ct) => Guid.TryParse(http.Request.RouteValues["id"]?.ToString(), out var id)
                ? (await http.RequestServices.GetRequiredService<DocumentService>().GetAsync(id, ct).ConfigureAwait(false))?.MeetingId
                : null);
        document.MapGet("/", GetAsync);
        document.MapPut("/", async (DocumentService documents, HttpContext http, Guid id, DocumentUpdateRequest request, CancellationToken ct) =>
            TypedResults.Ok(ToResponse(await documents.UpdateAsync(id, new DocumentChanges(request.Title, request.Confidential, request.AgendaItemId, request.ClearAgendaItem ?? false), http.Actor(), ct).ConfigureAwait(false))))
            .ProducesValidationProblem().ProducesProblem(404);
        document.MapDelete("/", async (DocumentService documents, HttpContext http, Guid id, CancellationToken ct) =>
        {
            await documents.DeleteAsync(id, http.Actor(), ct).ConfigureAwait(false);
            return TypedResults.NoContent();
        }).ProducesProblem(404);
        document.MapPost("/versions", AddVersionAsync).DisableAntiforgery().WithMetadata(uploadLimit)
            .ProducesValidationProblem().ProducesProblem(404).ProducesProblem(413).ProducesProblem(415);
        document.MapGet("/versions/{version:int}/file", OriginalAsync).Produces(200, contentType: "application/pdf").ProducesProblem(404);
    }

    private static async Task<Results<Ok<DocumentResponse>, ProblemHttpResult>> GetAsync(DocumentService documents, Guid id, CancellationToken cancellationToken) =>
        await documents.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } d ? TypedResults.Ok(ToResponse(d)) : Problems.NotFound("document", id.ToString());

    private static async Task<Results<Created<DocumentResponse>, ProblemHttpResult>> UploadAsync(DocumentService documents, HttpContext http, Guid meetingId, CancellationToken cancellationToken)
    {
        var (form, problem) = await ReadFormAsync(http, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var file = form!.Files.GetFile("file")!;
        var title = form["title"].ToString();
        bool? confidential = form["confidential"].ToString() is { Length: > 0 } flag
            ? flag is "true" or "on" or "1" ? true : flag is "false" or "off" or "0" ? false : throw DomainException.Invalid("confidential", "Confidential is true or false.")
            : null;
        Guid? agendaItem = form["agendaItemId"].ToString() is { Length: > 0 } a
            ? Guid.TryParse(a, out var g) ? g : throw DomainException.Invalid("agendaItemId", $"'{a}' is not an agenda item id.")
            : null;
        try
        {
            await using var stream = file.OpenReadStream();
            var document = await documents.UploadAsync(meetingId, stream, file.FileName,
                new DocumentChanges(string.IsNullOrWhiteSpace(title) ? null : title, confidential, agendaItem), http.Actor(), cancellationToken).ConfigureAwait(false);
            return TypedResults.Created($"/api/documents/{document.Id}", ToResponse(document));
        }
        catch (DomainException e) when (e.Code == "document.too-large")
        {
            return TooLarge(e);
        }
    }

    private static async Task<Results<Ok<DocumentResponse>, ProblemHttpResult>> AddVersionAsync(DocumentService documents, HttpContext http, Guid id, CancellationToken cancellationToken)
    {
        var (form, problem) = await ReadFormAsync(http, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var file = form!.Files.GetFile("file")!;
        try
        {
            await using var stream = file.OpenReadStream();
            return TypedResults.Ok(ToResponse(await documents.AddVersionAsync(id, stream, file.FileName, http.Actor(), cancellationToken).ConfigureAwait(false)));
        }
        catch (DomainException e) when (e.Code == "document.too-large")
        {
            return TooLarge(e);
        }
    }

    private static async Task<Results<PhysicalFileHttpResult, ProblemHttpResult>> OriginalAsync(DocumentService documents, HttpContext http, Guid id, int version, CancellationToken cancellationToken)
    {
        if (await documents.GetAsync(id, cancellationToken).ConfigureAwait(false) is not { } document || document.Find(version) is not { } v)
        {
            return Problems.NotFound("document", $"{id} v{version}");
        }

        http.Response.Headers.CacheControl = "private, no-store";
        var reader = new Reader(Reader.StaffKind, http.Actor(), http.User.FindFirst("display_name")?.Value ?? http.Actor(), null, null);
        var path = await documents.OriginalForStaffAsync(document, v, reader, http.Request.Headers.UserAgent.ToString(), http.Connection.RemoteIpAddress?.ToString(), cancellationToken).ConfigureAwait(false);
        // Downloaded, never shown by the browser's own viewer: attachment (the file name makes it
        // one) and a sandbox with nothing allowed, should a browser open it anyway.
        http.Response.Headers.ContentSecurityPolicy = Hosting.SecurityHeadersMiddleware.DocumentContentSecurityPolicy;
        return TypedResults.PhysicalFile(path, "application/pdf", v.FileName, enableRangeProcessing: true);
    }

    private static async Task<(IFormCollection? Form, ProblemHttpResult? Problem)> ReadFormAsync(HttpContext http, CancellationToken cancellationToken)
    {
        if (!http.Request.HasFormContentType)
        {
            return (null, Problems.Of(415, "Unsupported media type", "document.not-multipart", "Upload the PDF as multipart/form-data with the file in the field 'file'."));
        }

        IFormCollection form;
        try
        {
            form = await http.Request.ReadFormAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            return (null, Problems.Of(400, "Invalid request", "request.bad-form", $"The multipart form cannot be read: {e.Message}"));
        }

        if (form.Files.GetFile("file") is null)
        {
            return (null, TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { ["file"] = ["No file: send the PDF in the multipart field 'file'."] })
            {
                Status = 400,
                Title = "Invalid request",
                Detail = "No file was sent.",
                Extensions = { ["code"] = "document.no-file" },
            }));
        }

        return (form, null);
    }

    private static ProblemHttpResult TooLarge(DomainException e) => TypedResults.Problem(statusCode: 413, title: "File too large", detail: e.Message,
        extensions: new Dictionary<string, object?> { ["code"] = e.Code, ["maxBytes"] = e.Details.GetValueOrDefault("maxBytes") });

    internal static DocumentResponse ToResponse(MeetingDocument d)
    {
        var current = d.Current;
        return new(d.Id, d.MeetingId, d.AgendaItemId, d.Title, d.Confidential, d.Order, d.CurrentVersion, current.FileName, current.SizeBytes,
            current.Sha256, current.PageCount, d.Versions, d.CreatedBy, d.CreatedUtc, d.UpdatedUtc);
    }

    private sealed class UploadLimit(long bytes) : IRequestSizeLimitMetadata
    {
        public long? MaxRequestBodySize => bytes;
    }
}
