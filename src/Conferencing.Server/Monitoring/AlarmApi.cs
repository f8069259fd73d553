using Conferencing.Server.Accounts;
using Conferencing.Server.Common;
using Conferencing.Server.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Conferencing.Server.Monitoring;

/// <summary>Alarms over HTTP: the history for all staff; acknowledge and clear for technicians.</summary>
public static class AlarmApi
{
    public static RouteGroupBuilder MapAlarmApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/alarms").WithTags("Monitoring").RequireAuthorization(StaffRoles.Policies.Staff);
        group.MapGet("/", ListAsync).ProducesValidationProblem().ProducesProblem(404)
            .WithSummary("Newest first. Filters: site (with everything under it), severity (at least: Minor, Major, Critical), "
                + "state (All, Active, Unacknowledged, Acknowledged, Cleared), from, to (ISO 8601, on the time raised), meeting, limit (default 200, at most 5000).");
        group.MapPost("/{id:guid}/acknowledge", AcknowledgeAsync).RequireAuthorization(StaffRoles.Policies.Technician).ProducesProblem(404);
        group.MapPost("/{id:guid}/clear", ClearAsync).RequireAuthorization(StaffRoles.Policies.Technician).ProducesProblem(404).ProducesProblem(409);
        return group;
    }

    private static async Task<Results<Ok<IReadOnlyList<Alarm>>, ProblemHttpResult>> ListAsync(
        AlarmService alarms, StaffScopes scopes, HttpContext http, string? site, string? severity, string? state, DateTimeOffset? from, DateTimeOffset? to, Guid? meeting, int? limit,
        CancellationToken cancellationToken)
    {
        var query = new AlarmQuery(
            string.IsNullOrWhiteSpace(site) ? null : site.Trim(),
            ParseEnum<AlarmSeverity>("severity", severity),
            ParseEnum<AlarmStateFilter>("state", state) ?? AlarmStateFilter.All,
            from, to, meeting, limit ?? AlarmQuery.DefaultLimit);
        if (limit is < 1 or > AlarmQuery.MaxLimit)
        {
            throw DomainException.Invalid("limit", $"limit must be between 1 and {AlarmQuery.MaxLimit}.");
        }

        if (from is { } f && to is { } t && f >= t)
        {
            throw DomainException.Invalid("to", "to must be after from.");
        }

        // A scoped account reads its own subtree: with no site it gets its scope, with one outside it a 403.
        var scope = await scopes.ForAsync(http.User, cancellationToken).ConfigureAwait(false);
        if (query.SiteCode is { } asked && !scope.Contains(asked))
        {
            return StaffScopes.Forbidden($"Site '{asked}' is outside your scope.");
        }

        query = query with { SiteCode = query.SiteCode ?? scope.Root };
        var found = await alarms.QueryAsync(query, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok<IReadOnlyList<Alarm>>(scope.IsEverything ? found : [.. found.Where(a => scope.Contains(a.SiteCode))]);
    }

    private static async Task<Results<Ok<Alarm>, ProblemHttpResult>> AcknowledgeAsync(AlarmService alarms, StaffScopes scopes, HttpContext http, Guid id, CancellationToken cancellationToken) =>
        await OutOfScopeAsync(alarms, scopes, http, id, cancellationToken).ConfigureAwait(false) is { } refused
            ? refused
            : TypedResults.Ok(await alarms.AcknowledgeAsync(id, http.Actor(), cancellationToken).ConfigureAwait(false));

    private static async Task<Results<Ok<Alarm>, ProblemHttpResult>> ClearAsync(AlarmService alarms, StaffScopes scopes, HttpContext http, Guid id, CancellationToken cancellationToken) =>
        await OutOfScopeAsync(alarms, scopes, http, id, cancellationToken).ConfigureAwait(false) is { } refused
            ? refused
            : TypedResults.Ok(await alarms.ClearAsync(id, http.Actor(), cancellationToken).ConfigureAwait(false));

    private static async Task<ProblemHttpResult?> OutOfScopeAsync(AlarmService alarms, StaffScopes scopes, HttpContext http, Guid id, CancellationToken cancellationToken)
    {
        if (StaffScopes.ScopeOf(http.User) is null || await alarms.GetAsync(id, cancellationToken).ConfigureAwait(false) is not { } alarm)
        {
            return null;
        }

        return (await scopes.ForAsync(http.User, cancellationToken).ConfigureAwait(false)).Contains(alarm.SiteCode)
            ? null
            : StaffScopes.Forbidden($"The alarm's site '{alarm.SiteCode}' is outside your scope.");
    }

    private static T? ParseEnum<T>(string field, string? value)
        where T : struct, Enum
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        return Enum.TryParse<T>(value.Trim(), ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(value, out _)
            ? parsed
            : throw DomainException.Invalid(field, $"{field} must be one of {string.Join(", ", Enum.GetNames<T>())}.");
    }
}
