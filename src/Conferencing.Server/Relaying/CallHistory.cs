using System.Data.Common;
using System.Globalization;
using Conferencing.Server.Reports;
using Conferencing.Server.Store;

namespace Conferencing.Server.Relaying;

/// <summary>
/// One site's call statistics over one history bucket (<see cref="RelayingOptions.HistoryBucket"/>):
/// the per-second figures averaged, and the worst second's loss.
/// </summary>
/// <param name="SiteCode">The site.</param>
/// <param name="BucketUtc">Start of the bucket.</param>
/// <param name="Samples">Seconds with statistics in the bucket.</param>
/// <param name="LossInPercent">Mean loss of what the site sent.</param>
/// <param name="LossOutPercent">Mean loss the site reported of what it received, or null without reports.</param>
/// <param name="MaxLossPercent">The worst second's loss, either way.</param>
/// <param name="JitterMs">Mean audio jitter of what the site sent.</param>
/// <param name="RoundTripMs">Mean round trip, or null without reports.</param>
/// <param name="BitrateInKbps">Mean bitrate the site sent.</param>
/// <param name="BitrateOutKbps">Mean bitrate the relay sent it.</param>
public sealed record CallHistoryBucket(
    string SiteCode,
    DateTimeOffset BucketUtc,
    int Samples,
    double? LossInPercent,
    double? LossOutPercent,
    double? MaxLossPercent,
    double? JitterMs,
    double? RoundTripMs,
    double? BitrateInKbps,
    double? BitrateOutKbps);

/// <summary>The stored history of a meeting's calls (schema v7, <c>call_quality_history</c>).</summary>
public sealed class CallHistoryStore(Database database)
{
    /// <summary>
    /// Writes buckets in one transaction. A bucket already stored (a restart inside it) keeps the
    /// fuller of the two.
    /// </summary>
    public Task WriteAsync(Guid meetingId, IReadOnlyList<CallHistoryBucket> buckets, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        return database.InTransactionAsync(async (connection, transaction) =>
        {
            foreach (var b in buckets)
            {
                await connection.ExecuteAsync(transaction,
                    """
                    INSERT INTO call_quality_history (meeting_id, site_code, bucket_utc, samples, loss_in_percent, loss_out_percent, max_loss_percent,
                        jitter_ms, round_trip_ms, bitrate_in_kbps, bitrate_out_kbps)
                    VALUES (@m, @s, @b, @n, CAST(@li AS DOUBLE PRECISION), CAST(@lo AS DOUBLE PRECISION), CAST(@lm AS DOUBLE PRECISION),
                        CAST(@j AS DOUBLE PRECISION), CAST(@r AS DOUBLE PRECISION), CAST(@bi AS DOUBLE PRECISION), CAST(@bo AS DOUBLE PRECISION))
                    ON CONFLICT (meeting_id, site_code, bucket_utc) DO UPDATE SET samples = excluded.samples,
                        loss_in_percent = excluded.loss_in_percent, loss_out_percent = excluded.loss_out_percent, max_loss_percent = excluded.max_loss_percent,
                        jitter_ms = excluded.jitter_ms, round_trip_ms = excluded.round_trip_ms, bitrate_in_kbps = excluded.bitrate_in_kbps,
                        bitrate_out_kbps = excluded.bitrate_out_kbps
                    WHERE call_quality_history.samples < excluded.samples
                    """,
                    cancellationToken,
                    ("m", meetingId.ToString()), ("s", b.SiteCode), ("b", database.ToDb(b.BucketUtc)), ("n", b.Samples),
                    ("li", b.LossInPercent), ("lo", b.LossOutPercent), ("lm", b.MaxLossPercent), ("j", b.JitterMs), ("r", b.RoundTripMs),
                    ("bi", b.BitrateInKbps), ("bo", b.BitrateOutKbps)).ConfigureAwait(false);
            }
        }, cancellationToken);
    }

    /// <summary>A meeting's buckets, oldest first, for one site or all.</summary>
    public async Task<IReadOnlyList<CallHistoryBucket>> ListAsync(Guid meetingId, string? siteCode, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var site = siteCode is null ? "" : " AND site_code = @s";
        return await connection.QueryAsync(null,
            $"""
            SELECT site_code, bucket_utc, samples, loss_in_percent, loss_out_percent, max_loss_percent, jitter_ms, round_trip_ms, bitrate_in_kbps, bitrate_out_kbps
            FROM call_quality_history WHERE meeting_id = @m{site} ORDER BY bucket_utc, site_code
            """,
            r => new CallHistoryBucket(r.GetString(0), database.ReadTime(r, 1), Convert.ToInt32(r.GetValue(2), CultureInfo.InvariantCulture),
                Real(r, 3), Real(r, 4), Real(r, 5), Real(r, 6), Real(r, 7), Real(r, 8), Real(r, 9)),
            cancellationToken, siteCode is null ? [("m", meetingId.ToString())] : [("m", meetingId.ToString()), ("s", siteCode)]).ConfigureAwait(false);
    }

    private static double? Real(DbDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : Convert.ToDouble(r.GetValue(ordinal), CultureInfo.InvariantCulture);
}

/// <summary>
/// Turns per-second site samples into history buckets and per-meeting summaries. Lives on the
/// conductor's loop (no locking); the writes happen elsewhere.
/// </summary>
internal sealed class CallQualityAccumulator(TimeSpan bucket)
{
    private readonly Dictionary<(Guid Meeting, string Site), Summary> _summaries = [];
    private readonly Dictionary<(Guid Meeting, string Site, long Bucket), Bucket> _buckets = [];
    private readonly HashSet<(Guid Meeting, string Site)> _seeded = [];

    /// <summary>One second of one site.</summary>
    public void Add(Guid meetingId, string siteCode, CallSecond s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var key = (meetingId, siteCode);
        if (!_summaries.TryGetValue(key, out var summary))
        {
            _summaries[key] = summary = new Summary();
        }

        summary.Samples++;
        summary.Loss.Add(s.LossInPercent);
        summary.Jitter.Add(s.JitterInMs);
        summary.RoundTrip.Add(s.RoundTripMs);
        summary.Bitrate.Add(s.BitrateInKbps);
        summary.Dirty = true;

        var index = s.AtUtc.UtcTicks / bucket.Ticks;
        if (!_buckets.TryGetValue((meetingId, siteCode, index), out var b))
        {
            _buckets[(meetingId, siteCode, index)] = b = new Bucket();
        }

        b.Samples++;
        b.LossIn.Add(s.LossInPercent);
        b.LossOut.Add(s.LossOutPercent);
        b.Jitter.Add(s.JitterInMs);
        b.RoundTrip.Add(s.RoundTripMs);
        b.BitrateIn.Add(s.BitrateInKbps);
        b.BitrateOut.Add(s.BitrateOutKbps);
        b.MaxLoss = Math.Max(b.MaxLoss, Math.Max(s.LossInPercent, s.LossOutPercent ?? 0));
    }

    /// <summary>
    /// Continues from what an earlier run of the server stored (a restart in the middle of a
    /// meeting), merged with whatever this run has counted already; once per meeting and site.
    /// </summary>
    public void Seed(MeetingSiteQuality stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var key = (stored.MeetingId, stored.SiteCode);
        if (stored.Samples == 0 || !_seeded.Add(key))
        {
            return;
        }

        if (!_summaries.TryGetValue(key, out var summary))
        {
            _summaries[key] = summary = new Summary();
        }

        summary.Samples += stored.Samples;
        summary.Loss.Merge(stored.LossPercent, stored.Samples);
        summary.Jitter.Merge(stored.JitterMs, stored.Samples);
        summary.RoundTrip.Merge(stored.RoundTripMs, stored.Samples);
        summary.Bitrate.Merge(stored.BitrateKbps, stored.Samples);
        summary.Dirty = true;
    }

    /// <summary>Buckets that ended by <paramref name="now"/>, or every bucket of meeting <paramref name="everyOf"/> (it is over), taken out.</summary>
    public List<(Guid MeetingId, CallHistoryBucket Bucket)> TakeBuckets(DateTimeOffset now, Guid? everyOf = null)
    {
        var done = _buckets.Where(b => everyOf is { } meeting ? b.Key.Meeting == meeting : (b.Key.Bucket + 1) * bucket.Ticks <= now.UtcTicks).ToList();
        var result = new List<(Guid, CallHistoryBucket)>(done.Count);
        foreach (var (key, b) in done)
        {
            _buckets.Remove(key);
            result.Add((key.Meeting, new CallHistoryBucket(key.Site, new DateTimeOffset(key.Bucket * bucket.Ticks, TimeSpan.Zero), b.Samples,
                b.LossIn.Value, b.LossOut.Value, b.MaxLoss, b.Jitter.Value, b.RoundTrip.Value, b.BitrateIn.Value, b.BitrateOut.Value)));
        }

        return result;
    }

    /// <summary>The summaries changed since last taken (all of a meeting's when <paramref name="final"/>).</summary>
    public List<MeetingSiteQuality> TakeSummaries(Guid? meetingId = null, bool final = false)
    {
        var result = new List<MeetingSiteQuality>();
        foreach (var ((meeting, site), s) in _summaries.Where(s => meetingId is null || s.Key.Meeting == meetingId).ToList())
        {
            if (s.Dirty || final)
            {
                s.Dirty = false;
                result.Add(new MeetingSiteQuality(meeting, site, s.Samples, s.Samples,
                    Round(s.Loss.Value, 3), Round(s.Jitter.Value, 2), Round(s.RoundTrip.Value, 2), Round(s.Bitrate.Value, 1)));
            }

            if (final)
            {
                _summaries.Remove((meeting, site));
                _seeded.Remove((meeting, site));
            }
        }

        return result;
    }

    private static double? Round(double? value, int digits) => value is { } v ? Math.Round(v, digits) : null;

    /// <summary>A running mean of the values that were there (a missing round trip is not a zero).</summary>
    private sealed class Average
    {
        private double _sum;
        private int _count;

        public double? Value => _count == 0 ? null : _sum / _count;

        public void Add(double? value)
        {
            if (value is { } v && double.IsFinite(v))
            {
                _sum += v;
                _count++;
            }
        }

        public void Merge(double? mean, int count)
        {
            if (mean is { } m && double.IsFinite(m))
            {
                _sum += m * count;
                _count += count;
            }
        }
    }

    private sealed class Summary
    {
        public int Samples { get; set; }

        public bool Dirty { get; set; }

        public Average Loss { get; } = new();

        public Average Jitter { get; } = new();

        public Average RoundTrip { get; } = new();

        public Average Bitrate { get; } = new();
    }

    private sealed class Bucket
    {
        public int Samples { get; set; }

        public double MaxLoss { get; set; }

        public Average LossIn { get; } = new();

        public Average LossOut { get; } = new();

        public Average Jitter { get; } = new();

        public Average RoundTrip { get; } = new();

        public Average BitrateIn { get; } = new();

        public Average BitrateOut { get; } = new();
    }
}
