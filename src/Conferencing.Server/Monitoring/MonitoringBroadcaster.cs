using System.Collections.Concurrent;
using Conferencing.Server.Endpoints.Presence;
using Conferencing.Server.Hosting.Supervision;
using Conferencing.Server.Relaying;
using Microsoft.AspNetCore.SignalR;

namespace Conferencing.Server.Monitoring;

/// <summary>
/// Collects presence changes and call figures and pushes them once per <see cref="BatchInterval"/>,
/// keeping only the latest state of each endpoint, so a flapping province costs one message a second
/// per dashboard, not one per event. Each batch goes to the province group and, cut down to what
/// concerns them, to the watched groups of every site on the path and of every meeting the site
/// takes part in (<see cref="MonitoringRoutes"/>). Alarms go out at once, along the same routes.
/// </summary>
public sealed partial class MonitoringBroadcaster(
    PresenceService presence, LiveCalls live, MonitoringRoutes routes, MonitoredMeetings meetings, IHubContext<MonitoringHub, IMonitoringClient> hub,
    MeetingListAudience audience, Sites.SiteStore sites, TimeProvider time, LoopSupervisor supervisor, ILogger<MonitoringBroadcaster> logger) : SupervisedService(supervisor, Loop)
{
    /// <summary>The push loop's name under the supervisor.</summary>
    public const string Loop = "monitoring.push";

    /// <summary>How often batches go out: 1 s.</summary>
    public static readonly TimeSpan BatchInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<Guid, (string Site, PresenceFigures Figures)> _presence = new();
    private readonly ConcurrentDictionary<Guid, (Guid Meeting, CallFigures Figures)> _calls = new();
    private readonly ConcurrentDictionary<Guid, bool> _ended = new();

    // What was last queued per endpoint, so a call whose rounded figures did not change sends nothing,
    // nor does a presence change the page cannot show (a re-registration moves only the expiry).
    private readonly ConcurrentDictionary<Guid, CallFigures> _lastFigures = new();
    private readonly ConcurrentDictionary<Guid, PresenceFigures> _lastPresence = new();

    /// <summary>
    /// Queues an endpoint's new presence for the next batch. The registrar's <see cref="PresenceService.Changed"/>
    /// comes here; so does the benchmark, which drives thousands of changes a second through the real path.
    /// </summary>
    internal void Publish(EndpointPresence change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var figures = PresenceFigures.From(change);
        if (_lastPresence.TryGetValue(change.EndpointId, out var before) && before == figures)
        {
            return;
        }

        _lastPresence[change.EndpointId] = figures;
        _presence[change.EndpointId] = (change.SiteCode, figures);
    }

    /// <summary>Queues a call's figures (already rounded) for the next batch.</summary>
    internal void PublishCall(Guid meetingId, CallFigures figures)
    {
        ArgumentNullException.ThrowIfNull(figures);
        _ended.TryRemove(figures.EndpointId, out _);
        _calls[figures.EndpointId] = (meetingId, figures);
    }

    /// <summary>Queues the end of an endpoint's call for the next batch.</summary>
    internal void PublishCallEnded(Guid endpointId)
    {
        _calls.TryRemove(endpointId, out _);
        _ended[endpointId] = true;
    }

    /// <summary>Raised for every alarm change pushed here (the cluster carries it to the other nodes' dashboards).</summary>
    internal event Action<Alarm>? AlarmSent;

    /// <summary>Pushes an alarm change at once to every dashboard that sees its site.</summary>
    public async Task PublishAlarmAsync(Alarm alarm, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alarm);
        AlarmSent?.Invoke(alarm);
        var directory = await routes.DirectoryAsync(cancellationToken, mustKnowSite: alarm.SiteCode).ConfigureAwait(false);
        var groups = new List<string> { MonitoringGroups.All };
        routes.GroupsOf(directory, alarm.SiteCode, groups);
        if (alarm.MeetingId is { } meeting && routes.IsWatched(MonitoringGroups.Meeting(meeting)) && !groups.Contains(MonitoringGroups.Meeting(meeting)))
        {
            groups.Add(MonitoringGroups.Meeting(meeting));
        }

        // One send to the union: a connection in two groups would otherwise get the alarm twice.
        await hub.Clients.Groups(groups).AlarmChanged(alarm).ConfigureAwait(false);
    }

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        presence.Changed += Publish;
        meetings.Changed += OnMeetingsChanged;
        using var calls = live.Subscribe(OnCalls);
        try
        {
            using var timer = new PeriodicTimer(BatchInterval, time);
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                Beat();
                try
                {
                    await FlushAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
                {
                    // The directory could not be loaded; what was drained is lost for this second, and
                    // the next change of each endpoint (or a reconnect's snapshot) brings it back.
                    Log.FlushFailed(logger, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            presence.Changed -= Publish;
            meetings.Changed -= OnMeetingsChanged;
        }
    }

    /// <summary>
    /// Runs on the conductor's loop: compares each endpoint's rounded figures with what was last
    /// queued and queues only the changed ones (a dictionary write each), so the loop is not held.
    /// </summary>
    private void OnCalls(MeetingCall call, CallChangeKind kind)
    {
        foreach (var endpoint in call.Endpoints)
        {
            var figures = kind == CallChangeKind.Removed ? null : MonitoringCalls.Figures(endpoint);
            if (figures is null)
            {
                if (_lastFigures.TryRemove(endpoint.EndpointId, out _))
                {
                    PublishCallEnded(endpoint.EndpointId);
                }
            }
            else if (!_lastFigures.TryGetValue(endpoint.EndpointId, out var before) || before != figures)
            {
                _lastFigures[endpoint.EndpointId] = figures;
                PublishCall(call.MeetingId, figures);
            }
        }
    }

    private void OnMeetingsChanged(IReadOnlyList<MonitoredMeeting> list) => _ = SendMeetingsAsync(list);

    private async Task SendMeetingsAsync(IReadOnlyList<MonitoredMeeting> list)
    {
        try
        {
            await hub.Clients.Group(MeetingListAudience.Group(null)).MeetingsChanged(list).ConfigureAwait(false);
            if (audience.Roots is { Count: > 0 } roots)
            {
                var tree = await sites.LoadTreeAsync(CancellationToken.None).ConfigureAwait(false);
                foreach (var root in roots)
                {
                    await hub.Clients.Group(MeetingListAudience.Group(root)).MeetingsChanged(meetings.VisibleTo(new Accounts.SiteScope(root, tree), list)).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or System.Data.Common.DbException or TimeoutException)
        {
            Log.FlushFailed(logger, e);
        }
    }

    /// <summary>Sends what is pending. Internal so that tests and the benchmark can flush without waiting for the tick.</summary>
    internal async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_presence.IsEmpty && _calls.IsEmpty && _ended.IsEmpty)
        {
            return;
        }

        var statuses = Drain(_presence);
        var calls = Drain(_calls);
        var ended = Drain(_ended);
        var directory = await routes.DirectoryAsync(cancellationToken).ConfigureAwait(false);
        var unknownSite = statuses.Select(s => s.Value.Site).FirstOrDefault(code => !directory.Paths.ContainsKey(code));
        Guid? unknownEndpoint = calls.Select(c => c.Key).Where(e => !directory.SiteOfEndpoint.ContainsKey(e)).Select(e => (Guid?)e).FirstOrDefault();
        if (unknownSite is not null || unknownEndpoint is not null)
        {
            // A site or endpoint added a moment ago: reload (at most every few seconds) so its groups are right.
            directory = await routes.DirectoryAsync(cancellationToken, unknownSite, unknownEndpoint).ConfigureAwait(false);
        }

        var now = time.GetUtcNow();
        var batches = new Dictionary<string, Builder>(StringComparer.Ordinal);
        var groups = new List<string>();

        Builder For(string group)
        {
            if (!batches.TryGetValue(group, out var builder))
            {
                batches[group] = builder = new Builder();
            }

            return builder;
        }

        var all = routes.IsWatched(MonitoringGroups.All) ? For(MonitoringGroups.All) : null;
        foreach (var status in statuses)
        {
            all?.Statuses.Add(status.Value.Figures);
            groups.Clear();
            routes.GroupsOf(directory, status.Value.Site, groups);
            foreach (var group in groups)
            {
                For(group).Statuses.Add(status.Value.Figures);
            }
        }

        foreach (var (endpoint, (meeting, figures)) in calls)
        {
            all?.Call(meeting, figures);
            groups.Clear();
            if (SiteOf(directory, endpoint) is { } site)
            {
                routes.GroupsOf(directory, site, groups);
            }

            var meetingGroup = MonitoringGroups.Meeting(meeting);
            if (!groups.Contains(meetingGroup) && routes.IsWatched(meetingGroup))
            {
                groups.Add(meetingGroup);
            }

            foreach (var group in groups)
            {
                For(group).Call(meeting, figures);
            }
        }

        foreach (var (endpoint, _) in ended)
        {
            all?.Ended.Add(endpoint);
            groups.Clear();
            if (SiteOf(directory, endpoint) is { } site)
            {
                routes.GroupsOf(directory, site, groups);
            }

            foreach (var group in groups)
            {
                For(group).Ended.Add(endpoint);
            }
        }

        foreach (var (group, builder) in batches)
        {
            await hub.Clients.Group(group).Changes(builder.Build(now)).ConfigureAwait(false);
        }
    }

    private string? SiteOf(MonitoringRoutes.Directory directory, Guid endpoint) =>
        directory.SiteOfEndpoint.TryGetValue(endpoint, out var site) ? site : presence.Get(endpoint)?.SiteCode;

    private static List<KeyValuePair<Guid, T>> Drain<T>(ConcurrentDictionary<Guid, T> pending)
    {
        var drained = new List<KeyValuePair<Guid, T>>(pending.Count);
        foreach (var id in pending.Keys)
        {
            if (pending.TryRemove(id, out var value))
            {
                drained.Add(new(id, value));
            }
        }

        return drained;
    }

    private sealed class Builder
    {
        private readonly Dictionary<Guid, List<CallFigures>> _calls = [];

        public List<PresenceFigures> Statuses { get; } = [];

        public List<Guid> Ended { get; } = [];

        public void Call(Guid meeting, CallFigures figures)
        {
            if (!_calls.TryGetValue(meeting, out var legs))
            {
                _calls[meeting] = legs = [];
            }

            legs.Add(figures);
        }

        public MonitoringBatch Build(DateTimeOffset now) =>
            new(now, Statuses, [.. _calls.Select(c => new MeetingCalls(c.Key, c.Value))], Ended);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 12011, Level = LogLevel.Error, Message = "A monitoring batch could not be sent")]
        public static partial void FlushFailed(ILogger logger, Exception exception);
    }
}
