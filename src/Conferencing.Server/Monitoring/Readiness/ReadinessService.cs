using System.Collections.Concurrent;
using Conferencing.Server.Common;
using Conferencing.Server.Endpoints;
using Conferencing.Server.Meetings;
using Conferencing.Server.Sites;
using Conferencing.Server.Store;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.Monitoring.Readiness;

/// <summary>One site of a meeting before it starts.</summary>
/// <param name="SiteCode">The site.</param>
/// <param name="SiteName">Its name.</param>
/// <param name="Color">Its colour: the best of its endpoints' latest test calls (one room that works is enough).</param>
/// <param name="Code">The reason's code (<c>ready</c>, <c>loss</c>, <c>no-answer</c>, <c>untested</c>, <c>no-endpoint</c>...).</param>
/// <param name="Reason">The reason in words.</param>
/// <param name="EndpointId">The endpoint the colour comes from, else null.</param>
/// <param name="TestedUtc">When that test ended, else null.</param>
/// <param name="Testing">A test call to one of its endpoints is under way.</param>
/// <param name="Measurement">What that test measured, else null.</param>
public sealed record SiteReadiness(
    string SiteCode, string SiteName, ReadinessColor Color, string Code, string Reason, Guid? EndpointId, DateTimeOffset? TestedUtc, bool Testing,
    TestCallMeasurement? Measurement);

/// <summary>The readiness board of a meeting: each site, and whether all are green (trạng thái xanh).</summary>
public sealed record ReadinessBoard(Guid MeetingId, bool AllGreen, int Green, int Yellow, int Red, int Untested, bool Running, IReadOnlyList<SiteReadiness> Sites)
{
    /// <summary>The run under way, else null.</summary>
    public ReadinessProgress? Progress { get; init; }
}

/// <summary>
/// How far a readiness run is: test calls finished of those it makes, since when, and an estimate of
/// the time left (from the pace so far, or before the first result from the calls at once and the
/// measuring time).
/// </summary>
public sealed record ReadinessProgress(int Total, int Done, DateTimeOffset StartedUtc, TimeSpan Remaining);

/// <summary>
/// Readiness before a meeting: a test call to every endpoint of every site
/// (<see cref="TestCallService"/>), and the board built from the latest results no older than
/// <see cref="ReadinessOptions.ValidFor"/>. Results live in memory: a restart means testing again,
/// which technicians do on the morning of the meeting anyway.
/// </summary>
public sealed class ReadinessService(
    MeetingService meetings, SiteStore sites, EndpointStore endpoints, TestCallService tests, Database database, AuditLog audit,
    IOptions<ReadinessOptions> options, TimeProvider time, IHostApplicationLifetime lifetime, IEnumerable<ISiteReadinessCheck> checks)
{
    private readonly ConcurrentDictionary<Guid, Task> _runs = new();
    private readonly ConcurrentDictionary<Guid, RunCounter> _progress = new();

    /// <summary>A run's count of finished calls, shared by its parallel workers.</summary>
    private sealed class RunCounter(int total, DateTimeOffset started)
    {
        private int _done;

        public int Total { get; } = total;

        public DateTimeOffset Started { get; } = started;

        public int Done => Volatile.Read(ref _done);

        public void Finished() => Interlocked.Increment(ref _done);
    }

    /// <summary>The meeting's board now.</summary>
    public async Task<ReadinessBoard> BoardAsync(Guid meetingId, CancellationToken cancellationToken)
    {
        var meeting = await meetings.GetAsync(meetingId, cancellationToken).ConfigureAwait(false) ?? throw DomainException.NotFound("meeting", meetingId.ToString());
        await tests.LoadAsync(cancellationToken).ConfigureAwait(false);
        var tree = await sites.LoadTreeAsync(cancellationToken).ConfigureAwait(false);
        var all = await endpoints.ListAsync(null, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var list = new List<SiteReadiness>();
        foreach (var code in meeting.SiteCodes.Append(meeting.HostSiteCode).Distinct(StringComparer.Ordinal).OrderBy(c => c == meeting.HostSiteCode ? 0 : 1).ThenBy(c => c, StringComparer.Ordinal))
        {
            var name = tree.TryGet(code, out var site) ? site.Name : code;
            var own = all.Where(e => e.SiteCode == code).ToList();
            var testing = own.Any(e => tests.IsRunning(e.Id));
            if (own.Count == 0)
            {
                list.Add(new(code, name, ReadinessColor.Red, "no-endpoint", "the site has no room system", null, null, false, null));
                continue;
            }

            var best = own.Select(e => tests.Latest(e.Id)).OfType<TestCallResult>()
                .Where(r => now - r.EndedUtc <= options.Value.ValidFor)
                .OrderByDescending(r => r.Verdict.Color).ThenByDescending(r => r.EndedUtc).FirstOrDefault();
            list.Add(best is null
                ? new(code, name, ReadinessColor.Untested, "untested", "no test call yet", null, null, testing, null)
                : new(code, name, best.Verdict.Color, best.Verdict.Code, best.Verdict.Reason, best.EndpointId, best.EndedUtc, testing, best.Measurement));
        }

        foreach (var check in checks)
        {
            var verdicts = await check.CheckAsync(meeting.Status, list.Select(s => s.SiteCode).ToList(), cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < list.Count; i++)
            {
                if (verdicts.TryGetValue(list[i].SiteCode, out var verdict))
                {
                    list[i] = WithCheck(list[i], verdict);
                }
            }
        }

        int Count(ReadinessColor c) => list.Count(s => s.Color == c);
        return new ReadinessBoard(meetingId, list.Count > 0 && list.All(s => s.Color == ReadinessColor.Green),
            Count(ReadinessColor.Green), Count(ReadinessColor.Yellow), Count(ReadinessColor.Red), Count(ReadinessColor.Untested),
            _runs.ContainsKey(meetingId), list)
        {
            Progress = _runs.ContainsKey(meetingId) && _progress.TryGetValue(meetingId, out var counter) ? ProgressOf(counter, now) : null,
        };
    }

    /// <summary>A check's verdict on a site: it replaces the test call's when worse, or when the site is untested and the check found a fault.</summary>
    public static SiteReadiness WithCheck(SiteReadiness site, ReadinessVerdict verdict)
    {
        ArgumentNullException.ThrowIfNull(site);
        ArgumentNullException.ThrowIfNull(verdict);
        var replaces = verdict.Color != ReadinessColor.Green && (site.Color == ReadinessColor.Untested || verdict.Color < site.Color);
        return replaces ? site with { Color = verdict.Color, Code = verdict.Code, Reason = verdict.Reason } : site;
    }

    private ReadinessProgress ProgressOf(RunCounter counter, DateTimeOffset now)
    {
        var done = counter.Done;
        var elapsed = now - counter.Started;
        var left = Math.Max(0, counter.Total - done);
        TimeSpan remaining;
        if (done > 0)
        {
            remaining = elapsed / done * left;
        }
        else
        {
            // No result yet: rounds of parallel calls, each ringing a moment and then measuring.
            var rounds = Math.Ceiling(counter.Total / (double)Math.Max(1, options.Value.Parallel));
            remaining = (options.Value.MeasureFor + TypicalAnswer) * rounds - elapsed;
        }

        return new ReadinessProgress(counter.Total, done, counter.Started, remaining < TimeSpan.Zero ? TimeSpan.Zero : remaining);
    }

    /// <summary>A room system's usual time to answer a call, for the first estimate of a run.</summary>
    private static readonly TimeSpan TypicalAnswer = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Starts a test call to every endpoint of the meeting's sites (at most
    /// <see cref="ReadinessOptions.Parallel"/> at once) in the background and returns at once; the
    /// board fills in as they finish. A run already under way is not started twice.
    /// </summary>
    /// <exception cref="DomainException">Unknown meeting (404); ended or cancelled (409).</exception>
    public async Task<bool> StartAsync(Guid meetingId, string actor, CancellationToken cancellationToken)
    {
        var meeting = await meetings.GetAsync(meetingId, cancellationToken).ConfigureAwait(false) ?? throw DomainException.NotFound("meeting", meetingId.ToString());
        if (meeting.Status is MeetingStatus.Ended or MeetingStatus.Cancelled)
        {
            throw new DomainException(DomainErrorKind.Conflict, "meeting.not-upcoming", "Readiness is checked before or during a meeting, not after it.");
        }

        var codes = meeting.SiteCodes.Append(meeting.HostSiteCode).ToHashSet(StringComparer.Ordinal);
        var targets = (await endpoints.ListAsync(null, cancellationToken).ConfigureAwait(false)).Where(e => codes.Contains(e.SiteCode)).ToList();
        await database.InTransactionAsync((connection, transaction) => audit.WriteAsync(connection, transaction, actor, "meeting.readiness-run", "meeting", meetingId.ToString(),
            $"test calls to {targets.Count} endpoints at {codes.Count} sites", cancellationToken), cancellationToken).ConfigureAwait(false);
        var started = false;
        _ = _runs.GetOrAdd(meetingId, _ =>
        {
            started = true;
            var counter = new RunCounter(targets.Count, time.GetUtcNow());
            _progress[meetingId] = counter;
            return Task.Run(async () =>
            {
                try
                {
                    await Parallel.ForEachAsync(targets, new ParallelOptions { MaxDegreeOfParallelism = options.Value.Parallel, CancellationToken = lifetime.ApplicationStopping },
                        async (endpoint, ct) =>
                        {
                            try
                            {
                                await tests.RunAsync(endpoint.Id, actor, ct).ConfigureAwait(false);
                            }
                            catch (Exception e) when (e is DomainException or Conferencing.Relay.RelayException or HttpRequestException)
                            {
                                // In a call, already being tested, or its relay is down: the board says so by its colour.
                            }
                            finally
                            {
                                counter.Finished();
                            }
                        }).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
                finally
                {
                    _runs.TryRemove(meetingId, out Task? _);
                    _progress.TryRemove(meetingId, out RunCounter? _);
                }
            });
        });
        return started;
    }
}
