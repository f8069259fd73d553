using System.Globalization;
using System.Text.Json.Serialization;
using Conferencing.Server.Common;
using Conferencing.Server.Meetings;
using Conferencing.Server.Sites;

namespace Conferencing.Server.Reports;

/// <summary>A report's period: whole local days (Asia/Ho_Chi_Minh), both ends included.</summary>
public sealed record ReportPeriod(DateOnly From, DateOnly To)
{
    /// <summary>The longest period a report covers: ten years.</summary>
    public const int MaxDays = 3660;

    [JsonIgnore]
    public DateTimeOffset FromUtc => VietnamTime.StartOfDayUtc(From);

    /// <summary>The end, exclusive: midnight after the last day.</summary>
    [JsonIgnore]
    public DateTimeOffset ToUtc => VietnamTime.StartOfDayUtc(To.AddDays(1));

    /// <summary>Reads "yyyy-MM-dd" bounds, naming the field at fault.</summary>
    public static ReportPeriod Parse(string? from, string? to)
    {
        var start = ParseDay(from, "from");
        var end = ParseDay(to, "to");
        if (end < start)
        {
            throw DomainException.Invalid("to", "The period ends before it starts.");
        }

        if (end.DayNumber - start.DayNumber >= MaxDays)
        {
            throw DomainException.Invalid("to", "A report covers at most ten years.");
        }

        return new ReportPeriod(start, end);
    }

    private static DateOnly ParseDay(string? text, string field) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            ? day
            : throw DomainException.Invalid(field, string.IsNullOrEmpty(text) ? $"'{field}' is required, as yyyy-MM-dd." : $"'{text}' is not a date of the form yyyy-MM-dd.");
}

/// <summary>One line of the province's table: meetings of one kind (or all) held in the period.</summary>
/// <param name="EndpointConnections">Site participations (điểm cầu): each site of each held meeting, the host included.</param>
/// <param name="Delegates">Delegates registered for those meetings.</param>
/// <param name="DelegatesAtAttendingSites">Those registered at a site the roll call found present or late.</param>
/// <summary>One meeting of the report's list: when, what, who hosted it and how many it reached.</summary>
public sealed record HeldMeeting(Guid Id, string Title, MeetingKind Kind, DateTimeOffset StartUtc, string Host, int Sites, int Delegates);

public sealed record KindFigures(MeetingKind? Kind, int Meetings, int EndpointConnections, int Delegates, int DelegatesAtAttendingSites);

public sealed record MonthFigures(int Year, int Month, int RelayedFromCentral, int ProvinceHosted, int CommuneLevel)
{
    public int Total => RelayedFromCentral + ProvinceHosted + CommuneLevel;

    public int Of(MeetingKind kind) => kind switch
    {
        MeetingKind.RelayedFromCentral => RelayedFromCentral,
        MeetingKind.ProvinceHosted => ProvinceHosted,
        _ => CommuneLevel,
    };
}

/// <summary>How a site's media fared, by the rule in <see cref="QualityFigures.GradeOf"/>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<QualityGrade>))]
public enum QualityGrade
{
    Good,
    Fair,
    Poor,
}

/// <summary>
/// Quality over the meetings that have a summary, each weighted by the seconds it was connected, so
/// a site that dropped after five minutes does not weigh like one that stayed four hours.
/// </summary>
/// <param name="ConnectedShare">Seconds connected over the length of those meetings (held time, or planned time if not recorded).</param>
public sealed record QualityFigures(int Meetings, long ConnectedSeconds, double? LossPercent, double? JitterMs, double? ConnectedShare, QualityGrade? Grade)
{
    /// <summary>Loss under 1% and jitter under 30 ms go unnoticed in a conference with today's jitter buffers and concealment.</summary>
    public const double GoodLossPercent = 1.0;
    public const double GoodJitterMs = 30.0;

    /// <summary>3% loss is where video visibly breaks up; 50 ms is the IP delay variation bound of ITU-T Y.1541 classes 0 and 1.</summary>
    public const double FairLossPercent = 3.0;
    public const double FairJitterMs = 50.0;

    public static QualityGrade? GradeOf(double? lossPercent, double? jitterMs)
    {
        if (lossPercent is null && jitterMs is null)
        {
            return null;
        }

        var loss = lossPercent ?? 0;
        var jitter = jitterMs ?? 0;
        return loss < GoodLossPercent && jitter < GoodJitterMs ? QualityGrade.Good
            : loss < FairLossPercent && jitter < FairJitterMs ? QualityGrade.Fair
            : QualityGrade.Poor;
    }
}

/// <summary>One site's figures over the period.</summary>
/// <param name="Meetings">Held meetings the site took part in.</param>
/// <param name="AttendanceRate">(Present + late) over the times its roll call was taken; null if never taken.</param>
/// <param name="Quality">Null when no meeting of the site has a quality summary yet.</param>
public sealed record SiteFigures(
    string Code, string Name, SiteLevel? Level, int Meetings, int Present, int Late, int Absent, int NotRecorded, int Delegates,
    double? AttendanceRate, QualityFigures? Quality);

/// <summary>
/// Meetings held in a period, in the shape the province publishes: by kind (relayed from central,
/// province-hosted, commune-level) with endpoint connections and delegates, by month, and per site
/// with attendance and quality. A meeting counts as held when it started (live or ended) and its
/// scheduled start falls in the period.
/// </summary>
public sealed record MeetingReport(
    ReportPeriod Period,
    DateTimeOffset GeneratedUtc,
    IReadOnlyList<KindFigures> ByKind,
    KindFigures Total,
    int Cancelled,
    IReadOnlyList<MonthFigures> ByMonth,
    IReadOnlyList<SiteFigures> Sites,
    QualityFigures? Quality)
{
    /// <summary>Each meeting held in the period, in the order they started: the list an official report attaches.</summary>
    public IReadOnlyList<HeldMeeting> Meetings { get; init; } = [];

    /// <summary>The name of the tree's top site (the province), which the printed report's letterhead names when no agency is configured.</summary>
    public string? Province { get; init; }

    /// <summary>Aggregates the figures; no I/O, so the rules are testable and measurable on their own.</summary>
    public static MeetingReport Build(ReportPeriod period, IEnumerable<Meeting> meetings, IEnumerable<MeetingSiteQuality> quality, SiteIndex sites, DateTimeOffset generatedUtc)
    {
        ArgumentNullException.ThrowIfNull(period);
        ArgumentNullException.ThrowIfNull(meetings);
        ArgumentNullException.ThrowIfNull(quality);
        ArgumentNullException.ThrowIfNull(sites);
        var (from, to) = (period.FromUtc, period.ToUtc);
        var inPeriod = meetings.Where(m => m.StartUtc >= from && m.StartUtc < to).ToList();
        var held = inPeriod.Where(m => m.Status is MeetingStatus.Live or MeetingStatus.Ended).ToList();
        var cancelled = inPeriod.Count(m => m.Status == MeetingStatus.Cancelled);

        var byKind = Enum.GetValues<MeetingKind>().Select(kind => Figures(kind, held.Where(m => m.Kind == kind))).ToList();
        var total = Figures(null, held);

        var months = new List<MonthFigures>();
        for (var month = new DateOnly(period.From.Year, period.From.Month, 1); month <= period.To; month = month.AddMonths(1))
        {
            var inMonth = held.Where(m => VietnamTime.LocalDate(m.StartUtc) is var d && d.Year == month.Year && d.Month == month.Month).ToList();
            months.Add(new MonthFigures(month.Year, month.Month,
                inMonth.Count(m => m.Kind == MeetingKind.RelayedFromCentral), inMonth.Count(m => m.Kind == MeetingKind.ProvinceHosted), inMonth.Count(m => m.Kind == MeetingKind.CommuneLevel)));
        }

        var heldById = held.ToDictionary(m => m.Id);
        var qualityBySite = quality.Where(q => heldById.ContainsKey(q.MeetingId)).GroupBy(q => q.SiteCode, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);

        // One pass over each meeting's delegates and roll call, not one per site: a year holds
        // hundreds of thousands of delegates.
        var perSite = new Dictionary<string, SiteTally>(StringComparer.Ordinal);
        foreach (var m in held)
        {
            var roll = m.RollCall.ToDictionary(r => r.SiteCode, r => r.Status, StringComparer.Ordinal);
            var delegates = m.Delegates.CountBy(d => d.SiteCode).ToDictionary(StringComparer.Ordinal);
            foreach (var code in m.SiteCodes)
            {
                if (!perSite.TryGetValue(code, out var tally))
                {
                    perSite[code] = tally = new SiteTally();
                }

                tally.Meetings++;
                tally.Delegates += delegates.GetValueOrDefault(code);
                switch (roll.TryGetValue(code, out var status) ? status : (AttendanceStatus?)null)
                {
                    case AttendanceStatus.Present:
                        tally.Present++;
                        break;
                    case AttendanceStatus.Late:
                        tally.Late++;
                        break;
                    case AttendanceStatus.Absent:
                        tally.Absent++;
                        break;
                    default:
                        tally.NotRecorded++;
                        break;
                }
            }
        }

        var siteFigures = perSite
            .Select(p => SiteFiguresOf(p.Key, p.Value, qualityBySite.GetValueOrDefault(p.Key) ?? [], heldById, sites))
            .OrderBy(s => sites.OrderOf(s.Code)).ThenBy(s => s.Code, StringComparer.Ordinal)
            .ToList();
        var overall = QualityOf(qualityBySite.Values.SelectMany(q => q).ToList(), heldById);

        var list = held.OrderBy(m => m.StartUtc).ThenBy(m => m.Title, StringComparer.CurrentCulture)
            .Select(m => new HeldMeeting(m.Id, m.Title, m.Kind, m.StartUtc, sites.NameOf(m.HostSiteCode), m.SiteCodes.Count, m.Delegates.Count))
            .ToList();
        return new MeetingReport(period, generatedUtc, byKind, total, cancelled, months, siteFigures, overall)
        {
            Meetings = list,
            Province = sites.Tree.Roots.FirstOrDefault()?.Name,
        };
    }

    private static KindFigures Figures(MeetingKind? kind, IEnumerable<Meeting> meetings)
    {
        int count = 0, connections = 0, delegates = 0, attending = 0;
        foreach (var m in meetings)
        {
            count++;
            connections += m.SiteCodes.Count;
            delegates += m.Delegates.Count;
            var present = m.RollCall.Where(r => r.Status is AttendanceStatus.Present or AttendanceStatus.Late).Select(r => r.SiteCode).ToHashSet(StringComparer.Ordinal);
            attending += m.Delegates.Count(d => present.Contains(d.SiteCode));
        }

        return new KindFigures(kind, count, connections, delegates, attending);
    }

    private sealed class SiteTally
    {
        public int Meetings { get; set; }

        public int Present { get; set; }

        public int Late { get; set; }

        public int Absent { get; set; }

        public int NotRecorded { get; set; }

        public int Delegates { get; set; }
    }

    private static SiteFigures SiteFiguresOf(string code, SiteTally t, List<MeetingSiteQuality> quality, Dictionary<Guid, Meeting> held, SiteIndex sites)
    {
        var recorded = t.Present + t.Late + t.Absent;
        var site = sites.Find(code)?.Site;
        return new SiteFigures(code, site?.Name ?? code, site?.Level, t.Meetings, t.Present, t.Late, t.Absent, t.NotRecorded, t.Delegates,
            recorded == 0 ? null : (t.Present + t.Late) / (double)recorded, QualityOf(quality, held));
    }

    private static QualityFigures? QualityOf(List<MeetingSiteQuality> rows, Dictionary<Guid, Meeting> held)
    {
        if (rows.Count == 0)
        {
            return null;
        }

        long seconds = rows.Sum(q => (long)q.ConnectedSeconds);
        var loss = Weighted(rows, q => q.LossPercent);
        var jitter = Weighted(rows, q => q.JitterMs);
        var length = rows.Sum(q => held.TryGetValue(q.MeetingId, out var m) ? Length(m) : 0);
        var share = length > 0 ? Math.Min(1, seconds / length) : (double?)null;
        return new QualityFigures(rows.Select(q => q.MeetingId).Distinct().Count(), seconds, loss, jitter, share, QualityFigures.GradeOf(loss, jitter));
    }

    /// <summary>Mean weighted by connected seconds; a plain mean if none were connected for a measurable time.</summary>
    private static double? Weighted(List<MeetingSiteQuality> rows, Func<MeetingSiteQuality, double?> value)
    {
        var known = rows.Where(q => value(q) is not null).ToList();
        if (known.Count == 0)
        {
            return null;
        }

        var weight = known.Sum(q => (double)q.ConnectedSeconds);
        return weight > 0
            ? known.Sum(q => value(q)!.Value * q.ConnectedSeconds) / weight
            : known.Average(q => value(q)!.Value);
    }

    private static double Length(Meeting m) =>
        ((m.EndedUtc ?? m.EndUtc) - (m.StartedUtc ?? m.StartUtc)) is { TotalSeconds: > 0 } held ? held.TotalSeconds : (m.EndUtc - m.StartUtc).TotalSeconds;
}
