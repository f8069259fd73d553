using System.Globalization;
using Conferencing.Server.Meetings;
using Conferencing.Server.Sites;
using Conferencing.Server.Store;

namespace Conferencing.Server.Reports;

/// <summary>Builds the meeting report for a period from the store; pages and the API both call it.</summary>
public sealed class ReportService(Database database, SiteStore sites, MeetingQualityStore quality, TimeProvider time)
{
    public Task<MeetingReport> BuildAsync(ReportPeriod period, CancellationToken cancellationToken) => BuildAsync(period, null, cancellationToken);

    /// <summary>
    /// The report as a caller sees it: a staff account limited to a subtree gets the meetings held
    /// wholly within it (host and every site), so no figure of a site outside leaks into it.
    /// </summary>
    public async Task<MeetingReport> BuildAsync(ReportPeriod period, System.Security.Claims.ClaimsPrincipal? user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(period);
        var tree = await sites.LoadTreeAsync(cancellationToken).ConfigureAwait(false);
        var scope = Accounts.StaffScopes.For(user, tree);
        var meetings = (await MeetingsStartingAsync(period.FromUtc, period.ToUtc, cancellationToken).ConfigureAwait(false)).Where(scope.CanRun).ToList();
        var kept = meetings.Select(m => m.Id).ToHashSet();
        var summaries = (await quality.ListForMeetingsStartingAsync(period.FromUtc, period.ToUtc, cancellationToken).ConfigureAwait(false)).Where(q => kept.Contains(q.MeetingId)).ToList();
        return MeetingReport.Build(period, meetings, summaries, new SiteIndex(tree), time.GetUtcNow());
    }

    /// <summary>
    /// Every meeting held or cancelled in the period, however many: the meeting list's paging limit
    /// would silently cut a year's report short.
    /// </summary>
    private async Task<List<Meeting>> MeetingsStartingAsync(DateTimeOffset fromUtc, DateTimeOffset toUtc, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QueryAsync(null,
            """
            SELECT body, version FROM meetings
            WHERE status IN ('Live', 'Ended', 'Cancelled') AND start_utc >= @from AND start_utc < @to
            ORDER BY start_utc, id
            """,
            r => Meeting.FromJson(r.GetString(0), Convert.ToInt32(r.GetValue(1), CultureInfo.InvariantCulture)),
            cancellationToken, ("from", database.ToDb(fromUtc)), ("to", database.ToDb(toUtc))).ConfigureAwait(false);
    }
}
