using System.Data.Common;
using System.Globalization;
using Conferencing.Server.Common;
using Conferencing.Server.Store;

namespace Conferencing.Server.Reports;

/// <summary>
/// How one site's media fared in one meeting, summarised from the relay's per-second statistics:
/// how long the site was connected, how many one-second samples were taken, and their means.
/// </summary>
/// <param name="ConnectedSeconds">Seconds the site's leg was up during the meeting.</param>
/// <param name="Samples">Per-second statistics reports the means are taken over.</param>
/// <param name="LossPercent">Mean RTP packet loss received from the site, 0 to 100.</param>
/// <param name="JitterMs">Mean interarrival jitter (RFC 3550 A.8), in milliseconds.</param>
/// <param name="RoundTripMs">Mean RTCP round-trip time, in milliseconds.</param>
/// <param name="BitrateKbps">Mean received bitrate, in kbit/s.</param>
public sealed record MeetingSiteQuality(
    Guid MeetingId, string SiteCode, int ConnectedSeconds, int Samples,
    double? LossPercent, double? JitterMs, double? RoundTripMs, double? BitrateKbps);

/// <summary>
/// Per-meeting quality of each site, the figures behind the report's "average quality per site".
/// The relay conductor (<c>Relaying/CallHistory.cs</c>) calls <see cref="UpsertAsync"/> while a
/// meeting runs and when it ends; a meeting run without relays shows "no data" for quality, and
/// every other figure comes from the meetings and their roll call.
/// </summary>
public sealed class MeetingQualityStore(Database database, TimeProvider time)
{
    /// <summary>Records or replaces the summary of one site in one meeting.</summary>
    public async Task UpsertAsync(MeetingSiteQuality quality, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(quality);
        Check(quality);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(null,
            """
            INSERT INTO meeting_site_quality (meeting_id, site_code, connected_seconds, samples, loss_percent, jitter_ms, round_trip_ms, bitrate_kbps, updated_utc)
            VALUES (@m, @s, @connected, @samples, CAST(@loss AS DOUBLE PRECISION), CAST(@jitter AS DOUBLE PRECISION),
                CAST(@rtt AS DOUBLE PRECISION), CAST(@bitrate AS DOUBLE PRECISION), @now)
            ON CONFLICT (meeting_id, site_code) DO UPDATE SET connected_seconds = excluded.connected_seconds, samples = excluded.samples,
                loss_percent = excluded.loss_percent, jitter_ms = excluded.jitter_ms, round_trip_ms = excluded.round_trip_ms,
                bitrate_kbps = excluded.bitrate_kbps, updated_utc = excluded.updated_utc
            """,
            cancellationToken,
            ("m", quality.MeetingId.ToString()), ("s", quality.SiteCode), ("connected", quality.ConnectedSeconds), ("samples", quality.Samples),
            ("loss", Real(quality.LossPercent)), ("jitter", Real(quality.JitterMs)), ("rtt", Real(quality.RoundTripMs)), ("bitrate", Real(quality.BitrateKbps)),
            ("now", database.ToDb(time.GetUtcNow()))).ConfigureAwait(false);
    }

    /// <summary>The summaries of every meeting that started in [<paramref name="fromUtc"/>, <paramref name="toUtc"/>).</summary>
    public async Task<IReadOnlyList<MeetingSiteQuality>> ListForMeetingsStartingAsync(DateTimeOffset fromUtc, DateTimeOffset toUtc, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QueryAsync(null,
            """
            SELECT q.meeting_id, q.site_code, q.connected_seconds, q.samples, q.loss_percent, q.jitter_ms, q.round_trip_ms, q.bitrate_kbps
            FROM meeting_site_quality q JOIN meetings m ON m.id = q.meeting_id
            WHERE m.start_utc >= @from AND m.start_utc < @to
            """,
            Read, cancellationToken, ("from", database.ToDb(fromUtc)), ("to", database.ToDb(toUtc))).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<MeetingSiteQuality>> ListAsync(Guid meetingId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QueryAsync(null,
            "SELECT meeting_id, site_code, connected_seconds, samples, loss_percent, jitter_ms, round_trip_ms, bitrate_kbps FROM meeting_site_quality WHERE meeting_id = @m ORDER BY site_code",
            Read, cancellationToken, ("m", meetingId.ToString())).ConfigureAwait(false);
    }

    private static void Check(MeetingSiteQuality q)
    {
        if (string.IsNullOrEmpty(q.SiteCode))
        {
            throw DomainException.Invalid("siteCode", "A quality summary names its site.");
        }

        if (q.ConnectedSeconds < 0 || q.Samples < 0)
        {
            throw DomainException.Invalid(q.ConnectedSeconds < 0 ? "connectedSeconds" : "samples", "Connected seconds and samples are zero or more.");
        }

        if (q.LossPercent is { } loss && (double.IsNaN(loss) || loss is < 0 or > 100))
        {
            throw DomainException.Invalid("lossPercent", "Packet loss is a percentage from 0 to 100.");
        }

        foreach (var (name, value) in new[] { ("jitterMs", q.JitterMs), ("roundTripMs", q.RoundTripMs), ("bitrateKbps", q.BitrateKbps) })
        {
            if (value is { } v && (double.IsNaN(v) || double.IsInfinity(v) || v < 0))
            {
                throw DomainException.Invalid(name, $"{name} is a finite value of zero or more.");
            }
        }
    }

    /// <summary>A null goes as text (see DbExtensions); the CASTs in the SQL make it a typed null on PostgreSQL.</summary>
    private static object? Real(double? value) => value;

    private static MeetingSiteQuality Read(DbDataReader r) => new(
        Guid.Parse(r.GetString(0)), r.GetString(1),
        Convert.ToInt32(r.GetValue(2), CultureInfo.InvariantCulture), Convert.ToInt32(r.GetValue(3), CultureInfo.InvariantCulture),
        Nullable(r, 4), Nullable(r, 5), Nullable(r, 6), Nullable(r, 7));

    private static double? Nullable(DbDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : Convert.ToDouble(r.GetValue(ordinal), CultureInfo.InvariantCulture);
}
