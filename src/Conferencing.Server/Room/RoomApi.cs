using Conferencing.Server.Accounts;
using Conferencing.Server.Common;
using Conferencing.Server.Hosting;
using Conferencing.Server.Meetings;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.Room;

/// <summary>
/// The chair's and secretariat's side of the room over HTTP: presenter, speaking queue, votes,
/// delegates' invitations and sessions, and room display links. The Blazor chair surface calls the
/// same services directly.
/// </summary>
public static class RoomApi
{
    public sealed record PresenterRequest(Guid? DocumentId, int? Page);

    public sealed record PollRequest(string? Question, bool? Secret, Guid? AgendaItemId, bool? CountsAfterClose = null);

    public sealed record DisplayLinkRequest(string? Label);

    public sealed record DisplayLinkCreated(DisplayLink Link, string Url);

    public sealed record InvitationResponse(Guid DelegateId, string Name, string Url, string Pin);

    public static void MapRoomApi(this IEndpointRouteBuilder routes)
    {
        var meeting = routes.MapGroup("/api/meetings/{meetingId:guid}").WithTags("Room").RequireAuthorization(StaffRoles.Policies.Secretariat).RequireMeetingScope();
        meeting.MapGet("/room", async (RoomDirectory directory, HttpContext http, Guid meetingId, CancellationToken ct) =>
            await directory.SnapshotAsync(meetingId, new RoomMe("staff", null, http.Actor(), null, null), ct).ConfigureAwait(false) is { } s
                ? (Results<Ok<RoomSnapshot>, ProblemHttpResult>)TypedResults.Ok(s)
                : Problems.NotFound("meeting", meetingId.ToString()));
        meeting.MapPut("/room/presenter", async (PresenterService presenter, HttpContext http, Guid meetingId, PresenterRequest request, CancellationToken ct) =>
            TypedResults.Ok(await presenter.SetAsync(meetingId, request.DocumentId, request.Page, http.Actor(), ct).ConfigureAwait(false)))
            .ProducesValidationProblem().ProducesProblem(409);

        meeting.MapGet("/speaking", async (SpeakingService speaking, Guid meetingId, bool? history, CancellationToken ct) =>
            TypedResults.Ok(history == true ? await speaking.HistoryAsync(meetingId, ct).ConfigureAwait(false) : await speaking.QueueAsync(meetingId, ct).ConfigureAwait(false)));
        meeting.MapPost("/speaking/{requestId:guid}/grant", async (SpeakingService speaking, HttpContext http, Guid meetingId, Guid requestId, CancellationToken ct) =>
            TypedResults.Ok(await speaking.GrantAsync(meetingId, requestId, http.Actor(), ct).ConfigureAwait(false))).ProducesProblem(409);
        meeting.MapPost("/speaking/{requestId:guid}/decline", async (SpeakingService speaking, HttpContext http, Guid meetingId, Guid requestId, CancellationToken ct) =>
        {
            await speaking.DeclineAsync(meetingId, requestId, http.Actor(), ct).ConfigureAwait(false);
            return TypedResults.NoContent();
        }).ProducesProblem(409);
        meeting.MapPost("/speaking/finish", async (SpeakingService speaking, HttpContext http, Guid meetingId, CancellationToken ct) =>
        {
            await speaking.FinishAsync(meetingId, http.Actor(), ct).ConfigureAwait(false);
            return TypedResults.NoContent();
        }).ProducesProblem(409);

        meeting.MapGet("/votes", async (VotingService voting, Guid meetingId, CancellationToken ct) =>
            TypedResults.Ok(await voting.ListAsync(meetingId, withBallots: true, ct).ConfigureAwait(false)));
        meeting.MapPost("/votes", async (VotingService voting, HttpContext http, Guid meetingId, PollRequest request, CancellationToken ct) =>
        {
            var poll = await voting.CreateAsync(meetingId, request.Question, request.Secret ?? false, request.AgendaItemId, http.Actor(), ct, request.CountsAfterClose ?? false).ConfigureAwait(false);
            return TypedResults.Created($"/api/votes/{poll.Id}", poll);
        }).ProducesValidationProblem().ProducesProblem(409);

        meeting.MapGet("/delegate-sessions", async (DelegateAccess access, Guid meetingId, CancellationToken ct) =>
            TypedResults.Ok(await access.ListSessionsAsync(meetingId, ct).ConfigureAwait(false)));
        meeting.MapPost("/delegates/{delegateId:guid}/sign-out", async (DelegateAccess access, HttpContext http, Guid meetingId, Guid delegateId, CancellationToken ct) =>
            TypedResults.Ok(new { devices = await access.RevokeAsync(meetingId, delegateId, http.Actor(), ct).ConfigureAwait(false) }));
        meeting.MapGet("/delegates/{delegateId:guid}/invitation", InvitationAsync).ProducesProblem(404).RequireMeetingScope(alwaysChange: true);
        meeting.MapPost("/delegates/{delegateId:guid}/pin", ReissuePinAsync).ProducesProblem(404);
        meeting.MapGet("/delegates/{delegateId:guid}/invitation.png", async (MeetingService meetings, DelegateAccess access, IOptions<RoomOptions> options, HttpContext http, Guid meetingId, Guid delegateId, CancellationToken ct) =>
            await InvitationAsync(meetings, access, options, http, meetingId, delegateId, ct).ConfigureAwait(false) is { Result: Ok<InvitationResponse> ok }
                ? (Results<FileContentHttpResult, ProblemHttpResult>)TypedResults.File(QrCodes.Png(ok.Value!.Url), "image/png")
                : Problems.NotFound("delegate", delegateId.ToString()))
            .RequireMeetingScope(alwaysChange: true);
        meeting.MapGet("/delegates/{delegateId:guid}/invitation.svg", async (MeetingService meetings, DelegateAccess access, IOptions<RoomOptions> options, HttpContext http, Guid meetingId, Guid delegateId, CancellationToken ct) =>
            await InvitationAsync(meetings, access, options, http, meetingId, delegateId, ct).ConfigureAwait(false) is { Result: Ok<InvitationResponse> ok }
                ? (Results<ContentHttpResult, ProblemHttpResult>)TypedResults.Content(QrCodes.Svg(ok.Value!.Url), "image/svg+xml")
                : Problems.NotFound("delegate", delegateId.ToString()))
            .RequireMeetingScope(alwaysChange: true);

        var votes = routes.MapGroup("/api/votes/{pollId:guid}").WithTags("Room").RequireAuthorization(StaffRoles.Policies.Secretariat)
            .RequireMeetingScope(async (http, ct) => Guid.TryParse(http.Request.RouteValues["pollId"]?.ToString(), out var pollId)
                ? (await http.RequestServices.GetRequiredService<VotingService>().GetAsync(pollId, withBallots: false, ct).ConfigureAwait(false))?.MeetingId
                : null);
        votes.MapPost("/open", async (VotingService voting, HttpContext http, Guid pollId, CancellationToken ct) =>
            TypedResults.Ok(await voting.OpenAsync(pollId, http.Actor(), ct).ConfigureAwait(false))).ProducesProblem(409);
        votes.MapPost("/close", async (VotingService voting, HttpContext http, Guid pollId, CancellationToken ct) =>
            TypedResults.Ok(await voting.CloseAsync(pollId, http.Actor(), ct).ConfigureAwait(false))).ProducesProblem(409);

        var displays = routes.MapGroup("/api").WithTags("Room displays").RequireAuthorization(StaffRoles.Policies.Secretariat);
        displays.MapGet("/display-links", async (DisplayLinks links, StaffScopes scopes, HttpContext http, string? site, CancellationToken ct) =>
        {
            var scope = await scopes.ForAsync(http.User, ct).ConfigureAwait(false);
            return TypedResults.Ok((await links.ListAsync(site, ct).ConfigureAwait(false)).Where(l => scope.Contains(l.SiteCode)).ToList());
        });
        displays.MapPost("/sites/{code}/display-links", async Task<Results<Created<DisplayLinkCreated>, ProblemHttpResult>> (DisplayLinks links, StaffScopes scopes, IOptions<RoomOptions> options, HttpContext http, string code, DisplayLinkRequest? request, CancellationToken ct) =>
        {
            if (!(await scopes.ForAsync(http.User, ct).ConfigureAwait(false)).Contains(code))
            {
                return StaffScopes.Forbidden($"Site '{code}' is outside your scope.");
            }

            var (link, token) = await links.CreateAsync(code, request?.Label, http.Actor(), ct).ConfigureAwait(false);
            return TypedResults.Created($"/api/display-links/{link.Id}", new DisplayLinkCreated(link, RoomPages.BaseUrl(options.Value, http) + "/display/link/" + token));
        }).ProducesValidationProblem();
        displays.MapDelete("/display-links/{id:guid}", async Task<Results<NoContent, ProblemHttpResult>> (DisplayLinks links, StaffScopes scopes, HttpContext http, Guid id, CancellationToken ct) =>
        {
            if (await links.GetAsync(id, ct).ConfigureAwait(false) is { } link && !(await scopes.ForAsync(http.User, ct).ConfigureAwait(false)).Contains(link.SiteCode))
            {
                return StaffScopes.Forbidden($"Site '{link.SiteCode}' is outside your scope.");
            }

            await links.RevokeAsync(id, http.Actor(), ct).ConfigureAwait(false);
            return TypedResults.NoContent();
        }).ProducesProblem(404);

        var roomKeys = routes.MapGroup("/api/room-keys").WithTags("Room keys").RequireAuthorization(StaffRoles.Policies.Admin);
        roomKeys.MapGet("", async (RoomKeys keys, CancellationToken ct) => TypedResults.Ok(await keys.ListAsync(ct).ConfigureAwait(false)));
        roomKeys.MapPost("/rotate", RotateKeyAsync);
    }

    /// <summary>A new current room key; the old one is retired (see <see cref="RoomKeys"/> for what it still verifies).</summary>
    private static async Task<Results<Ok<RoomKeyInfo>, ProblemHttpResult>> RotateKeyAsync(RoomKeys keys, HttpContext http, CancellationToken cancellationToken)
    {
        try
        {
            return TypedResults.Ok(await keys.RotateAsync(http.Actor(), cancellationToken).ConfigureAwait(false));
        }
        catch (DomainException e) when (e.Code == "room-key.rotating")
        {
            return TypedResults.Problem(ProblemDetailsExceptionHandler.FromDomain(e));
        }
    }

    /// <summary>A new PIN and invitation for one delegate; the old ones stop working.</summary>
    private static async Task<Results<Ok<InvitationResponse>, ProblemHttpResult>> ReissuePinAsync(
        MeetingService meetings, DelegateAccess access, IOptions<RoomOptions> options, HttpContext http, Guid meetingId, Guid delegateId, CancellationToken cancellationToken)
    {
        if (await meetings.GetAsync(meetingId, cancellationToken).ConfigureAwait(false) is not { } meeting)
        {
            return Problems.NotFound("meeting", meetingId.ToString());
        }

        if (meeting.Delegates.FirstOrDefault(d => d.Id == delegateId) is not { } person)
        {
            return Problems.NotFound("delegate", delegateId.ToString());
        }

        var (token, pin) = await access.ReissueAsync(meeting, person, http.Actor(), cancellationToken).ConfigureAwait(false);
        http.Response.Headers.CacheControl = "private, no-store";
        return TypedResults.Ok(new InvitationResponse(person.Id, person.Name, RoomPages.JoinUrl(options.Value, http, token), pin));
    }

    private static async Task<Results<Ok<InvitationResponse>, ProblemHttpResult>> InvitationAsync(
        MeetingService meetings, DelegateAccess access, IOptions<RoomOptions> options, HttpContext http, Guid meetingId, Guid delegateId, CancellationToken cancellationToken)
    {
        if (await meetings.GetAsync(meetingId, cancellationToken).ConfigureAwait(false) is not { } meeting)
        {
            return Problems.NotFound("meeting", meetingId.ToString());
        }

        if (meeting.Delegates.FirstOrDefault(d => d.Id == delegateId) is not { } person)
        {
            return Problems.NotFound("delegate", delegateId.ToString());
        }

        var (token, pin) = await access.InvitationAsync(meeting, person, cancellationToken).ConfigureAwait(false);
        http.Response.Headers.CacheControl = "private, no-store";
        return TypedResults.Ok(new InvitationResponse(person.Id, person.Name, RoomPages.JoinUrl(options.Value, http, token), pin));
    }
}
