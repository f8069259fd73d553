using Conferencing.Server.Accounts;
using Conferencing.Server.Common;
using Conferencing.Server.Hosting;
using Conferencing.Server.LiveMeetings.Preview;
using Conferencing.Server.Meetings;
using Conferencing.Server.Relaying;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Conferencing.Server.LiveMeetings;

/// <summary>
/// A meeting as it runs: every site's state (the one truth), the calls, the floor; the
/// secretariat's actions on sites' calls; the program preview; and the live sites of every
/// meeting for the dashboard.
/// </summary>
public static class LiveMeetingApi
{
    /// <summary>A meeting now: its sites' states with counts per phase, its floor and program, and the relays' calls (null when they do not run it).</summary>
    public sealed record LiveMeetingResponse(
        Guid MeetingId,
        MeetingStatus Status,
        string? FloorSiteCode,
        string? ProgramSiteCode,
        IReadOnlyList<SiteMeetingState> Sites,
        IReadOnlyDictionary<SitePhase, int> Counts,
        MeetingCall? Calls);

    /// <summary>A bulk action's body: the site whose subtree (it and every site below) is acted on.</summary>
    public sealed record BulkRequest(string? Subtree);

    /// <summary>What an action did, per site.</summary>
    public sealed record SiteActionsResponse(Guid MeetingId, string Action, IReadOnlyList<SiteActionResult> Sites);

    /// <summary>One site of a live meeting and its state, for the dashboard.</summary>
    public sealed record LiveSiteEntry(Guid MeetingId, string SiteCode, SitePhase Phase, string Color, Degradation? Degradation, string? HeldBy, DateTimeOffset? HeldUtc, IReadOnlyList<Guid> Endpoints);

    public static IEndpointRouteBuilder MapLiveMeetings(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        var read = routes.MapGroup("/api/meetings/{id:guid}").WithTags("Live meetings").RequireAuthorization(StaffRoles.Policies.Staff)
            .AddEndpointFilter(ReadScopeFilterAsync).ProducesProblem(StatusCodes.Status403Forbidden);
        read.MapGet("/live", LiveAsync).ProducesProblem(404)
            .WithSummary("The meeting now: each site's state (not connected, online, dialling, in the meeting, degraded, dropped, held out), counts, floor, program and calls.");
        read.MapProgramPreview();

        var write = routes.MapGroup("/api/meetings/{id:guid}/sites").WithTags("Live meetings").RequireAuthorization(StaffRoles.Policies.Secretariat)
            .AddEndpointFilter(MeetingScope.WriteFilterAsync).ProducesProblem(StatusCodes.Status403Forbidden);
        write.MapPost("/{code}/actions/{action}", SiteActionAsync).ProducesProblem(404).ProducesProblem(409).ProducesValidationProblem()
            .WithSummary("action: mute, unmute (audio at the relay), hang-up (held out of the meeting until a redial), redial.");
        write.MapPost("/actions/{action}", BulkActionAsync).ProducesProblem(404).ProducesProblem(409).ProducesValidationProblem()
            .WithSummary("The action on every site of the meeting in a subtree (a district and its communes).");

        routes.MapGet("/api/live-sites", LiveSitesAsync).WithTags("Live meetings").RequireAuthorization(StaffRoles.Policies.Staff)
            .WithSummary("Every site (with a room system) of every live meeting within the caller's scope, with its state.");
        return routes;
    }

    private static async Task<Results<Ok<LiveMeetingResponse>, ProblemHttpResult>> LiveAsync(
        MeetingService meetings, LiveSiteStates states, LiveCalls live, Endpoints.Presence.PresenceService presence, Guid id, CancellationToken cancellationToken)
    {
        if (await meetings.GetAsync(id, cancellationToken).ConfigureAwait(false) is not { } meeting)
        {
            return Problems.NotFound("meeting", id.ToString());
        }

        var sites = states.For(meeting, await presence.SnapshotAsync(cancellationToken).ConfigureAwait(false));
        var call = live.Get(id);
        return TypedResults.Ok(new LiveMeetingResponse(id, meeting.Status, meeting.FloorSiteCode, call?.ProgramSiteCode, sites, SiteMeetingStates.Count(sites), call));
    }

    private static async Task<Results<Ok<SiteActionsResponse>, ProblemHttpResult>> SiteActionAsync(
        SiteOperations operations, HttpContext http, Guid id, string code, string action, CancellationToken cancellationToken) =>
        await RunAsync(operations, http, id, code, null, action, cancellationToken).ConfigureAwait(false);

    private static async Task<Results<Ok<SiteActionsResponse>, ProblemHttpResult>> BulkActionAsync(
        SiteOperations operations, HttpContext http, Guid id, string action, BulkRequest? request, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request?.Subtree))
        {
            return Problem(new DomainException(DomainErrorKind.Invalid, "validation", "Name the site whose subtree is acted on (subtree).", "subtree"));
        }

        return await RunAsync(operations, http, id, null, request.Subtree.Trim(), action, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<Results<Ok<SiteActionsResponse>, ProblemHttpResult>> RunAsync(
        SiteOperations operations, HttpContext http, Guid id, string? code, string? subtree, string action, CancellationToken cancellationToken)
    {
        if (!SiteOperations.TryParseAction(action, out var parsed))
        {
            return Problem(new DomainException(DomainErrorKind.Invalid, "site.unknown-action", $"No action '{action}': mute, unmute, hang-up or redial.", "action"));
        }

        if (code is not null && StaffScopes.ScopeOf(http.User) is not null
            && !(await http.RequestServices.GetRequiredService<StaffScopes>().ForAsync(http.User, cancellationToken).ConfigureAwait(false)).Contains(code))
        {
            return StaffScopes.Forbidden($"Site '{code}' is outside your scope.");
        }

        try
        {
            var results = await operations.ActAsync(id, code, subtree, parsed, http.Actor(), cancellationToken).ConfigureAwait(false);
            return TypedResults.Ok(new SiteActionsResponse(id, action, results));
        }
        catch (DomainException e)
        {
            return Problem(e);
        }
    }

    private static async Task<Ok<List<LiveSiteEntry>>> LiveSitesAsync(
        LiveCalls live, MeetingService meetings, LiveSiteStates states, Endpoints.Presence.PresenceService presence, StaffScopes scopes, HttpContext http, CancellationToken cancellationToken)
    {
        var scope = await scopes.ForAsync(http.User, cancellationToken).ConfigureAwait(false);
        var now = await presence.SnapshotAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<LiveSiteEntry>();
        foreach (var call in live.Meetings.Where(c => c.Status == MeetingStatus.Live))
        {
            if (await meetings.GetAsync(call.MeetingId, cancellationToken).ConfigureAwait(false) is not { Status: MeetingStatus.Live } meeting)
            {
                continue;
            }

            list.AddRange(states.For(meeting, now)
                .Where(s => scope.Contains(s.SiteCode) && s.Phase is not SitePhase.NoRoomSystem)
                .Select(s => new LiveSiteEntry(meeting.Id, s.SiteCode, s.Phase, s.Color, s.Degradation, s.HeldBy, s.HeldUtc, s.Endpoints)));
        }

        return TypedResults.Ok(list);
    }

    private static ProblemHttpResult Problem(DomainException e)
    {
        var problem = ProblemDetailsExceptionHandler.FromDomain(e);
        return TypedResults.Problem(problem);
    }

    private static async ValueTask<object?> ReadScopeFilterAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (StaffScopes.ScopeOf(http.User) is null)
        {
            return await next(context).ConfigureAwait(false);
        }

        var services = http.RequestServices;
        var scope = await services.GetRequiredService<StaffScopes>().ForAsync(http.User, http.RequestAborted).ConfigureAwait(false);
        if (Guid.TryParse(http.Request.RouteValues["id"]?.ToString(), out var id)
            && await services.GetRequiredService<MeetingService>().GetAsync(id, http.RequestAborted).ConfigureAwait(false) is { } meeting
            && !scope.CanSee(meeting))
        {
            return StaffScopes.Forbidden("The meeting has no site within your scope.");
        }

        return await next(context).ConfigureAwait(false);
    }
}
