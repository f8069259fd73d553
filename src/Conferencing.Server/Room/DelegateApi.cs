using System.Security.Claims;
using Conferencing.Server.Common;
using Conferencing.Server.Documents;
using Conferencing.Server.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.Room;

/// <summary>
/// What delegates' phones (/d/api, delegate cookie) and room displays (/display/api, display cookie)
/// call: the room's state, opening documents, the files, asking to speak and voting.
/// </summary>
public static class DelegateApi
{
    /// <summary>An open of a document: the viewer fetches <see cref="Url"/> (with range requests).</summary>
    public sealed record OpenResponse(Guid OpenId, Guid DocumentId, string Title, int Version, int PageCount, bool Confidential, string Url);

    public sealed record BallotRequest(VoteChoice? Choice);

    /// <summary>What a room display shows now: its meeting and the QR code to put on screen.</summary>
    public sealed record DisplayState(string SiteCode, string SiteName, RoomMeeting? Meeting, string? QrImage, string? QrUrl, DateTimeOffset? QrExpiresUtc, int RotateSeconds);

    public static void MapDelegateApi(this IEndpointRouteBuilder routes)
    {
        var d = routes.MapGroup("/d/api").WithTags("Delegates").RequireAuthorization(RoomAuth.DelegatePolicy);
        d.MapGet("/state", async (RoomDirectory directory, HttpContext http, CancellationToken ct) =>
        {
            var me = Me(http);
            return await directory.SnapshotForDelegateAsync(me.MeetingId, me.DelegateId, ct).ConfigureAwait(false) is { } s
                ? (Results<Ok<RoomSnapshot>, ProblemHttpResult>)TypedResults.Ok(s)
                : Problems.NotFound("delegate", me.DelegateId.ToString());
        });
        d.MapPost("/documents/{id:guid}/open", async (DocumentService documents, MeetingServiceAccessor meetings, HttpContext http, Guid id, CancellationToken ct) =>
        {
            var me = Me(http);
            var person = await meetings.DelegateAsync(me.MeetingId, me.DelegateId, ct).ConfigureAwait(false);
            var reader = new Reader(Reader.DelegateKind, me.DelegateId.ToString(), person.Name, person.Unit, me.SessionId);
            return await OpenAsync(documents, http, me.MeetingId, id, reader, "/d/api/opens/", ct).ConfigureAwait(false);
        }).ProducesProblem(404);
        d.MapGet("/opens/{openId:guid}/file", (DocumentService documents, DocumentStore store, HttpContext http, Guid openId, CancellationToken ct) =>
            FileAsync(documents, store, http, openId, Reader.DelegateKind, Me(http).DelegateId.ToString(), ct));
        d.MapPost("/speak", async (SpeakingService speaking, HttpContext http, CancellationToken ct) =>
        {
            var me = Me(http);
            return TypedResults.Ok(await speaking.RequestAsync(me.MeetingId, me.DelegateId, ct).ConfigureAwait(false));
        }).ProducesProblem(409);
        d.MapDelete("/speak", async (SpeakingService speaking, HttpContext http, CancellationToken ct) =>
        {
            var me = Me(http);
            await speaking.WithdrawAsync(me.MeetingId, me.DelegateId, ct).ConfigureAwait(false);
            return TypedResults.NoContent();
        }).ProducesProblem(409);
        d.MapPost("/polls/{pollId:guid}/ballot", async (VotingService voting, HttpContext http, Guid pollId, BallotRequest request, CancellationToken ct) =>
        {
            var me = Me(http);
            return TypedResults.Ok((await voting.CastAsync(me.MeetingId, pollId, me.DelegateId, request.Choice, ct).ConfigureAwait(false)).ForRoom());
        }).ProducesValidationProblem().ProducesProblem(409).WithMetadata(LogWithoutCallerMetadata.Instance);
        d.MapPost("/sign-out", async (DelegateAccess access, HttpContext http, CancellationToken ct) =>
        {
            var me = Me(http);
            await access.RevokeAsync(me.MeetingId, me.DelegateId, "delegate:" + me.DelegateId, ct).ConfigureAwait(false);
            await http.SignOutAsync(RoomAuth.DelegateScheme).ConfigureAwait(false);
            return TypedResults.NoContent();
        });

        var display = routes.MapGroup("/display").WithTags("Room displays").RequireAuthorization(RoomAuth.DisplayPolicy);
        display.MapGet("/api/state", DisplayStateAsync);
        display.MapGet("/qr/{code}.png", async (DelegateAccess access, IOptions<RoomOptions> options, HttpContext http, string code, CancellationToken ct) =>
        {
            // Only the server's own, genuine room codes are drawn: this is no general QR service.
            if (!await access.IsRoomCodeAsync(code, ct).ConfigureAwait(false))
            {
                return (Results<FileContentHttpResult, ProblemHttpResult>)Problems.Of(404, "Not found", "token.invalid", "No such room code.");
            }

            http.Response.Headers.CacheControl = "private, max-age=120";
            return TypedResults.File(QrCodes.Png(RoomPages.JoinUrl(options.Value, http, code)), "image/png");
        }).ExcludeFromDescription();
        display.MapPost("/api/documents/{id:guid}/open", async (DocumentService documents, DisplayLinks links, HttpContext http, Guid id, CancellationToken ct) =>
        {
            var identity = http.User.DisplayIdentity()!;
            var meeting = await links.CurrentMeetingAsync(identity.DisplaySite()!, ct).ConfigureAwait(false) ?? throw DomainException.NotFound("meeting", "current");
            // A display's copy names the site and which screen (the link's label, never its secret).
            var linkId = identity.DisplayLinkId()!.Value;
            var label = (await links.GetAsync(linkId, ct).ConfigureAwait(false))?.Label;
            var reader = new Reader(Reader.DisplayKind, linkId.ToString(), identity.Name ?? "", "Màn hình phòng họp" + (label is null ? "" : ": " + label), null);
            return await OpenAsync(documents, http, meeting.Id, id, reader, "/display/api/opens/", ct).ConfigureAwait(false);
        }).ProducesProblem(404);
        display.MapGet("/api/opens/{openId:guid}/file", (DocumentService documents, DocumentStore store, HttpContext http, Guid openId, CancellationToken ct) =>
            FileAsync(documents, store, http, openId, Reader.DisplayKind, http.User.DisplayIdentity()!.DisplayLinkId()!.Value.ToString(), ct));
    }

    private static async Task<Ok<DisplayState>> DisplayStateAsync(DisplayLinks links, DelegateAccess access, RoomDirectory directory, Sites.SiteStore sites,
        IOptions<RoomOptions> options, HttpContext http, CancellationToken cancellationToken)
    {
        var identity = http.User.DisplayIdentity()!;
        var site = identity.DisplaySite()!;
        var name = (await sites.LoadTreeAsync(cancellationToken).ConfigureAwait(false)).TryGet(site, out var s) ? s.Name : site;
        var rotate = (int)options.Value.QrRotation.TotalSeconds;
        var meeting = await links.CurrentMeetingAsync(site, cancellationToken).ConfigureAwait(false);
        http.Response.Headers.CacheControl = "no-store";
        if (meeting is null || meeting.Status is Meetings.MeetingStatus.Ended or Meetings.MeetingStatus.Cancelled)
        {
            return TypedResults.Ok(new DisplayState(site, name, meeting is null ? null : await directory.ToRoomAsync(meeting, cancellationToken).ConfigureAwait(false), null, null, null, rotate));
        }

        var (code, expires) = await access.RoomCodeAsync(meeting.Id, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new DisplayState(site, name, await directory.ToRoomAsync(meeting, cancellationToken).ConfigureAwait(false),
            "/display/qr/" + code + ".png", RoomPages.JoinUrl(options.Value, http, code), expires, rotate));
    }

    private static async Task<Results<Ok<OpenResponse>, ProblemHttpResult>> OpenAsync(DocumentService documents, HttpContext http, Guid meetingId, Guid documentId, Reader reader, string filePrefix, CancellationToken cancellationToken)
    {
        if (await documents.GetAsync(documentId, cancellationToken).ConfigureAwait(false) is not { } document || document.MeetingId != meetingId)
        {
            return Problems.NotFound("document", documentId.ToString());
        }

        if (document.Confidential && !documents.TryTakeStamping(reader))
        {
            http.Response.Headers.RetryAfter = "10";
            return Problems.Of(StatusCodes.Status429TooManyRequests, "Too many copies", "document.too-many-copies", "Confidential copies are made for you a few a minute; wait a moment and open the document again.");
        }

        var open = await documents.OpenAsync(document, reader, http.Request.Headers.UserAgent.ToString(), http.Connection.RemoteIpAddress?.ToString(), cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new OpenResponse(open.Id, document.Id, document.Title, open.Version, document.Find(open.Version)!.PageCount, document.Confidential,
            filePrefix + open.Id.ToString("N") + "/file"));
    }

    /// <summary>
    /// Serves an open's file to the reader who opened it, with range requests for the viewer. A
    /// stamped confidential copy is inline, never cached, carries no file name, and is refused as a
    /// top-level navigation (typing the URL, "open in new tab"): only the viewer's fetch gets it.
    /// </summary>
    private static async Task<Results<PhysicalFileHttpResult, ProblemHttpResult>> FileAsync(DocumentService documents, DocumentStore store, HttpContext http, Guid openId, string readerKind, string readerId, CancellationToken cancellationToken)
    {
        var open = await store.GetOpenAsync(openId, cancellationToken).ConfigureAwait(false);
        if (open is null || open.ReaderKind != readerKind || open.ReaderId != readerId)
        {
            return Problems.NotFound("open", openId.ToString());
        }

        if (open.Stamped && IsNavigation(http.Request))
        {
            return Problems.Of(403, "View only", "document.view-only", "A confidential document is read in the meeting's viewer, not downloaded.");
        }

        var path = await documents.FileForOpenAsync(open, cancellationToken).ConfigureAwait(false);
        if (path is null)
        {
            return Problems.Of(410, "Gone", "document.copy-expired", "This copy is no longer kept; open the document again.");
        }

        var headers = http.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.ContentDisposition = "inline";
        // Only the meeting's viewer (pdf.js, which fetches it) shows it; a browser navigating to
        // it gets a sandbox its own PDF viewer does not run in.
        headers.ContentSecurityPolicy = Hosting.SecurityHeadersMiddleware.DocumentContentSecurityPolicy;
        headers.CacheControl = open.Stamped ? "no-store" : "private, max-age=86400";
        return TypedResults.PhysicalFile(path, "application/pdf", enableRangeProcessing: true);
    }

    private static bool IsNavigation(HttpRequest request)
    {
        var mode = request.Headers["Sec-Fetch-Mode"].ToString();
        var dest = request.Headers["Sec-Fetch-Dest"].ToString();
        // Browsers without Fetch Metadata send neither; the viewer then marks its fetch itself.
        return mode == "navigate" || dest is "document" or "iframe" or "embed" or "object"
            || (mode.Length == 0 && request.Headers["X-Room-Viewer"].ToString() != "1");
    }

    private static (Guid MeetingId, Guid DelegateId, Guid? SessionId) Me(HttpContext http)
    {
        var identity = http.User.DelegateIdentity() ?? throw new InvalidOperationException("The delegate policy let through a caller without a delegate identity.");
        return (identity.MeetingId()!.Value, identity.DelegateId()!.Value, identity.SessionId());
    }
}

/// <summary>Finds a delegate of a meeting for the delegate endpoints.</summary>
public sealed class MeetingServiceAccessor(Meetings.MeetingService meetings)
{
    public async Task<Meetings.MeetingDelegate> DelegateAsync(Guid meetingId, Guid delegateId, CancellationToken cancellationToken) =>
        (await meetings.GetAsync(meetingId, cancellationToken).ConfigureAwait(false))?.Delegates.FirstOrDefault(d => d.Id == delegateId)
            ?? throw DomainException.NotFound("delegate", delegateId.ToString());
}
