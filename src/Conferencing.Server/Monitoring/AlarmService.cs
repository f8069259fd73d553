using System.Collections.Concurrent;
using Conferencing.Server.Common;
using Conferencing.Server.Endpoints.Presence;
using Conferencing.Server.Store;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.Monitoring;

/// <summary>Alarm rules. Bound from <c>Alarms</c>.</summary>
public sealed class AlarmOptions
{
    public const string Section = "Alarms";

    /// <summary>How long an endpoint must stay offline before the alarm is raised. The default is 60 s.</summary>
    public TimeSpan OfflineAfter { get; set; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// Turns presence into alarms: an endpoint offline for longer than the set time raises one, its
/// return clears it. Alarms are stored (history for the report) and pushed to dashboards; a
/// technician acknowledges them. One active alarm per endpoint and kind.
/// </summary>
public sealed partial class AlarmService(
    PresenceService presence, Database database, AuditLog audit, IHubContext<MonitoringHub, IMonitoringClient> hub,
    IOptions<AlarmOptions> options, TimeProvider time, ILogger<AlarmService> logger) : BackgroundService
{
    private const string Columns = "id, kind, severity, endpoint_id, site_code, message, raised_utc, acknowledged_by, acknowledged_utc, cleared_utc";
    private readonly ConcurrentDictionary<Guid, EndpointPresence> _offlineSince = new();

    public async Task<IReadOnlyList<Alarm>> ListAsync(bool activeOnly, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QueryAsync(null,
            $"SELECT {Columns} FROM alarms {(activeOnly ? "WHERE cleared_utc IS NULL" : "")} ORDER BY raised_utc DESC LIMIT @limit",
            Read, cancellationToken, ("limit", limit)).ConfigureAwait(false);
    }

    /// <summary>Acknowledges an active alarm; returns it, or throws if unknown.</summary>
    public async Task<Alarm> AcknowledgeAsync(Guid id, string actor, CancellationToken cancellationToken)
    {
        var alarm = await database.InTransactionAsync(async (connection, transaction) =>
        {
            var rows = await connection.QueryAsync(transaction, $"SELECT {Columns} FROM alarms WHERE id = @id", Read, cancellationToken, ("id", id.ToString())).ConfigureAwait(false);
            var found = rows.FirstOrDefault() ?? throw DomainException.NotFound("alarm", id.ToString());
            if (found.AcknowledgedUtc is not null)
            {
                return found;
            }

            var now = time.GetUtcNow();
            await connection.ExecuteAsync(transaction, "UPDATE alarms SET acknowledged_by = @by, acknowledged_utc = @at WHERE id = @id", cancellationToken,
                ("by", actor), ("at", database.ToDb(now)), ("id", id.ToString())).ConfigureAwait(false);
            await audit.WriteAsync(connection, transaction, actor, "alarm.acknowledged", "alarm", id.ToString(), found.Message, cancellationToken).ConfigureAwait(false);
            return found with { AcknowledgedBy = actor, AcknowledgedUtc = now };
        }, cancellationToken).ConfigureAwait(false);
        await hub.Clients.Group(MonitoringGroups.All).AlarmChanged(alarm).ConfigureAwait(false);
        return alarm;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        presence.Changed += OnPresence;
        try
        {
            // Offline endpoints are checked against the delay every second, so the alarm comes on time
            // even when no further presence change happens.
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                foreach (var (id, offline) in _offlineSince)
                {
                    if (time.GetUtcNow() - offline.SinceUtc >= options.Value.OfflineAfter && _offlineSince.TryRemove(id, out _))
                    {
                        await SafelyAsync(() => RaiseAsync(offline, stoppingToken)).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            presence.Changed -= OnPresence;
        }
    }

    private void OnPresence(EndpointPresence change)
    {
        if (change.State == EndpointState.Offline)
        {
            _offlineSince[change.EndpointId] = change;
        }
        else
        {
            _offlineSince.TryRemove(change.EndpointId, out _);
            if (change.State is EndpointState.Reachable or EndpointState.Registered or EndpointState.InCall)
            {
                _ = SafelyAsync(() => ClearAsync(change.EndpointId, CancellationToken.None));
            }
        }
    }

    private async Task RaiseAsync(EndpointPresence offline, CancellationToken cancellationToken)
    {
        var alarm = await database.InTransactionAsync(async (connection, transaction) =>
        {
            var open = await connection.ScalarAsync(transaction, "SELECT id FROM alarms WHERE endpoint_id = @e AND kind = @k AND cleared_utc IS NULL", cancellationToken,
                ("e", offline.EndpointId.ToString()), ("k", AlarmKinds.EndpointOffline)).ConfigureAwait(false);
            if (open is not null)
            {
                return null;
            }

            var raised = new Alarm(Guid.NewGuid(), AlarmKinds.EndpointOffline, AlarmSeverity.Major, offline.EndpointId, offline.SiteCode,
                $"{offline.SipUri}: {offline.Reason ?? "offline"}", time.GetUtcNow(), null, null, null);
            await connection.ExecuteAsync(transaction, $"INSERT INTO alarms ({Columns}) VALUES (@id, @kind, @severity, @endpoint, @site, @message, @raised, NULL, NULL, NULL)", cancellationToken,
                ("id", raised.Id.ToString()), ("kind", raised.Kind), ("severity", raised.Severity.ToString()), ("endpoint", raised.EndpointId.ToString()),
                ("site", raised.SiteCode), ("message", raised.Message), ("raised", database.ToDb(raised.RaisedUtc))).ConfigureAwait(false);
            return raised;
        }, cancellationToken).ConfigureAwait(false);
        if (alarm is not null)
        {
            Log.Raised(logger, alarm.Kind, alarm.Message);
            await hub.Clients.Group(MonitoringGroups.All).AlarmChanged(alarm).ConfigureAwait(false);
        }
    }

    private async Task ClearAsync(Guid endpointId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var cleared = await database.InTransactionAsync(async (connection, transaction) =>
        {
            var open = await connection.QueryAsync(transaction, $"SELECT {Columns} FROM alarms WHERE endpoint_id = @e AND cleared_utc IS NULL", Read, cancellationToken, ("e", endpointId.ToString())).ConfigureAwait(false);
            await connection.ExecuteAsync(transaction, "UPDATE alarms SET cleared_utc = @at WHERE endpoint_id = @e AND cleared_utc IS NULL", cancellationToken,
                ("at", database.ToDb(now)), ("e", endpointId.ToString())).ConfigureAwait(false);
            return open.Select(a => a with { ClearedUtc = now }).ToList();
        }, cancellationToken).ConfigureAwait(false);
        foreach (var alarm in cleared)
        {
            await hub.Clients.Group(MonitoringGroups.All).AlarmChanged(alarm).ConfigureAwait(false);
        }
    }

    private async Task SafelyAsync(Func<Task> work)
    {
        try
        {
            await work().ConfigureAwait(false);
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            Log.Failed(logger, e);
        }
    }

    private Alarm Read(System.Data.Common.DbDataReader r) => new(
        Guid.Parse(r.GetString(0)), r.GetString(1), Enum.Parse<AlarmSeverity>(r.GetString(2)), r.IsDBNull(3) ? null : Guid.Parse(r.GetString(3)),
        r.GetString(4), r.GetString(5), database.ReadTime(r, 6), r.GetNullableString(7), r.IsDBNull(8) ? null : database.ReadTime(r, 8), r.IsDBNull(9) ? null : database.ReadTime(r, 9));

    private static partial class Log
    {
        [LoggerMessage(EventId = 7001, Level = LogLevel.Warning, Message = "Alarm {Kind}: {Message}")]
        public static partial void Raised(ILogger logger, string kind, string message);

        [LoggerMessage(EventId = 7002, Level = LogLevel.Error, Message = "Alarm bookkeeping failed")]
        public static partial void Failed(ILogger logger, Exception exception);
    }
}
