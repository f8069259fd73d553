using Conferencing.Server.Accounts;
using Conferencing.Server.Common;
using Conferencing.Server.Hosting;
using Conferencing.Server.Meetings;
using Conferencing.Server.Reports;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Conferencing.Server.Relaying;

/// <summary>
/// Relays and calls over HTTP: registered relays (administrators; keys and passwords go in and
/// never come out), and each running meeting's live calls and stored call quality.
/// </summary>
public static class RelayingApi
{
    /// <summary>A relay and how the server reaches it. The in-process relay comes first, with <c>inProcess</c> set and no id.</summary>
    public sealed record RelayResponse(
        Guid? Id,
        string Name,
        string SiteCode,
        bool InProcess,
        string? ControlUrl,
        string SipAddress,
        string SipUser,
        bool HasApiKey,
        bool HasSipPassword,
        RelayHealth Health,
        string? Error,
        DateTimeOffset? HealthSinceUtc,
        int Meetings,
        int ConnectedLegs,
        DateTimeOffset? UpdatedUtc);

    /// <summary>A meeting's stored call quality: per-site summaries (as the reports use them) and, if asked, the history buckets.</summary>
    public sealed record QualityResponse(Guid MeetingId, IReadOnlyList<MeetingSiteQuality> Sites, IReadOnlyList<CallHistoryBucket> History);

    public static IEndpointRouteBuilder MapRelaying(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        var relays = routes.MapGroup("/api/relays").WithTags("Relays").RequireAuthorization(StaffRoles.Policies.Staff);
        relays.MapGet("/", ListAsync).WithSummary("Every relay (the in-process one first) with its live health.");
        relays.MapGet("/{id:guid}", GetAsync);
        var admin = relays.MapGroup("").RequireAuthorization(StaffRoles.Policies.Admin);
        admin.MapPost("/", CreateAsync).ProducesValidationProblem().ProducesProblem(409);
        admin.MapPut("/{id:guid}", UpdateAsync).ProducesValidationProblem().ProducesProblem(404).ProducesProblem(409);
        admin.MapDelete("/{id:guid}", DeleteAsync).ProducesProblem(404);

        var meetings = routes.MapGroup("/api/meetings/{id:guid}").WithTags("Calls").RequireAuthorization(StaffRoles.Policies.Staff)
            .AddEndpointFilter(ScopeFilterAsync).ProducesProblem(StatusCodes.Status403Forbidden);
        meetings.MapGet("/calls", CallsAsync).ProducesProblem(404).WithSummary("The meeting's calls now: each relay of its cascade and each endpoint's call with its last second of statistics.");
        meetings.MapGet("/quality", QualityAsync).ProducesProblem(404).WithSummary("Stored call quality per site; with history=true the 10-second buckets too (site= narrows them).");
        meetings.MapPost("/calls/{endpointId:guid}/redial", RedialAsync).RequireAuthorization(StaffRoles.Policies.Technician).ProducesProblem(404).ProducesProblem(409)
            .WithSummary("Hangs up an endpoint's call (or skips its wait) so that it is dialled again now.");
        meetings.MapGet("/audio-mix", AudioMixAsync).ProducesProblem(404)
            .WithSummary("How the meeting's audio is mixed: open discussion on or off.");
        meetings.MapPut("/audio-mix", SetAudioMixAsync).RequireAuthorization(StaffRoles.Policies.Secretariat).ProducesProblem(404).ProducesValidationProblem()
            .WithSummary("Turns open discussion on or off: besides the chair and the floor, the loudest unmuted sites are heard.");
        return routes;
    }

    private static async Task<Ok<List<RelayResponse>>> ListAsync(RegisteredRelayStore store, RelayConductor conductor, CancellationToken cancellationToken)
    {
        var list = new List<RelayResponse> { Local(conductor) };
        list.AddRange((await store.ListAsync(cancellationToken).ConfigureAwait(false)).Select(r => ToResponse(r, conductor)));
        return TypedResults.Ok(list);
    }

    private static async Task<Results<Ok<RelayResponse>, ProblemHttpResult>> GetAsync(RegisteredRelayStore store, RelayConductor conductor, Guid id, CancellationToken cancellationToken) =>
        await store.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } relay
            ? TypedResults.Ok(ToResponse(relay, conductor))
            : Problems.NotFound("relay", id.ToString());

    private static async Task<Created<RelayResponse>> CreateAsync(RegisteredRelayStore store, RelayConductor conductor, HttpContext http, RelayInput input, CancellationToken cancellationToken)
    {
        var relay = await store.CreateAsync(input, http.Actor(), cancellationToken).ConfigureAwait(false);
        return TypedResults.Created($"/api/relays/{relay.Id}", ToResponse(relay, conductor));
    }

    private static async Task<Ok<RelayResponse>> UpdateAsync(RegisteredRelayStore store, RelayConductor conductor, HttpContext http, Guid id, RelayInput input, CancellationToken cancellationToken) =>
        TypedResults.Ok(ToResponse(await store.UpdateAsync(id, input, http.Actor(), cancellationToken).ConfigureAwait(false), conductor));

    private static async Task<NoContent> DeleteAsync(RegisteredRelayStore store, HttpContext http, Guid id, CancellationToken cancellationToken)
    {
        await store.DeleteAsync(id, http.Actor(), cancellationToken).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<MeetingCall>, ProblemHttpResult>> CallsAsync(LiveCalls live, MeetingService meetings, Guid id, CancellationToken cancellationToken)
    {
        if (live.Get(id) is { } call)
        {
            return TypedResults.Ok(call);
        }

        return await meetings.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } meeting
            ? NotRunning(meeting)
            : Problems.NotFound("meeting", id.ToString());
    }

    private static async Task<Results<Ok<QualityResponse>, ProblemHttpResult>> QualityAsync(
        MeetingService meetings, MeetingQualityStore quality, CallHistoryStore historyStore, Guid id, bool? history, string? site, CancellationToken cancellationToken)
    {
        if (await meetings.GetAsync(id, cancellationToken).ConfigureAwait(false) is null)
        {
            return Problems.NotFound("meeting", id.ToString());
        }

        var sites = await quality.ListAsync(id, cancellationToken).ConfigureAwait(false);
        var buckets = history == true ? await historyStore.ListAsync(id, site, cancellationToken).ConfigureAwait(false) : [];
        return TypedResults.Ok(new QualityResponse(id, sites, buckets));
    }

    private static async Task<Results<Ok<AudioMixResponse>, ProblemHttpResult>> AudioMixAsync(MeetingService meetings, MeetingMediaSettingsStore settings, Guid id, CancellationToken cancellationToken) =>
        await meetings.GetAsync(id, cancellationToken).ConfigureAwait(false) is null
            ? Problems.NotFound("meeting", id.ToString())
            : TypedResults.Ok(new AudioMixResponse((await settings.SettingsAsync(id, cancellationToken).ConfigureAwait(false)).OpenDiscussion));

    private static async Task<Results<Ok<AudioMixResponse>, ValidationProblem, ProblemHttpResult>> SetAudioMixAsync(
        HttpContext http, MeetingService meetings, MeetingMediaSettingsStore settings, RelayConductor conductor, Guid id, AudioMixResponse? input, CancellationToken cancellationToken)
    {
        if (input is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["openDiscussion"] = ["A JSON body with openDiscussion true or false is needed."] });
        }

        if (await meetings.GetAsync(id, cancellationToken).ConfigureAwait(false) is null)
        {
            return Problems.NotFound("meeting", id.ToString());
        }

        // Stored first, so the mode outlives a restart (AudioModeRestore hands it back to the conductor).
        await settings.SetOpenDiscussionAsync(id, input.OpenDiscussion, http.Actor(), cancellationToken).ConfigureAwait(false);
        conductor.SetOpenDiscussion(id, input.OpenDiscussion);
        return TypedResults.Ok(new AudioMixResponse(input.OpenDiscussion));
    }

    private static async Task<Results<Accepted, ProblemHttpResult>> RedialAsync(LiveCalls live, MeetingService meetings, RelayConductor conductor, Guid id, Guid endpointId, CancellationToken cancellationToken)
    {
        if (live.Get(id) is not { } call)
        {
            return await meetings.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } meeting ? NotRunning(meeting) : Problems.NotFound("meeting", id.ToString());
        }

        if (call.Status != MeetingStatus.Live)
        {
            throw new DomainException(DomainErrorKind.Conflict, "meeting.not-live", "Endpoints are dialled once the meeting is live.");
        }

        if (!call.Endpoints.Any(e => e.EndpointId == endpointId))
        {
            return Problems.NotFound("endpoint", endpointId.ToString());
        }

        conductor.Redial(id, endpointId);
        return TypedResults.Accepted($"/api/meetings/{id}/calls");
    }

    /// <summary>
    /// A scoped account sees the calls of a meeting that touches its scope, and redials only its
    /// own rooms (the endpoint's site inside the scope).
    /// </summary>
    private static async ValueTask<object?> ScopeFilterAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
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

        if (Guid.TryParse(http.Request.RouteValues["endpointId"]?.ToString(), out var endpointId)
            && await services.GetRequiredService<Endpoints.EndpointStore>().GetAsync(endpointId, http.RequestAborted).ConfigureAwait(false) is { } endpoint
            && !scope.Contains(endpoint.SiteCode))
        {
            return StaffScopes.Forbidden($"The endpoint's site '{endpoint.SiteCode}' is outside your scope.");
        }

        return await next(context).ConfigureAwait(false);
    }

    private static ProblemHttpResult NotRunning(Meeting meeting) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound,
        title: "Not found",
        detail: $"Meeting '{meeting.Title}' is {meeting.Status}: the relays run a meeting while it is preparing or live.",
        extensions: new Dictionary<string, object?> { ["code"] = "calls.not-running", ["meetingStatus"] = meeting.Status.ToString() });

    private static RelayResponse Local(RelayConductor conductor)
    {
        var status = conductor.RelayStatuses.GetValueOrDefault(RelayTopology.LocalKey);
        return new RelayResponse(null, conductor.LocalName, conductor.LocalSiteCode, true, null, conductor.LocalSipAddress, conductor.LocalSipUser, false, false,
            status?.Health ?? RelayHealth.Connecting, status?.Error, status?.SinceUtc, status?.Meetings ?? 0, status?.ConnectedLegs ?? 0, null);
    }

    private static RelayResponse ToResponse(RegisteredRelay r, RelayConductor conductor)
    {
        var status = conductor.RelayStatuses.GetValueOrDefault(r.Id.ToString("N"));
        return new RelayResponse(r.Id, r.Name, r.SiteCode, false, r.ControlUrl, r.SipAddress, r.SipUser, true, true,
            status?.Health ?? RelayHealth.Connecting, status?.Error, status?.SinceUtc, status?.Meetings ?? 0, status?.ConnectedLegs ?? 0, r.UpdatedUtc);
    }
}

/// <summary>A meeting's audio mix as the secretariat sets it.</summary>
/// <param name="OpenDiscussion">Besides the chair and the floor, the loudest unmuted sites are heard (up to the relay's <c>Relay:AudioMix:MaxSpeakers</c>).</param>
public sealed record AudioMixResponse(bool OpenDiscussion);
