using System.Text;
using Conferencing.Server.Accounts;
using Conferencing.Server.Common;
using Conferencing.Server.Hosting;
using Conferencing.Server.Sites;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Conferencing.Server.Meetings;

/// <summary>
/// Meetings over HTTP. Times go in as ISO 8601 with an offset and are stored in UTC; every response
/// carries them in UTC and in Asia/Ho_Chi_Minh. Commands may carry the version the client last saw,
/// and get 409 if someone changed the meeting since.
/// </summary>
public static class MeetingApi
{
    public sealed record MeetingResponse(
        Guid Id,
        int Version,
        string Title,
        string? Description,
        MeetingKind Kind,
        MeetingStatus Status,
        string HostSiteCode,
        DateTimeOffset StartUtc,
        DateTimeOffset EndUtc,
        string StartLocal,
        string EndLocal,
        string TimeZone,
        SiteSelection Sites,
        IReadOnlyList<string> SiteCodes,
        int SiteCount,
        IReadOnlyList<MeetingDelegate> Delegates,
        IReadOnlyList<AgendaItem> Agenda,
        IReadOnlyCollection<RollCallEntry> RollCall,
        string CreatedBy,
        DateTimeOffset CreatedUtc,
        DateTimeOffset UpdatedUtc,
        DateTimeOffset? StartedUtc,
        DateTimeOffset? EndedUtc,
        string? CancelReason,
        string? FloorSiteCode,
        DateTimeOffset? FloorSinceUtc,
        MeetingDialIn? DialIn,
        string? FeedUri,
        bool PhoneDigitsProof);

    public sealed record MeetingRequest(
        string? Title,
        string? Description,
        MeetingKind? Kind,
        string? HostSiteCode,
        DateTimeOffset? StartUtc,
        DateTimeOffset? EndUtc,
        SiteSelection? Sites,
        IReadOnlyList<DelegateInput>? Delegates,
        IReadOnlyList<AgendaInput>? Agenda,
        int? Version,
        string? FeedUri = null,
        bool? PhoneDigitsProof = null)
    {
        internal MeetingDetails ToDetails() => new(Title, Description, Kind, HostSiteCode, StartUtc, EndUtc, Sites, Delegates, Agenda, FeedUri, PhoneDigitsProof);
    }

    public sealed record TransitionRequest(int? Version, string? Reason);

    /// <summary>Gives the floor to <see cref="SiteCode"/>; null (or the host) returns it to the meeting's own feed.</summary>
    public sealed record FloorRequest(string? SiteCode, int? Version);

    /// <summary>Several sites' attendance in one change.</summary>
    public sealed record RollCallManyRequest(IReadOnlyList<AttendanceInput>? Entries, int? Version);

    /// <summary>The meetings a proposed schedule would collide with; empty when it is free.</summary>
    public sealed record ConflictCheckResponse(bool Free, IReadOnlyList<MeetingConflict> Conflicts);

    public sealed record RollCallRequest(AttendanceStatus? Status, string? Reason, DateTimeOffset? ArrivedUtc, int? Version);

    public static RouteGroupBuilder MapMeetingApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/meetings").WithTags("Meetings").RequireAuthorization(StaffRoles.Policies.Staff);
        group.MapGet("/", ListAsync);
        group.MapGet("/{id:guid}", GetAsync);
        group.MapGet("/{id:guid}/calendar.ics", MeetingCalendarAsync).Produces<string>(200, "text/calendar");
        var write = group.MapGroup("").RequireAuthorization(StaffRoles.Policies.Secretariat)
            .AddEndpointFilter(MeetingScope.WriteFilterAsync).ProducesProblem(StatusCodes.Status403Forbidden);
        write.MapPost("/", ScheduleAsync).ProducesValidationProblem().ProducesProblem(409);
        write.MapPut("/{id:guid}", UpdateAsync).ProducesValidationProblem().ProducesProblem(409);
        write.MapPost("/{id:guid}/prepare", (MeetingService s, HttpContext h, Guid id, TransitionRequest? r, CancellationToken ct) =>
            Transition(() => s.PrepareAsync(id, r?.Version, h.Actor(), ct))).ProducesProblem(409);
        write.MapPost("/{id:guid}/start", (MeetingService s, HttpContext h, Guid id, TransitionRequest? r, CancellationToken ct) =>
            Transition(() => s.StartAsync(id, r?.Version, h.Actor(), ct))).ProducesProblem(409);
        write.MapPost("/{id:guid}/end", (MeetingService s, HttpContext h, Guid id, TransitionRequest? r, CancellationToken ct) =>
            Transition(() => s.EndAsync(id, r?.Version, h.Actor(), ct))).ProducesProblem(409);
        write.MapPost("/{id:guid}/cancel", (MeetingService s, HttpContext h, Guid id, TransitionRequest? r, CancellationToken ct) =>
            Transition(() => s.CancelAsync(id, r?.Version, r?.Reason, h.Actor(), ct))).ProducesProblem(409).ProducesValidationProblem();
        write.MapPost("/{id:guid}/floor", (MeetingService s, HttpContext h, Guid id, FloorRequest r, CancellationToken ct) =>
            Transition(() => s.GiveFloorAsync(id, r.SiteCode, r.Version, h.Actor(), ct))).ProducesProblem(409).ProducesValidationProblem();
        write.MapPut("/{id:guid}/roll-call/{siteCode}", RollCallAsync).ProducesProblem(409).ProducesValidationProblem();
        write.MapPut("/{id:guid}/roll-call", (MeetingService s, HttpContext h, Guid id, RollCallManyRequest r, CancellationToken ct) =>
            Transition(() => s.RecordAttendanceManyAsync(id, r.Entries ?? [], r.Version, h.Actor(), ct))).ProducesProblem(409).ProducesValidationProblem();
        write.MapPost("/conflicts", (MeetingService s, HttpContext h, MeetingRequest r, CancellationToken ct) => CheckConflictsAsync(s, h, null, r, ct))
            .ProducesValidationProblem().WithSummary("Dry run: the meetings a new meeting with these details would conflict with. Nothing is saved.");
        write.MapPost("/{id:guid}/conflicts", (MeetingService s, HttpContext h, Guid id, MeetingRequest r, CancellationToken ct) => CheckConflictsAsync(s, h, id, r, ct))
            .ProducesValidationProblem().ProducesProblem(404).ProducesProblem(409).WithSummary("Dry run: the meetings this change would conflict with. Nothing is saved.");

        routes.MapGet("/api/sites/{code}/calendar.ics", SiteCalendarAsync).WithTags("Sites").RequireAuthorization(StaffRoles.Policies.Staff).Produces<string>(200, "text/calendar");
        return group;
    }

    private static async Task<Ok<List<MeetingResponse>>> ListAsync(MeetingService service, StaffScopes scopes, HttpContext http, DateTimeOffset? from, DateTimeOffset? to, MeetingStatus? status, MeetingKind? kind, string? site, CancellationToken cancellationToken)
    {
        var scope = await scopes.ForAsync(http.User, cancellationToken).ConfigureAwait(false);
        var meetings = await service.ListAsync(new MeetingQuery(from, to, status, kind, site), cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(meetings.Where(scope.CanSee).Select(ToResponse).ToList());
    }

    private static async Task<Results<Ok<MeetingResponse>, ProblemHttpResult>> GetAsync(MeetingService service, StaffScopes scopes, HttpContext http, Guid id, CancellationToken cancellationToken)
    {
        if (await service.GetAsync(id, cancellationToken).ConfigureAwait(false) is not { } meeting)
        {
            return Problems.NotFound("meeting", id.ToString());
        }

        return (await scopes.ForAsync(http.User, cancellationToken).ConfigureAwait(false)).CanSee(meeting)
            ? TypedResults.Ok(ToResponse(meeting))
            : StaffScopes.Forbidden("The meeting has no site within your scope.");
    }

    private static async Task<Created<MeetingResponse>> ScheduleAsync(MeetingService service, HttpContext http, MeetingRequest request, CancellationToken cancellationToken)
    {
        var meeting = await service.ScheduleAsync(request.ToDetails(), http.Actor(), cancellationToken).ConfigureAwait(false);
        return TypedResults.Created($"/api/meetings/{meeting.Id}", ToResponse(meeting));
    }

    private static async Task<Ok<MeetingResponse>> UpdateAsync(MeetingService service, HttpContext http, Guid id, MeetingRequest request, CancellationToken cancellationToken) =>
        TypedResults.Ok(ToResponse(await service.UpdateAsync(id, request.Version, request.ToDetails(), http.Actor(), cancellationToken).ConfigureAwait(false)));

    private static async Task<Ok<MeetingResponse>> Transition(Func<Task<Meeting>> command) =>
        TypedResults.Ok(ToResponse(await command().ConfigureAwait(false)));

    private static async Task<Ok<ConflictCheckResponse>> CheckConflictsAsync(MeetingService service, HttpContext http, Guid? id, MeetingRequest request, CancellationToken cancellationToken)
    {
        var conflicts = await service.CheckConflictsAsync(id, request.ToDetails(), http.Actor(), cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new ConflictCheckResponse(conflicts.Count == 0, conflicts));
    }

    private static async Task<Ok<MeetingResponse>> RollCallAsync(MeetingService service, HttpContext http, Guid id, string siteCode, RollCallRequest request, CancellationToken cancellationToken)
    {
        var status = request.Status ?? throw DomainException.Invalid("status", "Attendance must be Present, Absent or Late.");
        var meeting = await service.RecordAttendanceAsync(id, siteCode, status, request.Reason, request.ArrivedUtc, request.Version, http.Actor(), cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(ToResponse(meeting));
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> MeetingCalendarAsync(MeetingService service, SiteStore sites, TimeProvider time, HttpContext http, Guid id, CancellationToken cancellationToken)
    {
        if (await service.GetAsync(id, cancellationToken).ConfigureAwait(false) is not { } meeting)
        {
            return Problems.NotFound("meeting", id.ToString());
        }

        var tree = await sites.LoadTreeAsync(cancellationToken).ConfigureAwait(false);
        if (!StaffScopes.For(http.User, tree).CanSee(meeting))
        {
            return StaffScopes.Forbidden("The meeting has no site within your scope.");
        }

        var text = ICalendar.Write([meeting], tree, time.GetUtcNow(), meeting.Title);
        return TypedResults.File(Encoding.UTF8.GetBytes(text), ICalendar.ContentType, $"meeting-{meeting.Id:N}.ics");
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> SiteCalendarAsync(MeetingService service, SiteStore sites, TimeProvider time, HttpContext http, string code, CancellationToken cancellationToken)
    {
        var tree = await sites.LoadTreeAsync(cancellationToken).ConfigureAwait(false);
        if (!tree.TryGet(code, out var site))
        {
            return Problems.NotFound("site", code);
        }

        if (!StaffScopes.For(http.User, tree).Contains(code))
        {
            return StaffScopes.Forbidden($"Site '{code}' is outside your scope.");
        }

        // A calendar feed shows what is coming and what just happened, not every meeting ever held.
        var meetings = await service.ListAsync(new MeetingQuery(FromUtc: time.GetUtcNow().AddDays(-90), SiteCode: code, Limit: 5000), cancellationToken).ConfigureAwait(false);
        var text = ICalendar.Write(meetings, tree, time.GetUtcNow(), $"Lịch họp trực tuyến - {site.Name}");
        return TypedResults.File(Encoding.UTF8.GetBytes(text), ICalendar.ContentType, $"site-{code}.ics");
    }

    internal static MeetingResponse ToResponse(Meeting m) => new(
        m.Id, m.Version, m.Title, m.Description, m.Kind, m.Status, m.HostSiteCode, m.StartUtc, m.EndUtc,
        VietnamTime.FormatLocal(m.StartUtc), VietnamTime.FormatLocal(m.EndUtc), VietnamTime.ZoneId,
        m.Selection, m.SiteCodes, m.SiteCodes.Count, m.Delegates, m.Agenda, m.RollCall, m.CreatedBy, m.CreatedUtc, m.UpdatedUtc,
        m.StartedUtc, m.EndedUtc, m.CancelReason, m.FloorSiteCode, m.FloorSinceUtc, m.DialIn, m.FeedUri, m.PhoneDigitsProof);
}
