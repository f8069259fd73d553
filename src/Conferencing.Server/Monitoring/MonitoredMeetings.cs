using System.Collections.Frozen;
using Conferencing.Server.Hosting.Supervision;
using Conferencing.Server.Meetings;

namespace Conferencing.Server.Monitoring;

/// <summary>
/// The meetings the dashboard offers to watch on their own, with their sites: those preparing or
/// live, and those scheduled to start within <see cref="UpcomingWindow"/> (technicians check the
/// rooms before the secretariat opens the meeting). Kept in memory, rebuilt on every committed
/// meeting change and each minute (a scheduled meeting enters the window by the clock alone), so
/// routing a second's changes to meeting groups never touches the store.
/// </summary>
public sealed partial class MonitoredMeetings(MeetingService meetings, MeetingEvents events, TimeProvider time, LoopSupervisor supervisor, ILogger<MonitoredMeetings> logger)
    : SupervisedService(supervisor, Loop)
{
    /// <summary>The refresh loop's name under the supervisor.</summary>
    public const string Loop = "monitoring.meetings";

    /// <summary>How far ahead a scheduled meeting is offered: 24 h.</summary>
    public static readonly TimeSpan UpcomingWindow = TimeSpan.FromHours(24);

    /// <summary>How often the list is rebuilt without a change: 1 min.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMinutes(1);

    private readonly SemaphoreSlim _refresh = new(1, 1);
    private volatile State _state = State.Empty;

    /// <summary>Raised after the list changed.</summary>
    public event Action<IReadOnlyList<MonitoredMeeting>>? Changed;

    /// <summary>The meetings, soonest first.</summary>
    public IReadOnlyList<MonitoredMeeting> List => _state.List;

    /// <summary>The sites of a watched meeting, or null if it is not one.</summary>
    public FrozenSet<string>? SitesOf(Guid meetingId) => _state.Sites.GetValueOrDefault(meetingId);

    /// <summary>The watched meetings a site takes part in.</summary>
    /// <summary>
    /// The meetings of <paramref name="list"/> a dashboard of this scope may see: host or any site
    /// inside. A meeting no longer followed is left out, so a late list never leaks one.
    /// </summary>
    public IReadOnlyList<MonitoredMeeting> VisibleTo(Accounts.SiteScope scope, IReadOnlyList<MonitoredMeeting> list)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(list);
        return scope.IsEverything ? list : [.. list.Where(m => SitesOf(m.Id) is { } touched && touched.Any(scope.Contains))];
    }

    public MeetingStatus? StatusOf(Guid meetingId) => _state.Status.TryGetValue(meetingId, out var status) ? status : null;

    public IReadOnlyList<Guid> MeetingsOf(string siteCode) => _state.BySite.TryGetValue(siteCode, out var ids) ? ids : [];

    /// <summary>Whether the site takes part in a meeting that is live now (its alarms are then critical).</summary>
    public bool IsInLiveMeeting(string siteCode) =>
        _state.BySite.TryGetValue(siteCode, out var ids) && ids.Any(id => _state.Status.GetValueOrDefault(id) == MeetingStatus.Live);

    /// <summary>Rebuilds the list from the store now.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = time.GetUtcNow();
            var found = new Dictionary<Guid, Meeting>();
            foreach (var status in new[] { MeetingStatus.Preparing, MeetingStatus.Live })
            {
                foreach (var m in await meetings.ListAsync(new MeetingQuery(Status: status), cancellationToken).ConfigureAwait(false))
                {
                    found[m.Id] = m;
                }
            }

            foreach (var m in await meetings.ListAsync(new MeetingQuery(FromUtc: now, ToUtc: now + UpcomingWindow, Status: MeetingStatus.Scheduled), cancellationToken).ConfigureAwait(false))
            {
                found[m.Id] = m;
            }

            var next = State.Of(found.Values);
            var before = _state;
            _state = next;
            if (!before.List.SequenceEqual(next.List))
            {
                Changed?.Invoke(next.List);
            }
        }
        finally
        {
            _refresh.Release();
        }
    }

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        using var subscription = events.Subscribe((_, ct) => SafelyAsync(ct));
        using var timer = new PeriodicTimer(RefreshInterval, time);
        try
        {
            do
            {
                Beat();
                await SafelyAsync(stoppingToken).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task SafelyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await RefreshAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            // The previous list stays; the next change or tick tries again.
            Log.RefreshFailed(logger, e);
        }
    }

    private sealed record State(
        IReadOnlyList<MonitoredMeeting> List,
        FrozenDictionary<Guid, FrozenSet<string>> Sites,
        FrozenDictionary<string, Guid[]> BySite,
        FrozenDictionary<Guid, MeetingStatus> Status)
    {
        public static readonly State Empty = new([], FrozenDictionary<Guid, FrozenSet<string>>.Empty, FrozenDictionary<string, Guid[]>.Empty, FrozenDictionary<Guid, MeetingStatus>.Empty);

        public static State Of(IEnumerable<Meeting> meetings)
        {
            var ordered = meetings.OrderBy(m => m.Status == MeetingStatus.Live ? 0 : m.Status == MeetingStatus.Preparing ? 1 : 2).ThenBy(m => m.StartUtc).ThenBy(m => m.Id).ToList();
            var sites = ordered.ToDictionary(m => m.Id, m => m.SiteCodes.Append(m.HostSiteCode).ToFrozenSet(StringComparer.Ordinal));
            var bySite = sites.SelectMany(p => p.Value.Select(code => (code, p.Key)))
                .GroupBy(p => p.code, StringComparer.Ordinal)
                .ToFrozenDictionary(g => g.Key, g => g.Select(p => p.Key).ToArray(), StringComparer.Ordinal);
            return new State(
                [.. ordered.Select(m => new MonitoredMeeting(m.Id, m.Title, m.Status, m.StartUtc, m.EndUtc, m.HostSiteCode, sites[m.Id].Count))],
                sites.ToFrozenDictionary(),
                bySite,
                ordered.ToFrozenDictionary(m => m.Id, m => m.Status));
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 12001, Level = LogLevel.Error, Message = "Could not rebuild the list of watched meetings")]
        public static partial void RefreshFailed(ILogger logger, Exception exception);
    }
}
