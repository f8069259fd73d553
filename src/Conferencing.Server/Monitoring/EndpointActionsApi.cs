using Conferencing.Relay;
using Conferencing.Server.Accounts;
using Conferencing.Server.Common;
using Conferencing.Server.Endpoints;
using Conferencing.Server.Hosting;
using Conferencing.Server.Meetings;
using Conferencing.Server.Monitoring.Readiness;
using Conferencing.Server.Relaying;
using Conferencing.Server.Store;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Conferencing.Server.Monitoring;

/// <summary>
/// Technicians' actions on an endpoint from the dashboard, and the readiness board. Every action
/// is written to the audit trail with who did it and how it went; the secretariat gets 403.
/// </summary>
public static class EndpointActionsApi
{
    /// <summary>An action's body: the meeting whose call it is about; when left out, the meeting the endpoint has a call in.</summary>
    public sealed record ActionRequest(Guid? MeetingId);

    /// <summary>What an action did: <c>Outcome</c> in the caller's language, <c>OutcomeCode</c> stable for programs.</summary>
    public sealed record ActionResult(Guid EndpointId, string Action, Guid? MeetingId, string? Relay, string Outcome, string OutcomeCode);

    public static IEndpointRouteBuilder MapEndpointActions(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/endpoints/{id:guid}/actions").WithTags("Monitoring").RequireAuthorization(StaffRoles.Policies.Technician);
        group.MapPost("/{action}", ActAsync).ProducesProblem(404).ProducesProblem(409).ProducesProblem(502).ProducesValidationProblem()
            .WithSummary("action: redial, hang-up (held out of the meeting until a redial), mute, unmute (audio at the relay), keyframe, test-call.");
        routes.MapGet("/api/meetings/{id:guid}/readiness", ReadinessAsync)
            .WithTags("Monitoring").RequireAuthorization(StaffRoles.Policies.Staff).ProducesProblem(404).ProducesProblem(403);
        routes.MapPost("/api/meetings/{id:guid}/readiness/run", RunReadinessAsync)
            .WithTags("Monitoring").RequireAuthorization(StaffRoles.Policies.Technician).ProducesProblem(404).ProducesProblem(409).ProducesProblem(403);
        return routes;
    }

    private static async Task<Results<Ok<ReadinessBoard>, ProblemHttpResult>> ReadinessAsync(ReadinessService readiness, MeetingService meetings, StaffScopes scopes, HttpContext http, Guid id, CancellationToken ct)
    {
        if (await MeetingOutOfScopeAsync(meetings, scopes, http, id, run: false, ct).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        return TypedResults.Ok(await readiness.BoardAsync(id, ct).ConfigureAwait(false));
    }

    private static async Task<Results<Accepted<ReadinessBoard>, ProblemHttpResult>> RunReadinessAsync(ReadinessService readiness, MeetingService meetings, StaffScopes scopes, HttpContext http, Guid id, CancellationToken ct)
    {
        if (await MeetingOutOfScopeAsync(meetings, scopes, http, id, run: true, ct).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        await readiness.StartAsync(id, http.Actor(), ct).ConfigureAwait(false);
        return TypedResults.Accepted($"/api/meetings/{id}/readiness", await readiness.BoardAsync(id, ct).ConfigureAwait(false));
    }

    /// <summary>Null when the caller may see (or, with <paramref name="run"/>, run) the meeting, or it does not exist (the service answers 404).</summary>
    private static async Task<ProblemHttpResult?> MeetingOutOfScopeAsync(MeetingService meetings, StaffScopes scopes, HttpContext http, Guid id, bool run, CancellationToken ct)
    {
        if (StaffScopes.ScopeOf(http.User) is null || await meetings.GetAsync(id, ct).ConfigureAwait(false) is not { } meeting)
        {
            return null;
        }

        var scope = await scopes.ForAsync(http.User, ct).ConfigureAwait(false);
        return (run ? scope.CanRun(meeting) : scope.CanSee(meeting)) ? null : StaffScopes.Forbidden("The meeting reaches outside your scope.");
    }

    private static async Task<Results<Ok<ActionResult>, Ok<TestCallResult>, ProblemHttpResult>> ActAsync(
        Guid id, string action, ActionRequest? request, HttpContext http, EndpointStore endpoints, LiveCalls live, RelayConductor conductor,
        TestCallService tests, Database database, AuditLog audit, StaffScopes scopes, LiveMeetings.SiteHolds holds, TimeProvider time,
        Microsoft.Extensions.Localization.IStringLocalizer<Ui> text, CancellationToken cancellationToken)
    {
        var endpoint = await endpoints.GetAsync(id, cancellationToken).ConfigureAwait(false);
        if (endpoint is null)
        {
            return Problems.NotFound("endpoint", id.ToString());
        }

        if (!(await scopes.ForAsync(http.User, cancellationToken).ConfigureAwait(false)).Contains(endpoint.SiteCode))
        {
            return StaffScopes.Forbidden($"The endpoint's site '{endpoint.SiteCode}' is outside your scope.");
        }

        var actor = http.Actor();
        async Task AuditAsync(string outcome, Guid? meeting) =>
            await database.InTransactionAsync((connection, transaction) => audit.WriteAsync(connection, transaction, actor, "endpoint." + action, "endpoint", id.ToString(),
                $"{action} {endpoint.SipUri} ({endpoint.SiteCode}){(meeting is { } m ? $" in meeting {m}" : "")}: {outcome}", cancellationToken), cancellationToken).ConfigureAwait(false);

        if (action == "test-call")
        {
            try
            {
                var result = await tests.RunAsync(id, actor, cancellationToken).ConfigureAwait(false);
                await AuditAsync($"{result.Verdict.Color}, {result.Verdict.Reason}", null).ConfigureAwait(false);
                return TypedResults.Ok(result);
            }
            catch (RelayException e)
            {
                await AuditAsync("failed: " + e.Message, null).ConfigureAwait(false);
                return RelayProblem(e);
            }
        }

        if (action is not ("redial" or "hang-up" or "mute" or "unmute" or "keyframe"))
        {
            throw new DomainException(DomainErrorKind.Invalid, "endpoint.unknown-action", $"No action '{action}': redial, hang-up, mute, unmute, keyframe or test-call.", "action");
        }

        var meetingId = request?.MeetingId ?? MeetingOf(live, id)
            ?? throw new DomainException(DomainErrorKind.Conflict, action == "redial" ? "endpoint.not-in-meeting" : "endpoint.not-in-call",
                "The endpoint is in no meeting the relays run; name the meeting (meetingId) or start it first.");
        try
        {
            string? relay = null;
            switch (action)
            {
                case "redial":
                    await conductor.RedialEndpointAsync(meetingId, id).ConfigureAwait(false);
                    holds.Release(meetingId, id);
                    break;
                case "hang-up":
                    holds.Hold(meetingId, id, actor, time.GetUtcNow());
                    relay = (await conductor.HangUpEndpointAsync(meetingId, id, actor, cancellationToken).ConfigureAwait(false)).Relay;
                    break;
                case "mute":
                case "unmute":
                    relay = (await conductor.SetEndpointAudioMutedAsync(meetingId, id, action == "mute", cancellationToken).ConfigureAwait(false)).Relay;
                    break;
                default:
                    relay = (await conductor.RequestEndpointKeyframeAsync(meetingId, id, cancellationToken).ConfigureAwait(false)).Relay;
                    break;
            }

            var outcome = action switch
            {
                "redial" => "dialling again",
                "hang-up" => "hung up; held out of the meeting until a redial",
                "mute" => "audio muted at the relay",
                "unmute" => "audio forwarded again",
                _ => "keyframe requested",
            };
            // The audit trail keeps the English line; the person who clicked reads it in their language.
            await AuditAsync(outcome, meetingId).ConfigureAwait(false);
            var code = "endpoint." + action;
            return TypedResults.Ok(new ActionResult(id, action, meetingId, relay, text["Outcome_" + code].Value, code));
        }
        catch (DomainException e)
        {
            await AuditAsync("refused: " + e.Message, meetingId).ConfigureAwait(false);
            throw;
        }
        catch (RelayException e)
        {
            await AuditAsync("failed: " + e.Message, meetingId).ConfigureAwait(false);
            return RelayProblem(e);
        }
    }

    /// <summary>The meeting the endpoint has a call in (any state), live ones first.</summary>
    private static Guid? MeetingOf(LiveCalls live, Guid endpointId) =>
        live.Meetings.Where(m => m.Endpoints.Any(e => e.EndpointId == endpointId))
            .OrderBy(m => m.Status == Meetings.MeetingStatus.Live ? 0 : 1).Select(m => (Guid?)m.MeetingId).FirstOrDefault();

    private static ProblemHttpResult RelayProblem(RelayException e) => Problems.Of(e.Kind == RelayErrorKind.NotFound ? StatusCodes.Status409Conflict : StatusCodes.Status502BadGateway, "The relay refused or failed", e.Kind == RelayErrorKind.NotFound ? "endpoint.not-in-call" : e.Code, e.Message);
}
