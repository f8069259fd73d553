using System.Data.Common;
using Conferencing.Server.Common;
using Conferencing.Server.Endpoints;
using Conferencing.Server.Endpoints.Presence;
using Conferencing.Server.Relaying;
using Conferencing.Server.Sites;
using Conferencing.Server.Store;
using Conferencing.Server.Hosting.Supervision;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.Monitoring;

/// <summary>
/// Turns presence and live calls into stored alarms (<see cref="AlarmRules"/> decides; this keeps
/// the history and tells the dashboards). One active alarm per endpoint and kind, enforced in the
/// same transaction as the insert. Technicians acknowledge alarms and may clear them by hand; both
/// go to the audit trail.
/// </summary>
public sealed partial class AlarmService(
    PresenceService presence, EndpointStore endpoints, LiveCalls live, MonitoredMeetings meetings, MonitoringBroadcaster broadcaster, Database database, AuditLog audit,
    SiteStore sites, IOptions<AlarmOptions> options, TimeProvider time, LoopSupervisor supervisor, ILogger<AlarmService> logger, LiveMeetings.SiteHolds? holds = null)
    : SupervisedService(supervisor, Loop)
{
    /// <summary>The rules loop's name under the supervisor.</summary>
    public const string Loop = "alarms";

    private const string Columns = "id, kind, severity, endpoint_id, site_code, message, raised_utc, acknowledged_by, acknowledged_utc, cleared_utc, meeting_id, cleared_by";
    private static readonly AlarmSeverity[] Severities = Enum.GetValues<AlarmSeverity>();

    private readonly AlarmRules _rules = new(options.Value, meetings.IsInLiveMeeting);

    /// <summary>A room agent connected or disconnected (room control feeds this; the rules decide).</summary>
    public void ObserveRoomAgent(Guid agentId, string siteCode, string agentName, bool online) =>
        _rules.ObserveRoomAgent(agentId, siteCode, agentName, online, time.GetUtcNow());

    /// <summary>A room device's reported state (room control feeds this; the rules decide).</summary>
    public void ObserveRoomDevice(Guid subjectId, string siteCode, string deviceName, bool reachable, string? errorStatus, int? lampHours) =>
        _rules.ObserveRoomDevice(subjectId, siteCode, deviceName, reachable, errorStatus, lampHours, time.GetUtcNow());

    /// <summary>One alarm, or null.</summary>
    public async Task<Alarm?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync(null, $"SELECT {Columns} FROM alarms WHERE id = @id", Read, cancellationToken, ("id", id.ToString())).ConfigureAwait(false);
        return rows.FirstOrDefault();
    }

    /// <summary>The history, newest first.</summary>
    public async Task<IReadOnlyList<Alarm>> QueryAsync(AlarmQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var where = new List<string>();
        var parameters = new List<(string, object?)> { ("limit", Math.Clamp(query.Limit, 1, AlarmQuery.MaxLimit)) };
        if (query.SiteCode is { } site)
        {
            var tree = await sites.LoadTreeAsync(cancellationToken).ConfigureAwait(false);
            if (!tree.TryGet(site, out _))
            {
                throw DomainException.NotFound("site", site);
            }

            if (tree.Get(site).ParentCode is not null)
            {
                var codes = tree.Subtree(site).Select(s => s.Code).ToList();
                where.Add($"site_code IN ({string.Join(", ", codes.Select((_, i) => "@s" + i))})");
                parameters.AddRange(codes.Select((c, i) => ("s" + i, (object?)c)));
            }
        }

        if (query.MinSeverity is { } min)
        {
            var allowed = Severities.Where(s => s >= min).ToList();
            where.Add($"severity IN ({string.Join(", ", allowed.Select((_, i) => "@v" + i))})");
            parameters.AddRange(allowed.Select((s, i) => ("v" + i, (object?)s.ToString())));
        }

        where.Add(query.State switch
        {
            AlarmStateFilter.Active => "cleared_utc IS NULL",
            AlarmStateFilter.Unacknowledged => "cleared_utc IS NULL AND acknowledged_utc IS NULL",
            AlarmStateFilter.Acknowledged => "cleared_utc IS NULL AND acknowledged_utc IS NOT NULL",
            AlarmStateFilter.Cleared => "cleared_utc IS NOT NULL",
            _ => "1 = 1",
        });
        if (query.FromUtc is { } from)
        {
            where.Add("raised_utc >= @from");
            parameters.Add(("from", database.ToDb(from)));
        }

        if (query.ToUtc is { } to)
        {
            where.Add("raised_utc < @to");
            parameters.Add(("to", database.ToDb(to)));
        }

        if (query.MeetingId is { } meeting)
        {
            where.Add("meeting_id = @meeting");
            parameters.Add(("meeting", meeting.ToString()));
        }

        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QueryAsync(null,
            $"SELECT {Columns} FROM alarms WHERE {string.Join(" AND ", where)} ORDER BY raised_utc DESC, id LIMIT @limit",
            Read, cancellationToken, [.. parameters]).ConfigureAwait(false);
    }

    /// <summary>Acknowledges an alarm (active or not); returns it, or throws if unknown. Acknowledging twice keeps the first.</summary>
    public async Task<Alarm> AcknowledgeAsync(Guid id, string actor, CancellationToken cancellationToken)
    {
        var (alarm, changed) = await database.InTransactionAsync(async (connection, transaction) =>
        {
            var found = await FindAsync(connection, transaction, id, cancellationToken).ConfigureAwait(false);
            if (found.AcknowledgedUtc is not null)
            {
                return (found, false);
            }

            var now = time.GetUtcNow();
            await connection.ExecuteAsync(transaction, "UPDATE alarms SET acknowledged_by = @by, acknowledged_utc = @at WHERE id = @id", cancellationToken,
                ("by", actor), ("at", database.ToDb(now)), ("id", id.ToString())).ConfigureAwait(false);
            await audit.WriteAsync(connection, transaction, actor, "alarm.acknowledged", "alarm", id.ToString(), $"{found.Kind} at {found.SiteCode}: {found.Message}", cancellationToken).ConfigureAwait(false);
            return (found with { AcknowledgedBy = actor, AcknowledgedUtc = now }, true);
        }, cancellationToken).ConfigureAwait(false);
        if (changed)
        {
            await broadcaster.PublishAlarmAsync(alarm, cancellationToken).ConfigureAwait(false);
        }

        return alarm;
    }

    /// <summary>
    /// Clears an active alarm by hand. The rule that raised it does not raise it again until its
    /// cause has gone and come back. Clearing a cleared alarm is refused (409 <c>alarm.not-active</c>).
    /// </summary>
    public async Task<Alarm> ClearAsync(Guid id, string actor, CancellationToken cancellationToken)
    {
        var alarm = await database.InTransactionAsync(async (connection, transaction) =>
        {
            var found = await FindAsync(connection, transaction, id, cancellationToken).ConfigureAwait(false);
            if (found.ClearedUtc is not null)
            {
                throw new DomainException(DomainErrorKind.Conflict, "alarm.not-active", $"The alarm was cleared already ({(found.ClearedBy ?? "its cause went away")}).");
            }

            var now = time.GetUtcNow();
            await connection.ExecuteAsync(transaction, "UPDATE alarms SET cleared_utc = @at, cleared_by = @by WHERE id = @id", cancellationToken,
                ("at", database.ToDb(now)), ("by", actor), ("id", id.ToString())).ConfigureAwait(false);
            await audit.WriteAsync(connection, transaction, actor, "alarm.cleared", "alarm", id.ToString(), $"{found.Kind} at {found.SiteCode}: {found.Message}", cancellationToken).ConfigureAwait(false);
            return found with { ClearedUtc = now, ClearedBy = actor };
        }, cancellationToken).ConfigureAwait(false);
        await broadcaster.PublishAlarmAsync(alarm, cancellationToken).ConfigureAwait(false);
        return alarm;
    }

    /// <summary>Alarms are evaluated once for the cluster, beside the conductor whose state they read.</summary>
    protected override string? Role => Hosting.Cluster.ClusterRoles.Conductor;

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            foreach (var open in await QueryAsync(new AlarmQuery(State: AlarmStateFilter.Active, Limit: AlarmQuery.MaxLimit), stoppingToken).ConfigureAwait(false))
            {
                _rules.Adopt(open, time.GetUtcNow());
            }
        }
        catch (Exception e) when (e is DbException or InvalidOperationException or TimeoutException)
        {
            Log.Failed(logger, e);
        }

        presence.Changed += OnPresence;
        endpoints.Changed += OnEndpointChanged;
        using var calls = live.Subscribe(OnCalls);
        try
        {
            // The rules are evaluated every second, so an alarm comes on time even when nothing else changes.
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                Beat();
                foreach (var decision in _rules.Evaluate(time.GetUtcNow()))
                {
                    await SafelyAsync(() => decision.Action switch
                    {
                        AlarmAction.Raise => RaiseAsync(decision, stoppingToken),
                        AlarmAction.Escalate => EscalateAsync(decision, stoppingToken),
                        _ => AutoClearAsync(decision, stoppingToken),
                    }, $"{decision.Action} {decision.Kind} {decision.EndpointId}", stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            presence.Changed -= OnPresence;
            endpoints.Changed -= OnEndpointChanged;
        }
    }

    private void OnEndpointChanged(SipEndpoint? before, SipEndpoint? after)
    {
        if (before is not null || after is not { } endpoint)
        {
            return;
        }

        var running = meetings.MeetingsOf(endpoint.SiteCode).Select(id => (id, meetings.StatusOf(id))).Where(m => m.Item2 is not null).Select(m => (m.id, m.Item2!.Value));
        foreach (var decision in AlarmRules.EndpointAdded(endpoint.Id, endpoint.SiteCode, endpoint.SipUri, running))
        {
            _ = SafelyAsync(() => RaiseAsync(decision, CancellationToken.None), $"{decision.Kind} {decision.EndpointId}", CancellationToken.None);
        }
    }

    private void OnPresence(EndpointPresence change) => _rules.ObservePresence(change, time.GetUtcNow());

    // On the conductor's loop: only bookkeeping under the rules' lock.
    private void OnCalls(MeetingCall call, CallChangeKind kind)
    {
        var now = time.GetUtcNow();
        foreach (var endpoint in call.Endpoints)
        {
            if (kind == CallChangeKind.Removed)
            {
                _rules.EndCall(call.MeetingId, endpoint.EndpointId, endpoint.SiteCode, now);
                _rules.ObserveDrop(call.MeetingId, endpoint, dropped: false, now);
                continue;
            }

            _rules.ObserveDrop(call.MeetingId, endpoint, call.Status == Meetings.MeetingStatus.Live && LiveMeetings.SiteMeetingStates.IsDropped(endpoint, holds?.IsHeld(call.MeetingId, endpoint.EndpointId) == true), now);
            if (kind == CallChangeKind.Statistics || endpoint.State != CallState.InCall)
            {
                // Figures are judged once a second (statistics); a state change only ends a call's watches.
                _rules.ObserveCall(call.MeetingId, endpoint, now);
            }
        }
    }

    /// <summary>
    /// Raises an alarm about no endpoint (the recorder's disk guard), unless one of its kind is open:
    /// a guard that trips again while a technician has not cleared the first stays one alarm.
    /// </summary>
    public Task RaiseSystemAsync(string kind, string siteCode, Guid? meetingId, AlarmSeverity severity, string message, CancellationToken cancellationToken) =>
        RaiseAsync(new AlarmDecision(AlarmAction.Raise, kind, Guid.Empty, siteCode, meetingId, severity, message), cancellationToken);

    private async Task RaiseAsync(AlarmDecision decision, CancellationToken cancellationToken)
    {
        var alarm = await database.InTransactionAsync(async (connection, transaction) =>
        {
            var open = await connection.ScalarAsync(transaction, "SELECT id FROM alarms WHERE endpoint_id = @e AND kind = @k AND cleared_utc IS NULL", cancellationToken,
                ("e", decision.EndpointId.ToString()), ("k", decision.Kind)).ConfigureAwait(false);
            if (open is not null)
            {
                return null;
            }

            var raised = new Alarm(Guid.NewGuid(), decision.Kind, decision.Severity, decision.EndpointId, decision.SiteCode, decision.Message,
                time.GetUtcNow(), null, null, null, decision.MeetingId);
            await connection.ExecuteAsync(transaction,
                $"INSERT INTO alarms ({Columns}) VALUES (@id, @kind, @severity, @endpoint, @site, @message, @raised, NULL, NULL, NULL, @meeting, NULL)", cancellationToken,
                ("id", raised.Id.ToString()), ("kind", raised.Kind), ("severity", raised.Severity.ToString()), ("endpoint", raised.EndpointId.ToString()),
                ("site", raised.SiteCode), ("message", raised.Message), ("raised", database.ToDb(raised.RaisedUtc)), ("meeting", raised.MeetingId?.ToString())).ConfigureAwait(false);
            return raised;
        }, cancellationToken).ConfigureAwait(false);
        if (alarm is not null)
        {
            Log.Raised(logger, alarm.Kind, alarm.Severity, alarm.SiteCode, alarm.Message);
            await broadcaster.PublishAlarmAsync(alarm, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Raises the active alarm's severity in the store and tells the dashboards. Only ever upwards,
    /// and not for an alarm a technician cleared by hand in the meantime.
    /// </summary>
    private async Task EscalateAsync(AlarmDecision decision, CancellationToken cancellationToken)
    {
        var escalated = await database.InTransactionAsync(async (connection, transaction) =>
        {
            var open = await connection.QueryAsync(transaction, $"SELECT {Columns} FROM alarms WHERE endpoint_id = @e AND kind = @k AND cleared_utc IS NULL", Read, cancellationToken,
                ("e", decision.EndpointId.ToString()), ("k", decision.Kind)).ConfigureAwait(false);
            var lower = open.Where(a => a.Severity < decision.Severity).ToList();
            foreach (var alarm in lower)
            {
                await connection.ExecuteAsync(transaction, "UPDATE alarms SET severity = @s WHERE id = @id", cancellationToken,
                    ("s", decision.Severity.ToString()), ("id", alarm.Id.ToString())).ConfigureAwait(false);
            }

            return lower.Select(a => a with { Severity = decision.Severity }).ToList();
        }, cancellationToken).ConfigureAwait(false);
        foreach (var alarm in escalated)
        {
            Log.Escalated(logger, alarm.Kind, alarm.SiteCode, alarm.Severity);
            await broadcaster.PublishAlarmAsync(alarm, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task AutoClearAsync(AlarmDecision decision, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var cleared = await database.InTransactionAsync(async (connection, transaction) =>
        {
            var open = await connection.QueryAsync(transaction, $"SELECT {Columns} FROM alarms WHERE endpoint_id = @e AND kind = @k AND cleared_utc IS NULL", Read, cancellationToken,
                ("e", decision.EndpointId.ToString()), ("k", decision.Kind)).ConfigureAwait(false);
            await connection.ExecuteAsync(transaction, "UPDATE alarms SET cleared_utc = @at WHERE endpoint_id = @e AND kind = @k AND cleared_utc IS NULL", cancellationToken,
                ("at", database.ToDb(now)), ("e", decision.EndpointId.ToString()), ("k", decision.Kind)).ConfigureAwait(false);
            return open.Select(a => a with { ClearedUtc = now }).ToList();
        }, cancellationToken).ConfigureAwait(false);
        foreach (var alarm in cleared)
        {
            Log.Cleared(logger, alarm.Kind, alarm.SiteCode);
            await broadcaster.PublishAlarmAsync(alarm, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<Alarm> FindAsync(DbConnection connection, DbTransaction transaction, Guid id, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync(transaction, $"SELECT {Columns} FROM alarms WHERE id = @id", Read, cancellationToken, ("id", id.ToString())).ConfigureAwait(false);
        return rows.FirstOrDefault() ?? throw DomainException.NotFound("alarm", id.ToString());
    }

    private async Task SafelyAsync(Func<Task> work, string item, CancellationToken stoppingToken)
    {
        try
        {
            await work().ConfigureAwait(false);
        }
        catch (Exception e) when (e is DbException or InvalidOperationException or TimeoutException)
        {
            // The store is away: the rules decide again next second.
            Log.Failed(logger, e);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            // Anything else is this decision's own problem: logged once, skipped, the others go on.
            Supervisor.Skipped(Loop, item, e);
        }
    }

    private Alarm Read(DbDataReader r) => new(
        Guid.Parse(r.GetString(0)), r.GetString(1), Enum.Parse<AlarmSeverity>(r.GetString(2)), r.IsDBNull(3) ? null : Guid.Parse(r.GetString(3)),
        r.GetString(4), r.GetString(5), database.ReadTime(r, 6), r.GetNullableString(7), r.IsDBNull(8) ? null : database.ReadTime(r, 8), r.IsDBNull(9) ? null : database.ReadTime(r, 9),
        r.IsDBNull(10) ? null : Guid.Parse(r.GetString(10)), r.GetNullableString(11));

    private static partial class Log
    {
        [LoggerMessage(EventId = 12101, Level = LogLevel.Warning, Message = "Alarm {Kind} ({Severity}) at {SiteCode}: {Message}")]
        public static partial void Raised(ILogger logger, string kind, AlarmSeverity severity, string siteCode, string message);

        [LoggerMessage(EventId = 12102, Level = LogLevel.Information, Message = "Alarm {Kind} at {SiteCode} cleared: its cause went away")]
        public static partial void Cleared(ILogger logger, string kind, string siteCode);

        [LoggerMessage(EventId = 12103, Level = LogLevel.Error, Message = "Alarm bookkeeping failed")]
        public static partial void Failed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 12104, Level = LogLevel.Warning, Message = "Alarm {Kind} at {SiteCode} escalated to {Severity}: the site's meeting is live")]
        public static partial void Escalated(ILogger logger, string kind, string siteCode, AlarmSeverity severity);
    }
}
