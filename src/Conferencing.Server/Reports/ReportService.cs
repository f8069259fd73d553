using System.Globalization;
using Conferencing.Server.Meetings;
using Conferencing.Server.Sites;
using Conferencing.Server.Store;

namespace Conferencing.Server.Reports;

/// <summary>Builds the meeting report for a period from the store; pages and the API both call it.</summary>
public sealed class ReportService(Database database, SiteStore sites, MeetingQualityStore quality, TimeProvider time)
{
    public async Task<MeetingReport> BuildAsync(ReportPeriod period, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(period);
        var tree = await sites.LoadTreeAsync(cancellationToken).ConfigureAwait(false);
        var meetings = await MeetingsStartingAsync(period.FromUtc, period.ToUtc, cancellationToken).ConfigureAwait(false);
        var summaries = await quality.ListForMeetingsStartingAsync(period.FromUtc, period.ToUtc, cancellationToken).ConfigureAwait(false);
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
