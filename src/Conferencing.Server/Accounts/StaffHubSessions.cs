using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;

namespace Conferencing.Server.Accounts;

/// <summary>
/// Ends the hub connections of revoked staff sessions. A WebSocket is authenticated once, when it
/// opens, so the cookie check alone would leave it running: this filter keeps the staff connections
/// of the hubs it is added to, refuses calls from a session that no longer stands, and aborts every
/// connection of an account when this node revokes it or when the periodic sweep (every
/// <see cref="StaffSessionOptions.RevalidateInterval"/>, reading the store) finds it revoked elsewhere.
/// </summary>
public sealed partial class StaffHubSessions : BackgroundService, IHubFilter
{
    private readonly StaffSessions _sessions;
    private readonly TimeProvider _time;
    private readonly ILogger<StaffHubSessions> _logger;
    private readonly ConcurrentDictionary<string, HubCallerContext> _connections = new(StringComparer.Ordinal);

    public StaffHubSessions(StaffSessions sessions, TimeProvider time, ILogger<StaffHubSessions> logger)
    {
        _sessions = sessions;
        _time = time;
        _logger = logger;
        _sessions.Revoked += OnRevoked;
    }

    /// <summary>Staff connections open now (for tests and health).</summary>
    public int Count => _connections.Count;

    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (StaffClaims.StaffIdentity(context.Context.User) is not null)
        {
            _connections[context.Context.ConnectionId] = context.Context;
        }

        await next(context).ConfigureAwait(false);
    }

    public async Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        _connections.TryRemove(context.Context.ConnectionId, out _);
        await next(context, exception).ConfigureAwait(false);
    }

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        ArgumentNullException.ThrowIfNull(invocationContext);
        ArgumentNullException.ThrowIfNull(next);
        var caller = invocationContext.Context;
        if (!await _sessions.IsCurrentAsync(caller.User, fresh: false, caller.ConnectionAborted).ConfigureAwait(false))
        {
            Log.ConnectionAborted(_logger, caller.User?.Identity?.Name ?? "?", caller.ConnectionId);
            caller.Abort();
            throw new HubException("Your session has ended; sign in again.");
        }

        return await next(invocationContext).ConfigureAwait(false);
    }

    /// <summary>Checks every staff connection against the store now and aborts those whose session ended.</summary>
    public async Task SweepAsync(string? username, CancellationToken cancellationToken)
    {
        var byUser = _connections.Values
            .Where(c => username is null || string.Equals(c.User?.Identity?.Name, username, StringComparison.Ordinal))
            .GroupBy(c => c.User?.Identity?.Name ?? "", StringComparer.Ordinal);
        foreach (var group in byUser)
        {
            var state = group.Key.Length == 0 ? null : await _sessions.GetAsync(group.Key, fresh: true, cancellationToken).ConfigureAwait(false);
            foreach (var connection in group)
            {
                var identity = StaffClaims.StaffIdentity(connection.User);
                if (identity is null || !StaffSessions.Check(identity, state, _time.GetUtcNow(), _sessions.AbsoluteLifetime))
                {
                    Log.ConnectionAborted(_logger, group.Key, connection.ConnectionId);
                    _connections.TryRemove(connection.ConnectionId, out _);
                    connection.Abort();
                }
            }
        }
    }

    public override void Dispose()
    {
        _sessions.Revoked -= OnRevoked;
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_sessions.RevalidateInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await SweepAsync(null, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
                {
                    // The store may be briefly away; the next tick tries again.
                    Log.SweepFailed(_logger, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void OnRevoked(string username) => _ = SweepOneAsync(username);

    private async Task SweepOneAsync(string username)
    {
        try
        {
            await SweepAsync(username, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            Log.SweepFailed(_logger, e);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 13010, Level = LogLevel.Information, Message = "Hub connection {ConnectionId} of {User} aborted: the session was revoked or expired")]
        public static partial void ConnectionAborted(ILogger logger, string user, string connectionId);

        [LoggerMessage(EventId = 13011, Level = LogLevel.Warning, Message = "Checking staff hub connections against the store failed")]
        public static partial void SweepFailed(ILogger logger, Exception exception);
    }
}
