using Conferencing.Server.Accounts;
using Conferencing.Server.Common;
using Conferencing.Server.Sites;

namespace Conferencing.Server.Meetings;

/// <summary>
/// What a scoped staff account may do with a meeting, decided by <see cref="SiteScope"/>. A meeting
/// that touches the scope (its host or any of its sites inside) is visible, read-only when it
/// reaches outside; only a meeting whose host and every site lie inside the scope can be changed or
/// run. A province meeting that includes a commune is thus seen by that commune's technician (who
/// prepares the room) but run by the province's secretariat.
/// </summary>
public static class MeetingScope
{
    public static bool CanSee(this SiteScope scope, Meeting meeting)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(meeting);
        return scope.IsEverything || scope.Contains(meeting.HostSiteCode) || meeting.SiteCodes.Any(scope.Contains);
    }

    public static bool CanRun(this SiteScope scope, Meeting meeting)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(meeting);
        return scope.IsEverything || (scope.Contains(meeting.HostSiteCode) && scope.ContainsAll(meeting.SiteCodes));
    }

    /// <summary>
    /// On every meeting command: the meeting named by the route must lie wholly in the caller's
    /// scope, and so must the meeting the request would make (a new one, or the changed one).
    /// Details the model refuses pass on untouched: the handler answers them as it always does.
    /// </summary>
    public static async ValueTask<object?> WriteFilterAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        if (StaffScopes.ScopeOf(http.User) is null)
        {
            return await next(context).ConfigureAwait(false);
        }

        var services = http.RequestServices;
        var ct = http.RequestAborted;
        var tree = await services.GetRequiredService<SiteStore>().LoadTreeAsync(ct).ConfigureAwait(false);
        var scope = StaffScopes.For(http.User, tree);
        var meetings = services.GetRequiredService<MeetingService>();
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        Meeting? existing = null;
        if (http.Request.RouteValues.TryGetValue("id", out var raw) && Guid.TryParse(raw?.ToString(), out var id))
        {
            existing = await meetings.GetAsync(id, ct).ConfigureAwait(false);
            if (existing is not null && !scope.CanRun(existing))
            {
                return StaffScopes.Forbidden($"The meeting reaches sites outside {scope.Root}; only an account over all of its sites may change or run it.");
            }
        }

        if (context.Arguments.OfType<MeetingApi.MeetingRequest>().FirstOrDefault() is { } request)
        {
            Meeting? proposed = null;
            try
            {
                if (existing is not null)
                {
                    existing.Update(request.ToDetails(), tree, now);
                    proposed = existing;
                }
                else if (!http.Request.RouteValues.ContainsKey("id"))
                {
                    proposed = Meeting.Schedule(Guid.NewGuid(), request.ToDetails(), tree, http.User.Identity?.Name ?? "", now);
                }
            }
            catch (DomainException)
            {
                proposed = null;
            }

            if (proposed is not null && !scope.CanRun(proposed))
            {
                return StaffScopes.Forbidden($"The host and every site must lie within {scope.Root}.");
            }
        }

        return await next(context).ConfigureAwait(false);
    }
}
