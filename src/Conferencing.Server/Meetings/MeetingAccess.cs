using System.Security.Claims;
using Conferencing.Server.Accounts;
using Conferencing.Server.Sites;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Conferencing.Server.Meetings;

/// <summary>
/// The scope rule for everything that hangs off one meeting (its room, votes, documents, delegates):
/// a scoped staff account reads what it can see (<see cref="MeetingScope.CanSee"/>) and changes
/// only what it can run (<see cref="MeetingScope.CanRun"/>). Reads are GET and HEAD; every other
/// method is a change. Put on a route group as an endpoint filter, so no handler can forget it.
/// </summary>
public static class MeetingAccess
{
    /// <summary>Routes that name the meeting as <c>{meetingId}</c>.</summary>
    /// <param name="builder">The route or group.</param>
    /// <param name="alwaysChange">Treat a read as a change too: for reads that hand out credentials (a delegate's invitation).</param>
    public static TBuilder RequireMeetingScope<TBuilder>(this TBuilder builder, bool alwaysChange = false)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireMeetingScope(
            (http, _) => Task.FromResult(http.Request.RouteValues.TryGetValue("meetingId", out var raw) && Guid.TryParse(raw?.ToString(), out var id) ? id : (Guid?)null),
            alwaysChange);

    /// <summary>
    /// Routes that name something of a meeting (a vote, a document): <paramref name="meetingOf"/>
    /// finds its meeting, or null when there is none, which the handler then answers with its 404.
    /// </summary>
    public static TBuilder RequireMeetingScope<TBuilder>(this TBuilder builder, Func<HttpContext, CancellationToken, Task<Guid?>> meetingOf, bool alwaysChange = false)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(meetingOf);
        return builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            if (StaffScopes.ScopeOf(http.User) is not null
                && await meetingOf(http, http.RequestAborted).ConfigureAwait(false) is { } meetingId
                && await RefusalAsync(http.RequestServices, http.User, meetingId, change: alwaysChange || !HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method), http.RequestAborted).ConfigureAwait(false) is { } refused)
            {
                return refused;
            }

            return await next(context).ConfigureAwait(false);
        });
    }

    /// <summary>The 403 for a caller who may not read (or, with <paramref name="change"/>, change) the meeting; null when allowed or when there is no such meeting.</summary>
    public static async Task<ProblemHttpResult?> RefusalAsync(IServiceProvider services, ClaimsPrincipal? user, Guid meetingId, bool change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        return await AllowsAsync(services, user, meetingId, change, cancellationToken).ConfigureAwait(false)
            ? null
            : change
                ? StaffScopes.Forbidden("The meeting reaches sites outside your scope; only an account over its host and every site may change or run it.")
                : StaffScopes.Forbidden("The meeting has no site within your scope.");
    }

    /// <summary>True when the caller may read (or change) the meeting, or when there is no such meeting (its own answer is a 404).</summary>
    public static async Task<bool> AllowsAsync(IServiceProvider services, ClaimsPrincipal? user, Guid meetingId, bool change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (StaffScopes.ScopeOf(user) is null
            || await services.GetRequiredService<MeetingService>().GetAsync(meetingId, cancellationToken).ConfigureAwait(false) is not { } meeting)
        {
            return true;
        }

        var scope = StaffScopes.For(user, await services.GetRequiredService<SiteStore>().LoadTreeAsync(cancellationToken).ConfigureAwait(false));
        return change ? scope.CanRun(meeting) : scope.CanSee(meeting);
    }
}
